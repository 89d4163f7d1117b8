"""The three harm record kinds: their fields, locked vocabularies and restricted parts.

A harm mapping (``layout: displacement``, ``disappearance`` or ``extortion``) names a source
column for each canonical field below. Coded fields take a value of their vocabulary: the
code itself, a built-in Spanish or English label, or a label the mapping adds under
``values:``; anything else is quarantined, never added (DESIGN.md, "vocabularies are
locked"). Restricted fields are kept in the store for the staff the records service allows
and never reach a public figure, page or export (``sereno.harms.privacy``).

The causes follow what the seeds name as the drivers of flight (seed 001: threats, extortion
rackets, forced recruitment of children, killings; clashes between groups), IDMC's
"conflict and violence" triggers; the disappearance statuses are those of Mexico's national
registry (RNPDNO: desaparecida, no localizada, localizada con vida, localizada sin vida).
"""

from __future__ import annotations

from dataclasses import dataclass

# field -> code -> built-in labels (matched accent-, case- and space-insensitively)
VOCABULARIES: dict[str, dict[str, tuple[str, ...]]] = {
    "cause": {
        "threat": ("amenaza", "amenazas", "intimidación", "threat", "threats"),
        "extortion": ("extorsión", "renta", "cobro de piso", "impuesto de guerra", "extortion"),
        "forced_recruitment": (
            "reclutamiento forzado",
            "reclutamiento",
            "forced recruitment",
            "recruitment",
        ),
        "homicide_relative": (
            "homicidio de familiar",
            "asesinato de familiar",
            "homicide of a relative",
            "killing of a relative",
        ),
        "clashes": (
            "enfrentamientos",
            "enfrentamientos entre grupos",
            "enfrentamiento",
            "clashes",
            "armed clashes",
            "conflict",
        ),
        "other": ("otro", "otra", "otros", "other"),
        "unknown": ("desconocido", "desconocida", "no sabe", "unknown"),
    },
    "confidence": {
        "high": ("alta", "high"),
        "medium": ("media", "medium"),
        "low": ("baja", "low"),
        "unknown": ("desconocida", "unknown"),
    },
    "status": {
        "missing": (
            "desaparecida",
            "desaparecido",
            "no localizada",
            "no localizado",
            "desaparecida o no localizada",
            "missing",
            "not located",
        ),
        "found_alive": ("localizada con vida", "localizado con vida", "con vida", "found alive"),
        "found_dead": ("localizada sin vida", "localizado sin vida", "sin vida", "found dead"),
        "unknown": ("desconocido", "unknown"),
    },
    "reported_by": {
        "family": ("familia", "familiar", "denuncia familiar", "family", "relative"),
        "ngo": ("ong", "colectivo", "organización", "ngo"),
        "prosecutor": ("fiscalía", "ministerio público", "procuraduría", "prosecutor"),
        "registry": ("registro", "rnpdno", "comisión de búsqueda", "registry"),
        "other": ("otro", "other"),
    },
    "victim_type": {
        "business": ("negocio", "comercio", "empresa", "tienda", "business", "shop"),
        "transport": (
            "transporte",
            "ruta",
            "transportista",
            "autobús",
            "bus",
            "taxi",
            "transport",
            "transport route",
        ),
        "household": ("hogar", "vivienda", "familia", "household", "family"),
        "migrant": (
            "migrante",
            "persona migrante",
            "migrante en tránsito",
            "migrant",
            "migrant in transit",
        ),
        "school": ("escuela", "centro escolar", "colegio", "school"),
        "other": ("otro", "otra", "other"),
    },
    "periodicity": {
        "once": ("única", "una vez", "pago único", "once", "one-off"),
        "daily": ("diaria", "diario", "daily"),
        "weekly": ("semanal", "weekly"),
        "biweekly": ("quincenal", "biweekly", "fortnightly"),
        "monthly": ("mensual", "monthly"),
        "other": ("otra", "otro", "other"),
        "unknown": ("desconocida", "unknown"),
    },
    "yes_no": {
        "yes": ("sí", "si", "s", "yes", "y", "1", "true", "verdadero"),
        "no": ("no", "n", "0", "false", "falso"),
        "unknown": ("desconocido", "no sabe", "ns/nr", "unknown"),
    },
    "outcome": {
        "none": ("ninguno", "ninguna", "nada", "none"),
        "threats": ("amenazas", "amenaza", "threats"),
        "violence": ("violencia", "agresión", "lesiones", "ataque", "violence", "assault"),
        "homicide": ("homicidio", "asesinato", "homicide", "killing"),
        "displacement": ("desplazamiento", "huida", "displacement"),
        "closure": ("cierre", "cierre del negocio", "closure"),
        "unknown": ("desconocido", "unknown"),
    },
}


