"""The group audit: a registry of armed groups, their dated territories and relations.

As the Group Violence Intervention's audit records them (seed 000: "membership, activities,
hierarchy and criminal histories"): each group's name, aliases, kind, size as a range,
hierarchy, activities from a coded list, history notes, known members (secret), active or
not, and its territory (polygons or units, dated); and relations between groups (alliance,
rivalry, conflict, split), dated, drawn as a network.

``load_groups`` reads a layer (GeoJSON, GeoPackage: one feature per group, the polygon its
territory) and optionally a relations table; the layer's ``rivalries`` and ``alliances``
columns (``;``-separated group ids) are relations too, as the demo's ``grupos.geojson``
writes them. Every group and relation is a version of the records service.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import shapely

from sereno.errors import SerenoError
from sereno.io import read_layer, read_table
from sereno.records import Actor, cli_actor, require, write_version
from sereno.review.access import owner, resource, visible
from sereno.review.batches import FieldImport, record_batch
from sereno.review.form import fold

KINDS = ("gang", "clique", "cartel_cell", "self_defence", "other")
RELATIONS = ("alliance", "rivalry", "conflict", "split")
ACTIVITIES = (
    "drug_retail",
    "drug_wholesale",
    "extortion",
    "robbery",
    "vehicle_theft",
    "kidnapping",
    "homicide",
    "trafficking",
    "territorial_control",
    "other",
)
HIERARCHIES = ("loose", "hierarchical", "unknown")
GROUP_FIELDS = (
    "name",
    "aliases",
    "kind",
    "size_low",
    "size_high",
    "hierarchy",
    "parent_group",
    "activities",
    "history",
    "members",
    "active",
    "observed_on",
)


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _int(value: Any) -> int | None:
    number = pd.to_numeric(_text(value), errors="coerce")
    return None if pd.isna(number) else int(number)


def _day(value: Any) -> date | None:
    text = _text(value)
    if text is None:
        return None
    day = pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")
    return None if pd.isna(day) else day.date()


def load_groups(
    obs,
    path: str | Path,
    relations: str | Path | None = None,
    actor: Actor | None = None,
    observed_on: str | None = None,
    dry_run: bool = False,
) -> FieldImport:
    """Load groups (and their relations) from a layer; bad rows quarantined with a reason."""
    actor = actor or cli_actor(obs)
    path = Path(path)
    require(actor, "create", resource(obs, "group", None, actor.organisation))
    layer = read_layer(path, crs="EPSG:4326", to_crs="EPSG:4326")
    frame = pd.DataFrame(layer.drop(columns=layer.geometry.name)).astype(object)
    frame.index = pd.RangeIndex(len(frame))
    default_day = _day(observed_on) or date.today()
    units = {r[0] for r in obs.engine.rows("SELECT unit_code FROM units")}
    problems, groups, territories, links = [], [], [], []
    seen: set[str] = set()
    for index, row in frame.iterrows():
        gid = _text(row.get("group_id"))
        kind = fold(_text(row.get("kind")) or "").replace(" ", "_")
        reason = None
        if gid is None or _text(row.get("name")) is None:
            reason = ("missing_value", "group_id" if gid is None else "name", "")
        elif gid in seen:
            reason = ("duplicate_id", "group_id", gid)
        elif kind not in KINDS:
            reason = ("bad_kind", "kind", _text(row.get("kind")) or "")
        if reason:
            problems.append(
                {
                    "row": index,
                    "reason_code": reason[0],
                    "column_name": reason[1],
                    "value": reason[2],
                    "expected": ", ".join(KINDS) if reason[0] == "bad_kind" else "",
                }
            )
            continue
        seen.add(gid)
        approx = _int(row.get("size_approx"))
        day = _day(row.get("observed_on")) or default_day
        groups.append(
            {
                "group_id": gid,
                "name": _text(row["name"]),
                "aliases": _text(row.get("aliases")),
                "kind": kind,
                "size_low": _int(row.get("size_low")) or approx,
                "size_high": _int(row.get("size_high")) or approx,
                "hierarchy": _text(row.get("hierarchy")),
                "parent_group": _text(row.get("parent_group")),
                "activities": _text(row.get("activities")),
                "history": _text(row.get("history")),
                "members": _text(row.get("members")),
                "active": str(row.get("active", "true")).strip().lower()
                not in ("false", "0", "no"),
                "observed_on": day,
            }
        )
        shape = layer.geometry.iloc[index]
        held = [u.strip() for u in (_text(row.get("unit_codes")) or "").split(";")]
        for unit in [u for u in held if u in units]:
            territories.append(
                {"group_id": gid, "valid_from": day, "unit_code": unit, "geometry": None}
            )
        if shape is not None and not shape.is_empty:
            territories.append(
                {
                    "group_id": gid,
                    "valid_from": day,
                    "unit_code": None,
                    "geometry": shapely.to_wkb(shape),
                }
            )
        for column, kind_of in (("rivalries", "rivalry"), ("alliances", "alliance")):
            for other in (_text(row.get(column)) or "").split(";"):
                if other.strip():
                    links.append(
                        {
                            "group_a": gid,
                            "group_b": other.strip(),
                            "kind": kind_of,
                            "since_on": day,
                            "until_on": None,
                            "note": None,
                        }
                    )
    if relations is not None:
        table = read_table(Path(relations))
        for _, r in table.iterrows():
            links.append(
                {
                    "group_a": _text(r.get("group_a")),
                    "group_b": _text(r.get("group_b")),
                    "kind": fold(_text(r.get("kind")) or ""),
                    "since_on": _day(r.get("since")),
                    "until_on": _day(r.get("until")),
                    "note": _text(r.get("note")),
                }
            )
    with obs.engine.transaction(commit=not dry_run):
        created, updated, duplicates = _store_groups(obs, actor, groups, territories)
        known = {r[0] for r in obs.engine.rows("SELECT group_id FROM armed_groups")}
        for link in _unique_links(links):
            if link["group_a"] not in known or link["group_b"] not in known:
                continue  # a relation to a group not in the audit: see add_relation
            save_relation(obs, actor, **link)
        result = record_batch(
            obs,
            "group",
            path,
            actor,
            frame,
            pd.DataFrame(
                problems, columns=["row", "reason_code", "column_name", "value", "expected"]
            ),
            created,
            updated,
            duplicates,
        )
    return FieldImport(**{**result.__dict__, "dry_run": dry_run})


def _unique_links(links: list[dict]) -> list[dict]:
    """One relation per pair and kind (a rivalry listed by both groups is one)."""
    found: dict[tuple, dict] = {}
    for link in links:
        if not link["group_a"] or not link["group_b"]:
            continue
        pair = tuple(sorted((link["group_a"], link["group_b"])))
        symmetric = link["kind"] in ("rivalry", "alliance", "conflict")
        key = (
            (*pair, link["kind"]) if symmetric else (link["group_a"], link["group_b"], link["kind"])
        )
        if symmetric:
            link = {**link, "group_a": pair[0], "group_b": pair[1]}
        found.setdefault(key, link)
    return list(found.values())


def _store_groups(obs, actor: Actor, groups: list[dict], territories: list[dict]):
    created = updated = duplicates = 0
    for group in groups:
        exists, org = owner(obs, "armed_groups", "group_id", group["group_id"])
        res = resource(obs, "group", group["group_id"], org if exists else actor.organisation)
        if exists:
            same = obs.engine.frame(
                "SELECT * FROM armed_groups WHERE group_id = ?", [group["group_id"]]
            )
            old = {k: _text(same.iloc[0][k]) for k in GROUP_FIELDS}
            if old == {k: _text(group[k]) for k in GROUP_FIELDS}:
                duplicates += 1
                continue
            write_version(obs, actor, "group.update", res, group)
            updated += 1
        else:
            write_version(obs, actor, "group.create", res, group, check="create")
            created += 1
        obs.engine.execute("DELETE FROM armed_groups WHERE group_id = ?", [group["group_id"]])
        obs.engine.execute(
            "DELETE FROM group_territories WHERE group_id = ? AND valid_from = ?",
            [group["group_id"], group["observed_on"]],
        )
        obs.engine.insert(
            "armed_groups", pa.Table.from_pylist([{**group, "organisation": res.organisation}])
        )
        mine = [t for t in territories if t["group_id"] == group["group_id"]]
        if mine:
            obs.engine.insert(
                "group_territories",
                pa.Table.from_pylist(
                    mine,
                    schema=pa.schema(
                        [
                            ("group_id", pa.string()),
                            ("valid_from", pa.date32()),
                            ("unit_code", pa.string()),
                            ("geometry", pa.binary()),
                        ]
                    ),
                ),
            )
    return created, updated, duplicates


def update_group(obs, actor: Actor, group_id: str, **changes: Any) -> int:
    """Change fields of one group (the workspace's form, or the demo's audit); a version."""
    exists, org = owner(obs, "armed_groups", "group_id", group_id)
    if not exists:
        raise SerenoError("review.unknown_group", group=group_id)
    unknown = set(changes) - set(GROUP_FIELDS)
    if unknown:
        raise SerenoError(
            "review.bad_field", field=", ".join(sorted(unknown)), fields=", ".join(GROUP_FIELDS)
        )
    res = resource(obs, "group", group_id, org)
    with obs.engine.transaction():
        version = write_version(obs, actor, "group.update", res, {"group_id": group_id, **changes})
        for key, value in changes.items():
            obs.engine.execute(
                f"UPDATE armed_groups SET {key} = ? WHERE group_id = ?", [value, group_id]
            )
    return version


def save_relation(
    obs,
    actor: Actor,
    group_a: str,
    group_b: str,
    kind: str,
    since_on: date | str | None = None,
    until_on: date | str | None = None,
    note: str | None = None,
) -> str:
    """Record (or change) a relation between two audited groups; a version of the relation.
    Call inside a transaction, or through :func:`add_relation`."""
    kind = fold(kind).replace(" ", "_")
    if kind not in RELATIONS:
        raise SerenoError("review.bad_relation", value=kind, choices=", ".join(RELATIONS))
    for gid in (group_a, group_b):
        exists, org = owner(obs, "armed_groups", "group_id", gid)
        if not exists:
            raise SerenoError("review.unknown_group", group=gid)
        # Relating groups one may not see would tell one they exist.
        require(actor, "view", resource(obs, "group", gid, org))
    if group_a == group_b:
        raise SerenoError("review.self_relation", group=group_a)
    since_on, until_on = (_day(v) if not isinstance(v, date) else v for v in (since_on, until_on))
    if kind != "split":
        group_a, group_b = sorted((group_a, group_b))
    relation_id = f"{group_a}|{kind}|{group_b}"
    exists, org = owner(obs, "group_relations", "relation_id", relation_id)
    res = resource(obs, "group", relation_id, org if exists else actor.organisation)
    content = {
        "relation_id": relation_id,
        "group_a": group_a,
        "group_b": group_b,
        "kind": kind,
        "since_on": since_on,
        "until_on": until_on,
        "note": note,
    }
    write_version(obs, actor, "group.relation", res, content, check=None if exists else "create")
    obs.engine.execute("DELETE FROM group_relations WHERE relation_id = ?", [relation_id])
    obs.engine.execute(
        "INSERT INTO group_relations (relation_id, organisation, group_a, group_b, kind, "
        "since_on, until_on, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [relation_id, res.organisation, group_a, group_b, kind, since_on, until_on, note],
    )
    return relation_id


def add_relation(obs, actor: Actor, group_a: str, group_b: str, kind: str, **dates: Any) -> str:
    with obs.engine.transaction():
        return save_relation(obs, actor, group_a, group_b, kind, **dates)


def groups(obs, actor: Actor, members: bool = False) -> pd.DataFrame:
    """The groups ``actor`` may see; ``members`` (secret) only when asked (the CLI)."""
    columns = [c for c in ("group_id", "organisation", *GROUP_FIELDS) if members or c != "members"]
    frame = obs.engine.frame(f"SELECT {', '.join(columns)} FROM armed_groups ORDER BY group_id")
    return visible(obs, actor, "group", frame, "group_id").reset_index(drop=True)


def relations(obs, actor: Actor, on: str | None = None) -> pd.DataFrame:
    """Relations ``actor`` may see, between groups they may see, in force on ``on``."""
    frame = obs.engine.frame(
        "SELECT relation_id, organisation, group_a, group_b, kind, since_on, until_on, note "
        "FROM group_relations ORDER BY relation_id"
    )
    frame = visible(obs, actor, "group", frame, "relation_id")
    seen = set(groups(obs, actor)["group_id"])
    frame = frame[frame["group_a"].isin(seen) & frame["group_b"].isin(seen)]
    if on is not None:
        day = pd.Timestamp(on)
        since = pd.to_datetime(frame["since_on"])
        until = pd.to_datetime(frame["until_on"])
        frame = frame[(since.isna() | (since <= day)) & (until.isna() | (until >= day))]
    return frame.reset_index(drop=True)


def territories(obs, actor: Actor):
    """The latest territory of each group ``actor`` may see, as a GeoDataFrame (EPSG:4326):
    the polygon given, else the union of its units."""
    import geopandas as gpd

    seen = groups(obs, actor)
    rows = obs.engine.frame(
        "SELECT t.group_id, t.valid_from, t.unit_code, t.geometry, u.geometry AS unit_geometry "
        "FROM group_territories t LEFT JOIN units u USING (unit_code) "
        "WHERE t.valid_from = (SELECT max(valid_from) FROM group_territories x "
        "WHERE x.group_id = t.group_id)"
    )
    rows = rows[rows["group_id"].isin(seen["group_id"])]
    shapes = []
    for gid, part in rows.groupby("group_id"):
        given = [shapely.from_wkb(bytes(g)) for g in part["geometry"] if g is not None]
        units = [shapely.from_wkb(bytes(g)) for g in part["unit_geometry"] if g is not None]
        shapes.append({"group_id": gid, "geometry": shapely.union_all(given or units)})
    frame = (
        gpd.GeoDataFrame(shapes, geometry="geometry", crs="EPSG:4326")
        if shapes
        else (gpd.GeoDataFrame({"group_id": []}, geometry=[], crs="EPSG:4326"))
    )
    return frame.merge(seen[["group_id", "name", "kind", "active"]], on="group_id")
