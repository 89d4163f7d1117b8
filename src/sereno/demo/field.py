"""Ciudad Demo's field records, entered as an observatory would: through the review stage.

* The group audit: ``grupos.geojson`` loaded by ``groups load`` with a table of dated
  relations (a conflict and the clique's split), then the audit's members and histories.
* Incident reviews of homicides the police recorded in the two colonias with most of them,
  26 and 11 as in seed 000, written to ``revisiones.csv`` and imported with the default form.
* Three meetings of the Mesa with agreements whose status changes meeting to meeting.
* Two projects paid for the demo's two interventions, one without any impact indicator.

Narratives, witnesses, informants and members are invented (marked *ficticio*) and must
never reach a public page or export: the portal's disclosure tests look for every one.
All of it belongs to ``DEMO_ORGANISATION``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import yaml

from sereno.demo.names import FEMALE_GIVEN, MALE_GIVEN, NICKNAMES, SURNAMES
from sereno.records import Actor
from sereno.review.agreements import add_agreement, add_meeting, update_agreement
from sereno.review.groups import load_groups, update_group
from sereno.review.projects import load_projects
from sereno.review.reviews import import_reviews

DEMO_ORGANISATION = "mesa-demo"
DEMO_ACTOR = Actor("demo", "admin", DEMO_ORGANISATION, "cli")
AUDIT_DAY = "2024-06-30"
REVIEWED = (26, 11)  # seed 000: 26 homicides in Nueva Suyapa, 11 in Flor del Campo
MOTIVES_ARMED = ("extortion", "territory", "drugs", "revenge", "respect")
MOTIVES_OTHER = ("robbery", "domestic", "revenge", "other")
# The store's weapon codes as a reviewer writes them in the form's Spanish.
WEAPONS = {
    "firearm": "arma de fuego",
    "sharp_object": "arma blanca",
    "blunt_object": "contundente",
    "strangulation": "estrangulamiento",
    "other": "otra",
}


def add_field_records(obs, out_dir: Path, groups_file: Path, seed: int = 7) -> dict[str, int]:
    """Load the demo's field records into ``obs``; returns what was stored."""
    rng = np.random.default_rng([seed, 16])
    # The demo publishes its reviews' tabulations (suppressed), to show the public page.
    obs.config.document["review"] = {"publish_tables": True}
    obs.config.save()
    out_dir = Path(out_dir)
    relations = out_dir / "relaciones_grupos.csv"
    relations.write_text(
        "group_a,group_b,kind,since,until,note\n"
        "G1,G3,conflict,2022-03-01,,disputa por el mercado (ficticio)\n"
        "G2,G1,split,2024-02-01,,la clica se separa de su pandilla (ficticio)\n"
        "G4,G5,conflict,2021-05-01,2022-12-31,\n",
        encoding="utf-8",
    )
    loaded = load_groups(obs, groups_file, relations, actor=DEMO_ACTOR, observed_on=AUDIT_DAY)
    held = _territory(groups_file)
    for gid in held:
        members = "; ".join(
            f"{NICKNAMES[int(i)]} {gid}-M{k + 1:02d} (ficticio)"
            for k, i in enumerate(rng.choice(len(NICKNAMES), 3, replace=False))
        )
        update_group(
            obs,
            DEMO_ACTOR,
            gid,
            members=members,
            hierarchy="hierarchical" if gid in ("G1", "G3") else "loose",
            activities="extortion;drug_retail" if gid != "G5" else "other",
            history=f"Auditoría {AUDIT_DAY}: historial sintético del grupo {gid}",
        )
    reviews = _write_reviews(obs, out_dir / "revisiones.csv", held, rng)
    imported = import_reviews(obs, reviews, actor=DEMO_ACTOR)
    agreements = _mesa(obs)
    projects = out_dir / "proyectos.yaml"
    _write_projects(obs, projects)
    loaded_projects = load_projects(obs, projects, actor=DEMO_ACTOR)
    return {
        "groups": loaded.created,
        "reviews": imported.stored,
        "agreements": agreements,
        "projects": loaded_projects.stored,
    }


