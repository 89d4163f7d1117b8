"""Source mappings (docs/mapping.md) for the five Ciudad Demo sources.

Each mapping names the source's own columns, so the demo exercises what an observatory does
with real files: Latin-1 and semicolons, a named sheet, colonia names instead of codes, points
instead of either, HXL-tagged counts. The offence labels are Sereno's built-in Spanish ones,
repeated here so that each mapping documents its source.
"""

from __future__ import annotations

from typing import Any

import yaml

SYNTHETIC = "(sintético / synthetic)"
HOMICIDE = "0101"


def _source(name: str, kind: str, description: str) -> dict[str, str]:
    return {"name": name, "kind": kind, "description": f"{description} {SYNTHETIC}"}


def mapping_documents() -> dict[str, dict[str, Any]]:
    """Source name -> mapping document."""
    return {
        "policia": {
            "source": _source(
                "policia", "police", "Policía Municipal de Ciudad Demo, partes de homicidio"
            ),
            "layout": "rows",
            "counts": "victims",
            "encoding": "latin-1",
            "delimiter": ";",
            "date_format": ["%d/%m/%Y"],
            "unit_level": "colonia",
            "fields": {
                "source_record_id": "FOLIO",
                "date": "FECHA",
                "time": "HORA",
                "unit_name": "COLONIA",
                "offence": "DELITO",
                "sex": "SEXO",
                "age": "EDAD",
                "weapon": "ARMA",
                "place": "LUGAR",
                "name": "NOMBRE_VICTIMA",
            },
            "offences": {"HOMICIDIO DOLOSO": HOMICIDE},
            "values": {"sex": {"H": "male", "M": "female"}},
        },
        "forense": {
            "source": _source(
                "forense", "forensic", "Medicina Legal de Ciudad Demo, defunciones por homicidio"
            ),
            "layout": "rows",
            "counts": "victims",
            "sheet": "defunciones",
            "date_format": ["%Y-%m-%d"],
            "unit_level": "colonia",
            # Unidentified bodies are named DESCONOCIDO: read as no name, not as a name.
            "missing": ["", "NA", "N/D", "S/D", "-", "DESCONOCIDO"],
            "fields": {
                "source_record_id": "id_caso",
                "date": "fecha_defuncion",
                "unit_code": "cod_colonia",
                "offence": "causa",
                "sex": "sexo",
                "age": "edad",
                "weapon": "mecanismo",
                "place": "lugar_hallazgo",
                "name": "nombre",
            },
            "offences": {"homicidio doloso": HOMICIDE, "feminicidio": HOMICIDE},
        },
        "prensa": {
            "source": _source(
                "prensa", "press", "Monitor de prensa de Ciudad Demo, notas sobre homicidios"
            ),
            "layout": "rows",
            "counts": "victims",
            "date_format": ["%Y-%m-%d"],
            "unit_level": "colonia",
            "fields": {
                "source_record_id": "id_nota",
                "date": "fecha",
                "date_precision": "precision_fecha",
                "lat": "lat",
                "lon": "lon",
                "offence": "delito",
                "sex": "sexo",
                "age": "edad",
                "weapon": "arma",
                "place": "lugar",
                "name": "nombre",
            },
            "offences": {"homicidio doloso": HOMICIDE},
        },
        "mesa_delitos": {
            "source": _source(
                "mesa_delitos",
                "police",
                "Mesa de Seguridad de Ciudad Demo, incidencia delictiva policial",
            ),
            "layout": "rows",
            "counts": "incidents",
            "encoding": "utf-8",
            "delimiter": ",",
            "date_format": ["%Y-%m-%d"],
            "unit_level": "colonia",
            "fields": {
                "source_record_id": "folio",
                "date": "fecha",
                "unit_code": "cve_colonia",
                "lat": "lat",
                "lon": "lon",
                "offence": "delito",
            },
            "offences": {
                "robo de vehículo con violencia": "040121",
                "robo de vehículo sin violencia": "050211",
                "secuestro": "020221",
                "extorsión": "02051",
                "robo a negocio": "040132",
            },
        },
        "desplazamiento": {
            "source": _source(
                "desplazamiento",
                "ngo",
                "ONG Refugio Demo, desplazamiento forzado por colonia y mes",
            ),
            "layout": "counts",
            "counts": "victims",
            "encoding": "utf-8",
            "delimiter": ",",
            "date_format": ["%Y-%m"],
            "unit_level": "colonia",
            "fields": {
                "date": "fecha",
                "date_precision": {"value": "3"},
                "unit_code": "cod_colonia",
                "offence": "tipo_evento",
                "count": "personas_desplazadas",
            },
            "offences": {"desplazamiento forzado": "SRN01"},
        },
    }


def mapping_text(name: str, document: dict[str, Any]) -> str:
    """The YAML text of a mapping, with a header saying what it is."""
    header = (
        f"# Sereno source mapping: {name}, Ciudad Demo {SYNTHETIC}.\n# Format: docs/mapping.md\n"
    )
    return header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
