"""Foundation commands: init, ingest, quarantine, units, population, interventions, status,
demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from sereno.commands.common import (
    DirOption,
    JsonOption,
    app,
    bilingual,
    command,
    console,
    emit,
    interventions_app,
    open_observatory,
    population_app,
    print_table,
    quarantine_app,
    steps,
    units_app,
)  # fmt: skip
from sereno.i18n import default_language, format_number, t

# generate, three unit levels, population, six sources, interventions, field records, report
DEMO_STEPS = 13


@app.command()
@command
def init(
    directory: Annotated[Path, typer.Argument(help="Directorio / directory")],
    name: Annotated[str | None, typer.Option(help="Nombre / name")] = None,
    language: Annotated[str | None, typer.Option("--language", help="es | en")] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="PostgreSQL: postgresql://USUARIO@SERVIDOR:PUERTO/BASE (contraseña en "
            "PGPASSWORD o ~/.pgpass) / password in PGPASSWORD or ~/.pgpass",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Crear un observatorio / create an observatory."""
    from sereno.store import Observatory

    with Observatory.create(directory, name, language or default_language(), store) as obs:
        result = {
            "dir": str(directory),
            "config": str(obs.config.path),
            "store": obs.store_name,
        }
    emit(result, as_json, lambda: console.print(t("cli.init_done", **result)))