def _territory(groups_file: Path) -> dict[str, set[str]]:
    import json

    document = json.loads(Path(groups_file).read_text(encoding="utf-8"))
    return {
        f["properties"]["group_id"]: set(f["properties"]["unit_codes"].split(";"))
        for f in document["features"]
    }


def _write_reviews(obs, path: Path, held: dict[str, set[str]], rng) -> Path:
    """Reviews of police-recorded homicides in the two colonias with most of them."""
    victims = obs.engine.frame(
        "SELECT record_id, unit_code, date, weapon, sex, age FROM victims "
        "WHERE source_id = 'policia' AND iccs_code LIKE '0101%' AND unit_code IS NOT NULL "
        "AND date IS NOT NULL ORDER BY date, record_id"
    )
    top = (
        victims["unit_code"].value_counts().sort_index().sort_values(ascending=False, kind="stable")
    )
    rows = []
    for unit, n in zip(top.index[:2], REVIEWED, strict=True):
        owner = next((g for g, units in held.items() if unit in units), None)
        armed = owner is not None and owner != "G5"
        chosen = victims[victims["unit_code"] == unit].tail(n)
        for k, v in enumerate(chosen.itertuples()):
            p = [0.5, 0.2, 0.2, 0.1] if armed else [0.1, 0.15, 0.6, 0.15]
            offender = rng.choice(["confirmado", "sospechado", "ninguno", "desconocido"], p=p)
            victim = rng.choice(
                ["confirmado", "sospechado", "ninguno", "desconocido"], p=[0.25, 0.15, 0.5, 0.1]
            )
            pool = MOTIVES_ARMED if armed else MOTIVES_OTHER
            motives = rng.choice(pool, size=int(rng.integers(1, 3)), replace=False)
            given = (MALE_GIVEN if k % 2 else FEMALE_GIVEN)[int(rng.integers(0, 40))]
            witness = f"{given} {SURNAMES[int(rng.integers(0, 90))]} (testigo ficticio)"
            rows.append(
                {
                    "registro": v.record_id,
                    "colonia": unit,
                    "fecha": str(v.date)[:10],
                    "narrativa": f"Narrativa sintética {unit}-{k + 1:02d}: según {witness}, "
                    f"dos hombres en motocicleta dispararon frente a la pulpería.",
                    "lugar": f"Frente a la pulpería, calle {k + 3} (ficticio)",
                    "arma": WEAPONS.get(v.weapon, "desconocida"),
                    "grupo_victima": victim,
                    "grupo_victimario": offender,
                    "edad_victima": "" if v.age != v.age or v.age is None else int(v.age),
                    "sexo_victima": {"male": "hombre", "female": "mujer"}.get(v.sex, "desconocido"),
                    "motivos": ";".join(motives),
                    "grupos_victimario": owner if armed and offender != "ninguno" else "",
                    "revisor": "Equipo de revisión (ficticio)",
                    "fecha_revision": "2024-07-15",
                    "fuentes": "expediente policial; forense; prensa",
                    "informante": f"Informante {unit}-{k + 1:02d} (ficticio)",
                    "confianza": rng.choice(["alta", "media", "baja"]),
                }
            )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _mesa(obs) -> int:
    """Three meetings of the Mesa; agreements reviewed at each."""
    body = "Mesa de Seguridad y Justicia de Ciudad Demo"
    for mid, day, who in (
        ("MESA-2024-09", "2024-09-10", "Alcaldía;Policía;Fiscalía;ONG Paz"),
        ("MESA-2024-10", "2024-10-08", "Alcaldía;Policía;Observatorio"),
        ("MESA-2024-11", "2024-11-12", "Alcaldía;Policía;Fiscalía"),
    ):
        add_meeting(obs, DEMO_ACTOR, mid, body, day, who)
    made = [
        (
            "AC-01",
            "MESA-2024-09",
            "Reponer el alumbrado de la colonia con más homicidios",
            "Alcaldía",
            "Ing. Rosa Matute (ficticia)",
            "2024-10-31",
            "homicidios",
            True,
        ),
        (
            "AC-02",
            "MESA-2024-09",
            "Patrullaje nocturno en las colonias en disputa",
            "Policía",
            "Cmdte. Julio Banegas (ficticio)",
            "2024-10-15",
            "homicidios",
            False,
        ),
        (
            "AC-03",
            "MESA-2024-09",
            "Publicar los seis indicadores cada mes",
            "Observatorio",
            "Lic. Iris Cerrato (ficticia)",
            "2024-09-30",
            None,
            True,
        ),
        (
            "AC-04",
            "MESA-2024-10",
            "Mesa de atención a víctimas de extorsión",
            "Fiscalía",
            "Abg. Omar Lagos (ficticio)",
            "2024-11-12",
            "extorsion",
            False,
        ),
        (
            "AC-05",
            "MESA-2024-10",
            "Evaluar el programa Barrios Seguros",
            "Observatorio",
            None,
            "2025-01-31",
            None,
            False,
        ),
    ]
    for aid, mid, text, org, person, due, indicator, public in made:
        add_agreement(obs, DEMO_ACTOR, mid, text, org, person, due, indicator, None, public, aid)
    for aid, status, mid, note in (
        ("AC-01", "in_progress", "MESA-2024-10", "licitación publicada"),
        ("AC-03", "done", "MESA-2024-10", None),
        ("AC-02", "in_progress", "MESA-2024-10", None),
        ("AC-01", "done", "MESA-2024-11", "lámparas instaladas"),
        ("AC-05", "in_progress", "MESA-2024-11", None),
    ):
        update_agreement(obs, DEMO_ACTOR, aid, status, mid, note)
    return len(made)


