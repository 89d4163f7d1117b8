"""Field-record commands: ``sereno reviews import|table``, ``sereno groups load``,
``sereno agreements add|list|update``, ``sereno projects load``.

Each acts as the command's account (``--as``, ``SERENO_AS``, the observatory's default) and
goes through the records service: what the account may not see is not printed, and every
write is versioned and audited.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sereno.commands.common import (
    DirOption,
    JsonOption,
    app,
    command,
    console,
    emit,
    open_observatory,
)
from sereno.i18n import format_number, t
from sereno.io import write_table

reviews_app = typer.Typer(no_args_is_help=True, help="Revisiones de homicidios / incident reviews")
groups_app = typer.Typer(no_args_is_help=True, help="Auditoría de grupos / group audit")
agreements_app = typer.Typer(no_args_is_help=True, help="Acuerdos de la mesa / agreements")
projects_app = typer.Typer(no_args_is_help=True, help="Proyectos / projects")
app.add_typer(reviews_app, name="reviews")
app.add_typer(groups_app, name="groups")
app.add_typer(agreements_app, name="agreements")
app.add_typer(projects_app, name="projects")

FileArg = Annotated[Path, typer.Argument(help="CSV, XLSX, JSON")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Ensayo / dry run")]
Out = Annotated[Path | None, typer.Option("--out", help="CSV, Parquet (restringido / restricted)")]


def _pct(value: float | None, lang: str) -> str:
    if value is None or value != value:
        return "–"
    return format_number(100 * value, lang, 1)


def _restricted_note(obs, out: Path) -> None:
    """Exports of field records are restricted and say so, in a note beside the file."""
    from sereno.records import cli_actor

    actor = cli_actor(obs)
    note = out.with_name(out.name + ".RESTRINGIDO-RESTRICTED.txt")
    org = actor.organisation or obs.config.name
    note.write_text(
        t("review.restricted_export", "es", organisation=org)
        + "\n"
        + t("review.restricted_export", "en", organisation=org)
        + "\n",
        encoding="utf-8",
    )
    obs.audit("field_export", str(out), actor=actor.username, via="cli")
    console.print(t("review.restricted_export", organisation=org))


@reviews_app.command("import")
@command
def reviews_import(
    file: FileArg,
    form: Annotated[Path | None, typer.Option("--form", help="Formulario YAML / YAML form")] = None,
    dry_run: DryRun = False,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Importar revisiones de incidentes / import incident reviews."""
    from sereno.review.reviews import import_reviews

    with open_observatory(directory) as obs:
        result = import_reviews(obs, file, form, dry_run=dry_run)
    emit(result, as_json, lambda: console.print(result.summary()))