@app.command()
@command
def ingest(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX, JSON, GeoJSON")],
    source: Annotated[str, typer.Option("--source", "-s", help="Fuente / source")],
    mapping: Annotated[
        str | None, typer.Option("--mapping", "-m", help="YAML o integrado / YAML or built-in")
    ] = None,
    counts: Annotated[str | None, typer.Option(help="victims | incidents")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Ensayo / dry run")] = False,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Ingerir un archivo de una fuente / ingest a source file."""
    from sereno.ingest.pipeline import ingest_file

    title = t("cli.ingest_title", file=file.name, source=source)
    with open_observatory(directory) as obs, steps(title, 3) as step:
        result = ingest_file(
            obs, file, source, mapping, dry_run=dry_run, counts=counts, on_step=step
        )
    emit(result, as_json, lambda: print_ingest(result))


def print_ingest(result: Any) -> None:
    table = Table(
        title=t("cli.ingest_title", file=result.file, source=result.source), show_header=False
    )
    for key in ("rows_read", "stored", "quarantined", "duplicates", "excluded"):
        table.add_row(t(f"cli.{key}"), format_number(getattr(result, key)))
    if result.new_versions:
        table.add_row(t("cli.new_versions"), format_number(result.new_versions))
    console.print(table)
    if result.reasons:
        print_failing_values(result.failing_values)
        console.print(t("cli.what_to_do", source=result.source))
    for field, n in result.emptied.items():
        console.print(t("ingest.emptied", field=field, n=format_number(n)))
    if result.dry_run:
        console.print(f"[yellow]{t('cli.ingest_dry')}[/]")


def print_failing_values(groups: list[dict], limit: int = 20) -> None:
    """The values that fail, grouped by field and value, in the user's language."""
    from sereno.ingest.failing import explain

    table = Table(title=t("ingest.failing_title"))
    for column in ("field", "value", "rows", "reason"):
        table.add_column(t(f"ingest.col_{column}"), justify="right" if column == "rows" else "left",
                         overflow="fold")  # fmt: skip
    for g in groups[:limit]:
        table.add_row(str(g["field"] or "—"), str(g["value"] if g["value"] is not None else "—"),
                      format_number(g["rows"]), explain(g))  # fmt: skip
    console.print(table)
    if len(groups) > limit:
        console.print(t("ingest.failing_cut", shown=limit, n=format_number(len(groups))))


def print_batches(batches: list[Any]) -> None:
    """One line per ingested file, for commands that ingest several."""
    figures = ("rows_read", "stored", "quarantined", "duplicates", "excluded")
    table = Table()
    for column in ("source", *figures):
        table.add_column(
            t(f"cli.{column}"),
            justify="left" if column == "source" else "right",
            no_wrap=column == "source",
        )
    for b in batches:
        table.add_row(b.source, *(format_number(getattr(b, f)) for f in figures))
    console.print(table)


@quarantine_app.command("list")
@command
def quarantine_list(
    source: Annotated[str | None, typer.Option("--source", "-s")] = None,
    limit: Annotated[int, typer.Option(help="Máximo en pantalla / at most on screen")] = 50,
    group_by: Annotated[
        str, typer.Option("--group-by", help="row (fila) | value (valor: campo y valor)")
    ] = "row",
    out: Annotated[Path | None, typer.Option("--out", help="Todo a / all to .csv | .xlsx")] = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Filas en cuarentena y por qué / quarantined rows and why."""
    from sereno.errors import SerenoError
    from sereno.ingest.quarantine import quarantine_rows, quarantine_values
    from sereno.io import write_table
    from sereno.records import cli_actor, visible_sources

    if group_by not in ("row", "value"):
        raise SerenoError("error.bad_option", option="--group-by", detail=group_by)
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise SerenoError("ingest.bad_quarantine_out", file=str(out))
    lang = default_language()
    with open_observatory(directory) as obs:
        visible = visible_sources(obs, cli_actor(obs))
        if group_by == "value":
            rows = quarantine_values(obs, source, visible, lang)
        else:
            rows = quarantine_rows(obs, source, lang=lang)
            rows = rows[rows["source_id"].isin(visible)].drop(columns=["raw"])
    total = len(rows)
    if out is not None:
        write_table(rows, out)
    shown = rows if out is not None else rows.head(limit)
    records = shown.to_dict(orient="records")

    def render() -> None:
        if out is not None:
            console.print(t("ingest.quarantine_written", file=str(out), n=format_number(total)))
            return
        if rows.empty:
            console.print(t("cli.quarantine_empty"))
            return
        table = Table()
        if group_by == "value":
            for column in ("source", "field", "value", "rows", "reason"):
                table.add_column(t(f"ingest.col_{column}"), overflow="fold")
            for r in shown.itertuples():
                table.add_row(r.source_id, str(r.field or "—"), str(r.value or "—"),
                              format_number(r.rows), r.reason)  # fmt: skip
        else:
            for column in ("source", "file", "row", "reasons"):
                table.add_column(t(f"ingest.col_{column}"), overflow="fold")
            for r in shown.itertuples():
                table.add_row(r.source_id, r.file_name, str(r.row_number), r.reasons)
        console.print(table)
        if total > len(shown):
            console.print(t("ingest.quarantine_cut", shown=len(shown), n=format_number(total)))

    emit({"rows": records, "total": total, "group_by": group_by}, as_json, render)


@quarantine_app.command("retry")
@command
def quarantine_retry(
    source: Annotated[str, typer.Option("--source", "-s")],
    mapping: Annotated[
        str | None,
        typer.Option(
            "--mapping",
            "-m",
            help="YAML o integrado (por defecto: el de la fuente) / "
            "YAML or built-in (default: the source's own)",
        ),
    ] = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Reintentar con el mapeo actual o el dado / retry with the current or given mapping."""
    from sereno.ingest.quarantine import retry_quarantine

    with open_observatory(directory) as obs:
        result = retry_quarantine(obs, source, mapping)
    emit(
        result,
        as_json,
        lambda: console.print(
            t("ingest.retry_done", resolved=format_number(result.resolved),
              still=format_number(result.still_quarantined), mapping=result.mapping)
        ),
    )  # fmt: skip


@units_app.command("load")
@command
def units_load(
    file: Annotated[Path, typer.Argument(help="GeoPackage, Shapefile, GeoJSON")],
    level: Annotated[
        str,
        typer.Option(
            help="Nivel de estas unidades / level of these units: municipio, colonia, ..."
        ),
    ],
    code: Annotated[str, typer.Option(help="Columna del código / code column")] = "code",
    name: Annotated[str, typer.Option(help="Columna del nombre / name column")] = "name",
    parent: Annotated[str | None, typer.Option(help=bilingual("cli.option.parent"))] = None,
    crs: Annotated[str | None, typer.Option(help="EPSG:4326 ...")] = None,
    layer: Annotated[str | None, typer.Option()] = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Cargar unidades geográficas / load geographic units."""
    from sereno.geo.units import load_units

    with open_observatory(directory) as obs:
        result = load_units(obs, file, level, code, name, parent, crs, layer)
    emit(
        result,
        as_json,
        lambda: console.print(t("cli.units_done", n=result.units, level=level, file=file.name)),
    )


@population_app.command("load")
@command
def population_load(
    file: Annotated[Path, typer.Argument(help="CSV / XLSX")],
    unit: Annotated[
        str, typer.Option(help="Columna del código de unidad / unit code column")
    ] = "unit_code",
    year: Annotated[str, typer.Option(help="Columna del año / year column")] = "year",
    population: Annotated[
        str, typer.Option(help="Columna de población / population column")
    ] = "population",
    group: Annotated[str, typer.Option(help="Columna del grupo / group column")] = "group",
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Cargar población por unidad y año / load population by unit and year."""
    from sereno.geo.populations import load_populations

    with open_observatory(directory) as obs:
        result = load_populations(obs, file, unit, year, population, group)
    years = ", ".join(map(str, result.years))
    emit(
        result,
        as_json,
        lambda: console.print(t("cli.population_done", n=result.figures, years=years)),
    )


@interventions_app.command("load")
@command
def interventions_load(
    file: Annotated[Path, typer.Argument(help="CSV")],
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Cargar intervenciones / load interventions (programs by unit, dates, cost)."""
    from sereno.ingest.interventions import load_interventions

    with open_observatory(directory) as obs:
        result = load_interventions(obs, file)
    emit(result, as_json, lambda: console.print(t("cli.interventions.loaded", **result.to_dict())))


@app.command()
@command
def status(directory: DirOption = Path("."), as_json: JsonOption = False) -> None:
    """Resumen del observatorio / observatory summary."""
    from sereno.store.summary import observatory_summary

    with open_observatory(directory) as obs:
        summary = observatory_summary(obs)

    emit(summary, as_json, lambda: print_status(summary))


def print_status(summary: dict[str, Any]) -> None:
    """The observatory in words: its sources as a table, then its totals and levels."""
    console.print(f"[bold]{t('cli.status_title', name=summary['name'])}[/]")
    sources = [
        {
            **s,
            "kind": t(f"cli.status.kind_{s['kind']}"),
            "counts": t(f"cli.status.counts_{s['counts']}"),
        }
        for s in summary["sources"]
    ]
    if sources:
        columns = [("source", "source", "text"), ("kind", "kind", "text"),
                   ("counts", "counts", "text"), ("records", "records", "int"),
                   ("quarantined", "quarantined", "int"), ("years", "years", "text")]  # fmt: skip
        print_table(sources, columns)
    else:
        console.print(t("cli.sources_none"))
    names = ("units", "records", "victims", "incidents", "counts", "batches", "interventions")
    totals = {k: format_number(summary[k]) for k in names}
    console.print(
        t("cli.status.totals", populations=format_number(summary["population_figures"]), **totals)
    )
    levels = ", ".join(summary["levels"]) or t("cli.status.levels_none")
    console.print(f"{t('cli.status.levels')}: {levels}")
    console.print(f"{t('cli.status.directory')}: {summary['directory']}")
    console.print(f"{t('cli.status.store')}: {summary['store']}")
    open_rows = summary["quarantined_open"]
    if open_rows:
        console.print(t("cli.status.quarantine_open", n=format_number(open_rows)))
    else:
        console.print(t("cli.status.quarantine_none"))


@app.command()
@command
def demo(
    directory: Annotated[Path, typer.Option("--dir", "-d")] = Path("demo-observatory"),
    seed: Annotated[int, typer.Option(help="Semilla / seed")] = 7,
    reconcile: Annotated[
        bool,
        typer.Option(
            "--reconcile/--no-reconcile",
            help="Vincular fuentes y estimar el total por año / link sources, estimate yearly "
            "totals",
        ),
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Construir Ciudad Demo (sintética) / build Ciudad Demo (synthetic)."""
    from sereno.demo.build import build_demo
    from sereno.demo.scan import scan_demo

    with steps(t("cli.demo_generating"), DEMO_STEPS + 2 * reconcile + 1) as step:
        result = build_demo(directory, seed=seed, on_step=step)
        with open_observatory(directory) as obs:
            # The scan the meeting of the flare-up's last month would have run, reviewed.
            step("scan")
            scan_demo(obs, result.truth, seed=seed)
        if reconcile:
            # The same calls as `sereno link` and `sereno estimate --by year`, so that the
            # demo's bulletin and portal can show linked events and estimated totals.
            from sereno.estimate.strata import estimate_strata, save_estimates
            from sereno.link.store import link_store, run_events

            with open_observatory(directory) as obs:
                step("link")
                link_store(obs)
                step("estimate")
                run_id, events = run_events(obs)
                save_estimates(obs, estimate_strata(events, by=("year",), seed=seed), run_id)

    def render() -> None:
        console.print(f"[bold green]✓ {t('cli.demo_done')}[/]")
        print_batches(result.batches)
        console.print(f"{t('cli.demo_store')}: {result.store}")
        console.print(f"{t('cli.demo_report')}: {result.report}")
        console.print(f"{t('cli.demo_truth')}: {result.truth}")
        console.print(t("cli.demo_portal", dir=directory))

    emit(result, as_json, render)