def _write_projects(obs, path: Path) -> Path:
    units = {
        i: [
            r[0]
            for r in obs.engine.rows(
                "SELECT unit_code FROM intervention_units WHERE intervention_id = ? ORDER BY 1", [i]
            )
        ]
        for i in ("INT1", "INT2")
    }
    document = {
        "projects": [
            {
                "project_id": "PRY-01",
                "title": "Barrios Seguros: centros comunitarios (sintético)",
                "implementer": "Fundación Paz y Barrio (ficticia)",
                "units": units["INT1"],
                "budget_usd": 1250000,
                "start": "2023-07-01",
                "end": "2024-12-31",
                "risk_factor": "youth_idleness",
                "intervention": "INT1",
                "indicators": [
                    {
                        "id": "jovenes",
                        "kind": "activity",
                        "name": "Jóvenes inscritos",
                        "baseline": 0,
                        "target": 600,
                        "measured": {"2023-12-31": 240, "2024-06-30": 410},
                    },
                    {
                        "id": "homicidios",
                        "kind": "impact",
                        "name": "Homicidios por año en sus colonias",
                        "baseline": 60,
                        "target": 40,
                        "measured": {"2024-06-30": 52},
                    },
                ],
            },
            {
                "project_id": "PRY-02",
                "title": "Jóvenes con Futuro: talleres (sintético)",
                "implementer": "Alcaldía de Ciudad Demo (ficticio)",
                "units": units["INT2"],
                "budget_usd": 480000,
                "start": "2023-10-01",
                "end": "2024-12-31",
                "risk_factor": "school_dropout",
                "intervention": "INT2",
                "indicators": [
                    {
                        "id": "talleres",
                        "kind": "activity",
                        "name": "Talleres impartidos",
                        "baseline": 0,
                        "target": 120,
                        "measured": {"2024-03-31": 45, "2024-09-30": 98},
                    }
                ],
            },
        ]
    }
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return path