@dataclass(frozen=True)
class HarmField:
    """One canonical field: ``kind`` says how its text is read; ``vocabulary`` names the
    coded list; ``default`` is the code a blank cell takes (None: blank stays NULL)."""

    name: str
    kind: str  # id | text | date | precision | count | amount | age | code | sex | point
    vocabulary: str | None = None
    default: str | None = None
    restricted: bool = False


def _unit(prefix: str) -> tuple[HarmField, ...]:
    sep = f"{prefix}_" if prefix else ""
    return (HarmField(f"{sep}unit_code", "text"), HarmField(f"{sep}unit_name", "text"))


DISPLACEMENT = (
    HarmField("source_record_id", "id"),
    HarmField("date", "date"),
    HarmField("date_precision", "precision"),
    *_unit("origin"),
    HarmField("lat", "point", restricted=True),
    HarmField("lon", "point", restricted=True),
    *_unit("destination"),
    HarmField("destination_municipality", "text"),
    HarmField("destination_country", "text"),
    HarmField("destination_shelter", "text", restricted=True),
    HarmField("households", "count"),
    HarmField("people", "count"),
    HarmField("female", "count"),
    HarmField("male", "count"),
    HarmField("children", "count"),
    HarmField("adults", "count"),
    HarmField("elderly", "count"),
    HarmField("cause", "code", "cause", "unknown"),
    HarmField("group", "text"),
    HarmField("reported_by", "text"),
    HarmField("confidence", "code", "confidence", "unknown"),
    HarmField("returned_date", "date"),
)
DISAPPEARANCE = (
    HarmField("source_record_id", "id"),
    HarmField("name", "text", restricted=True),
    HarmField("sex", "sex"),
    HarmField("age", "age"),
    HarmField("date", "date"),
    HarmField("date_precision", "precision"),
    *_unit(""),
    HarmField("lat", "point", restricted=True),
    HarmField("lon", "point", restricted=True),
    HarmField("state", "text"),
    HarmField("municipality", "text"),
    HarmField("status", "code", "status", "missing"),
    HarmField("status_date", "date"),
    HarmField("reported_by", "code", "reported_by", "other"),
    HarmField("migrant", "code", "yes_no", "no"),
)
EXTORTION = (
    HarmField("source_record_id", "id"),
    HarmField("date", "date"),
    HarmField("date_precision", "precision"),
    *_unit(""),
    HarmField("lat", "point", restricted=True),
    HarmField("lon", "point", restricted=True),
    HarmField("victim_type", "code", "victim_type"),
    HarmField("business_name", "text", restricted=True),
    HarmField("amount", "amount"),
    HarmField("periodicity", "code", "periodicity", "unknown"),
    HarmField("group", "text"),
    HarmField("paid", "code", "yes_no", "unknown"),
    HarmField("reported_police", "code", "yes_no", "unknown"),
    HarmField("outcome", "code", "outcome", "unknown"),
)


@dataclass(frozen=True)
class HarmKind:
    """A record kind: its fields, what its rows count, and the unit field that places it."""

    name: str
    fields: tuple[HarmField, ...]
    counts: str  # victims | incidents, as the sources table records it
    place: str  # the unit fields' prefix that must locate the row ("" or "origin")
    place_required: bool = True

    def field(self, name: str) -> HarmField:
        return next(f for f in self.fields if f.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def restricted(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.restricted)


KINDS = {
    "displacement": HarmKind("displacement", DISPLACEMENT, "incidents", "origin"),
    # A registry row may name only a state and municipality outside the loaded units.
    "disappearance": HarmKind("disappearance", DISAPPEARANCE, "victims", "", False),
    "extortion": HarmKind("extortion", EXTORTION, "incidents", ""),
}