@reviews_app.command("table")
@command
def reviews_table(
    by: Annotated[str, typer.Option("--by", help="unit,motive | group | period | unit,period")] = (
        "unit,motive"
    ),
    side: Annotated[str, typer.Option(help="any | victim | offender")] = "any",
    level: Annotated[float, typer.Option(help="Nivel del intervalo / interval level")] = 0.95,
    out: Out = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Tabular las revisiones / tabulate the reviews (group involvement, motives, groups)."""
    from sereno.errors import SerenoError
    from sereno.i18n import default_language
    from sereno.records import cli_actor
    from sereno.review.tabulate import review_tables

    parts = [p.strip() for p in by.split(",") if p.strip()]
    show = "groups" if "group" in parts else "motives" if "motive" in parts else None
    keys = tuple(
        {"unit": "unit_code", "period": "period"}[p] for p in parts if p in ("unit", "period")
    ) or ("unit_code",)
    if any(p not in ("unit", "period", "motive", "group") for p in parts):
        raise SerenoError("review.bad_by", value=by, choices="unit, period, motive, group")
    lang = default_language()
    with open_observatory(directory) as obs:
        tables = review_tables(obs, cli_actor(obs), keys, side, level)
        if out is not None:
            frame = {"groups": tables.groups, "motives": tables.motives}.get(
                show, tables.involvement
            )
            write_table(frame, out)
            _restricted_note(obs, out)

    def render() -> None:
        table = Table(
            title=t(
                "review.summary_head",
                lang,
                side=t(f"review.side.{side}", lang),
                level=format_number(level * 100, lang),
            )
        )
        for k in keys:
            table.add_column(t(f"review.col.{k}", lang))
        for c in ("n_reviewed", "confirmed", "ci", "suspected", "ci", "homicides", "coverage"):
            table.add_column(t(f"review.col.{c}", lang), justify="right")
        for row in tables.involvement.itertuples():
            table.add_row(
                *[str(getattr(row, k)) for k in keys],
                str(row.n_reviewed),
                f"{row.confirmed} ({_pct(row.share_confirmed, lang)} %)",
                f"{_pct(row.confirmed_low, lang)}–{_pct(row.confirmed_high, lang)}",
                f"{row.suspected} ({_pct(row.share_suspected, lang)} %)",
                f"{_pct(row.suspected_low, lang)}–{_pct(row.suspected_high, lang)}",
                "–" if row.homicides != row.homicides else str(int(row.homicides)),
                _pct(row.coverage, lang),
            )
        console.print(table)
        if show == "motives":
            m = Table(title=t("review.col.motive", lang))
            for c in (*keys, "motive", "n", "share", "ci"):
                m.add_column(t(f"review.col.{c}", lang))
            for row in tables.motives.itertuples():
                m.add_row(
                    *[str(getattr(row, k)) for k in keys],
                    t(f"review.choice.{row.motive}", lang),
                    str(row.n),
                    f"{_pct(row.share, lang)} %",
                    f"{_pct(row.low, lang)}–{_pct(row.high, lang)}",
                )
            console.print(m)
            console.print(t("review.motives_not_exclusive", lang))
        if show == "groups":
            g = Table(title=t("review.group_table_title", lang))
            for c in ("group", "side", "n", "confirmed", "suspected"):
                g.add_column(t(f"review.col.{c}", lang))
            for row in tables.groups.itertuples():
                g.add_row(
                    row.group_id,
                    t(f"review.side.{row.side}", lang),
                    str(row.n),
                    str(row.confirmed),
                    str(row.suspected),
                )
            console.print(g)

    emit(tables, as_json, render)


@groups_app.command("load")
@command
def groups_load(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage: un grupo por elemento")],
    relations: Annotated[
        Path | None, typer.Option("--relations", help="CSV: group_a, group_b, kind, since, until")
    ] = None,
    observed_on: Annotated[
        str | None, typer.Option("--observed-on", help="Fecha de la auditoría / audit date")
    ] = None,
    network: Annotated[Path | None, typer.Option("--network", help="PNG, PDF, SVG")] = None,
    map_file: Annotated[Path | None, typer.Option("--map", help="PNG, PDF, SVG")] = None,
    dry_run: DryRun = False,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Cargar la auditoría de grupos / load the group audit (territories and relations)."""
    from sereno.i18n import default_language
    from sereno.records import cli_actor
    from sereno.review.groups import groups, load_groups, territories
    from sereno.review.groups import relations as group_relations
    from sereno.review.pictures import network_figure, territory_figure

    lang = default_language()
    with open_observatory(directory) as obs:
        result = load_groups(obs, file, relations, observed_on=observed_on, dry_run=dry_run)
        actor = cli_actor(obs)
        if network is not None:
            network_figure(groups(obs, actor), group_relations(obs, actor), lang).savefig(network)
        if map_file is not None:
            territory_figure(territories(obs, actor), lang=lang).savefig(map_file)
    emit(result, as_json, lambda: console.print(result.summary()))


@agreements_app.command("add")
@command
def agreements_add(
    text: Annotated[str, typer.Argument(help="Texto del acuerdo / agreement text")],
    meeting: Annotated[str, typer.Option("--meeting", help="Reunión / meeting id")],
    owner_org: Annotated[str, typer.Option("--owner", help="Organización responsable / owner")],
    person: Annotated[str | None, typer.Option("--person", help="Persona responsable")] = None,
    due: Annotated[str | None, typer.Option("--due", help="Vence / due (YYYY-MM-DD)")] = None,
    indicator: Annotated[str | None, typer.Option(help="Indicador / indicator")] = None,
    unit: Annotated[str | None, typer.Option(help="Unidad / unit code")] = None,
    public: Annotated[bool, typer.Option("--public", help="Publicar / publish it")] = False,
    agreement_id: Annotated[str | None, typer.Option("--id", help="Identificador / id")] = None,
    held_on: Annotated[
        str | None, typer.Option("--held-on", help="Nueva reunión: fecha / new meeting: date")
    ] = None,
    body: Annotated[str | None, typer.Option("--body", help="Nueva reunión: mesa / body")] = None,
    attendees: Annotated[
        str | None, typer.Option("--attendees", help="Nueva reunión: org1;org2")
    ] = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Registrar un acuerdo (y su reunión) / record an agreement (and its meeting)."""
    from sereno.errors import SerenoError
    from sereno.review.agreements import add_agreement, add_meeting

    with open_observatory(directory) as obs:
        if held_on is not None:
            if not body:
                raise SerenoError("review.needs_meeting")
            add_meeting(obs, None, meeting, body, held_on, attendees)
        new = add_agreement(
            obs, None, meeting, text, owner_org, person, due, indicator, unit, public, agreement_id
        )
    emit(
        {"agreement_id": new, "meeting_id": meeting},
        as_json,
        lambda: console.print(t("review.agreement_added", agreement=new, meeting=meeting)),
    )


@agreements_app.command("update")
@command
def agreements_update(
    agreement_id: Annotated[str, typer.Argument(help="Acuerdo / agreement id")],
    status: Annotated[str, typer.Option(help="open | in_progress | done | dropped | overdue")],
    meeting: Annotated[str | None, typer.Option("--meeting", help="Reunión / meeting")] = None,
    note: Annotated[str | None, typer.Option(help="Nota / note")] = None,
    on: Annotated[str | None, typer.Option("--on", help="Fecha / date (YYYY-MM-DD)")] = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Cambiar el estado de un acuerdo / change an agreement's status."""
    from sereno.review.agreements import update_agreement

    with open_observatory(directory) as obs:
        version = update_agreement(obs, None, agreement_id, status, meeting, note, on)
    emit(
        {"agreement_id": agreement_id, "status": status, "version": version},
        as_json,
        lambda: console.print(
            t(
                "review.agreement_updated",
                agreement=agreement_id,
                status=t(f"review.status.{status}"),
                version=version,
            )
        ),
    )


@agreements_app.command("list")
@command
def agreements_list(
    meeting: Annotated[
        str | None, typer.Option("--meeting", help="Seguimiento para esta reunión / follow-up")
    ] = None,
    on: Annotated[str | None, typer.Option("--on", help="Estado a esta fecha / status on")] = None,
    sheet: Annotated[
        Path | None, typer.Option("--sheet", help="Hoja imprimible / printable sheet (.pdf, .html)")
    ] = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Listar acuerdos, o el seguimiento de una reunión / list agreements, or a follow-up."""
    from sereno.i18n import default_language
    from sereno.records import cli_actor
    from sereno.review.agreements import agreements, follow_up, follow_up_sheet

    lang = default_language()
    with open_observatory(directory) as obs:
        actor = cli_actor(obs)
        if meeting is None:
            frame = agreements(obs, actor, on)
            result: object = {
                "agreements": frame.astype(object)
                .where(frame.notna(), None)
                .to_dict(orient="records")
            }
            sections = [("review.sheet_open", frame)]
        else:
            found = follow_up(obs, actor, meeting)
            result = found.to_dict()
            sections = [
                ("review.sheet_late", found.late),
                ("review.sheet_due_now", found.due),
                ("review.sheet_open", found.still_open),
            ]
            if sheet is not None:
                follow_up_sheet(found, sheet, lang, obs.config.name)

    def render() -> None:
        for title, frame in sections:
            table = Table(title=t(title, lang))
            for c in ("sheet_agreement", "sheet_owner", "sheet_due", "sheet_status"):
                table.add_column(t(f"review.{c}", lang))
            for row in frame.itertuples():
                table.add_row(
                    f"{row.agreement_id} {row.agreement_text}",
                    row.owner_organisation,
                    str(row.due_on or "–"),
                    t(f"review.status.{row.status}", lang),
                )
            console.print(table)
        if sheet is not None:
            console.print(t("review.sheet_written", file=sheet))

    emit(result, as_json, render)


@projects_app.command("load")
@command
def projects_load(
    file: Annotated[Path, typer.Argument(help="YAML o JSON: projects: [...]")],
    dry_run: DryRun = False,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Cargar proyectos y sus indicadores / load projects and their indicators."""
    from sereno.i18n import default_language
    from sereno.records import cli_actor
    from sereno.review.projects import load_projects, projects

    lang = default_language()
    with open_observatory(directory) as obs:
        result = load_projects(obs, file, dry_run=dry_run)
        monitor = projects(obs, cli_actor(obs))

    def render() -> None:
        console.print(result.summary(lang))
        table = Table(title=t("review.projects_title", lang))
        for c in ("project", "implementer", "budget", "activity", "impact", "intervention"):
            table.add_column(t(f"review.col.p_{c}", lang))
        for p in monitor.projects.itertuples():
            flag = f" ⚠ {t('review.flag_no_impact', lang)}" if p.flag_no_impact else ""
            table.add_row(
                f"{p.project_id} {p.title}",
                p.implementer,
                format_number(p.budget_usd, lang),
                str(p.activity_indicators),
                f"{p.impact_indicators}{flag}",
                p.intervention_id or "–",
            )
        console.print(table)
        if monitor.flagged:
            console.print(
                t(
                    "review.flagged_summary",
                    lang,
                    n=len(monitor.flagged),
                    total=len(monitor.projects),
                )
            )

    emit({"import": result.to_dict(), **monitor.to_dict()}, as_json, render)
