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
    command,
    console,
    emit,
    interventions_app,
    open_observatory,
    population_app,
    quarantine_app,
    steps,
    units_app,
)  # fmt: skip
from sereno.i18n import default_language, format_number, t

# generate, three unit levels, population, six sources, interventions, report
DEMO_STEPS = 12


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
        reasons = Table(title=t("cli.reasons"))
        reasons.add_column(t("cli.reason"))
        reasons.add_column(t("cli.count"), justify="right")
        for code, n in result.reasons.items():
            reasons.add_row(code, format_number(n))
        console.print(reasons)
        console.print(t("cli.what_to_do", source=result.source))
    if result.dry_run:
        console.print(f"[yellow]{t('cli.ingest_dry')}[/]")


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
    limit: Annotated[int, typer.Option(help="Máximo / at most")] = 50,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Filas en cuarentena y por qué / quarantined rows and why."""
    from sereno.ingest.quarantine import quarantine_rows
    from sereno.records import cli_actor, visible_sources

    with open_observatory(directory) as obs:
        rows = quarantine_rows(obs, source, limit=limit)
        rows = rows[rows["source_id"].isin(visible_sources(obs, cli_actor(obs)))]
    records = rows.drop(columns=["raw"]).to_dict(orient="records")

    def render() -> None:
        if rows.empty:
            console.print(t("cli.quarantine_empty"))
            return
        table = Table()
        for column in ("source_id", "file_name", "row_number", "reason"):
            table.add_column(column)
        for r in rows.itertuples():
            table.add_row(r.source_id, r.file_name, str(r.row_number), r.reason)
        console.print(table)

    emit({"rows": records}, as_json, render)


@quarantine_app.command("retry")
@command
def quarantine_retry(
    source: Annotated[str, typer.Option("--source", "-s")],
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Reintentar con el mapeo actual / retry with the current mapping."""
    from sereno.ingest.quarantine import retry_quarantine

    with open_observatory(directory) as obs:
        result = retry_quarantine(obs, source)
    emit(
        result,
        as_json,
        lambda: console.print(
            t("cli.retry_done", resolved=result.resolved, still=result.still_quarantined)
        ),
    )


@units_app.command("load")
@command
def units_load(
    file: Annotated[Path, typer.Argument(help="GeoPackage, Shapefile, GeoJSON")],
    level: Annotated[str, typer.Option(help="municipio, colonia, ...")],
    code: Annotated[str, typer.Option(help="Columna del código / code column")] = "code",
    name: Annotated[str, typer.Option(help="Columna del nombre / name column")] = "name",
    parent: Annotated[str | None, typer.Option(help="Código del padre")] = None,
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
    unit: Annotated[str, typer.Option(help="unit code column")] = "unit_code",
    year: Annotated[str, typer.Option(help="year column")] = "year",
    population: Annotated[str, typer.Option(help="population column")] = "population",
    group: Annotated[str, typer.Option(help="group column")] = "group",
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
    emit(result, as_json, lambda: console.print(result))


@app.command()
@command
def status(directory: DirOption = Path("."), as_json: JsonOption = False) -> None:
    """Resumen del observatorio / observatory summary."""
    from sereno.store.summary import observatory_summary

    with open_observatory(directory) as obs:
        summary = observatory_summary(obs)

    def render() -> None:
        console.print(f"[bold]{t('cli.status_title', name=summary['name'])}[/]")
        table = Table()
        for column in ("source", "kind", "counts", "records", "quarantined", "years"):
            table.add_column(column)
        for s in summary["sources"]:
            table.add_row(
                s["source"],
                s["kind"],
                s["counts"],
                format_number(s["records"]),
                format_number(s["quarantined"]),
                s["years"] or "",
            )
        console.print(table)
        console.print({k: v for k, v in summary.items() if k not in ("sources", "name")})

    emit(summary, as_json, render)


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
