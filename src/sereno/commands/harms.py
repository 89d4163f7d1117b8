"""Harm commands: displacement flows, disappearances, extortion, alerts, series, export."""

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
from sereno.errors import SerenoError
from sereno.i18n import t

harms_app = typer.Typer(no_args_is_help=True, help="Desplazamiento, desapariciones, extorsión / "
                        "displacement, disappearances, extortion")  # fmt: skip
app.add_typer(harms_app, name="harms")

Level = Annotated[str | None, typer.Option(help="Nivel de unidad / unit level")]
Source = Annotated[str | None, typer.Option(help="Fuente (por defecto la más grande) / source")]
Out = Annotated[Path | None, typer.Option("--out", help="CSV")]


def _table(frame, title: str) -> None:
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.astype(str).itertuples(index=False):
        table.add_row(*row)
    console.print(table)


@harms_app.command()
@command
def flows(level: Level = None, source: Source = None, out: Out = None,
          directory: DirOption = Path("."), as_json: JsonOption = False) -> None:  # fmt: skip
    """Stocks y flujos de desplazados por unidad y mes / stocks and flows of the displaced."""
    from sereno.harms.displacement import displacement_flows

    with open_observatory(directory) as obs:
        result = displacement_flows(obs, level, source)
    if out:
        result.to_frame().to_csv(out, index=False)
    emit(result, as_json, lambda: (_table(result.totals().tail(12), t("harms.cli.flows")),
                                   console.print(result.summary())))  # fmt: skip


@harms_app.command()
@command
def disappearances(
    level: Level = None,
    source: Source = None,
    out: Out = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Desapariciones reportadas, resueltas y abiertas / disappearances open and resolved."""
    from sereno.harms.disappearances import disappearance_counts

    with open_observatory(directory) as obs:
        result = disappearance_counts(obs, level, source)
    if out:
        result.to_frame().to_csv(out, index=False)
    emit(result, as_json, lambda: console.print(result.to_dict()))


@harms_app.command()
@command
def extortion(
    level: Level = None,
    source: Source = None,
    police: Annotated[str | None, typer.Option(help="Fuente policial / police source")] = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Extorsión por tipo de víctima, parte denunciada, cifra negra / extortion, dark figure."""
    from sereno.harms.extortion import extortion_figures

    with open_observatory(directory) as obs:
        result = extortion_figures(obs, level, source, police)

    def render() -> None:
        _table(
            result.by_type[
                [
                    "victim_type",
                    "reports",
                    "reported_police",
                    "share_reported",
                    "share_low",
                    "share_high",
                ]
            ].round(3),
            t("harms.cli.extortion"),
        )
        if result.dark_figure:
            console.print(result.dark_figure.summary())

    emit(result, as_json, render)


@harms_app.command("link-found-dead")
@command
def link_found_dead(victims: Annotated[list[str] | None, typer.Option(
        help="Fuentes de víctimas / victim sources")] = None,
        directory: DirOption = Path("."), as_json: JsonOption = False) -> None:  # fmt: skip
    """Vincula a las personas halladas sin vida con las víctimas / link the found dead."""
    from sereno.harms.disappearances import link_found_dead as link

    with open_observatory(directory) as obs:
        result = link(obs, victims)
    emit(result, as_json, lambda: console.print(t("harms.cli.linked", **result.to_dict())))


@harms_app.command()
@command
def estimate(method: Annotated[str, typer.Option(help="loglinear | lcmcr")] = "loglinear",
             directory: DirOption = Path("."), as_json: JsonOption = False) -> None:  # fmt: skip
    """Estimación de sistemas múltiples de las personas desaparecidas / MSE of the disappeared."""
    from sereno.harms.disappearances import estimate_disappeared

    with open_observatory(directory) as obs:
        result = estimate_disappeared(obs, method=method)
    emit(result, as_json, lambda: console.print(result.estimate.summary()))


@harms_app.command()
@command
def alerts(source: Source = None, directory: DirOption = Path("."),
           as_json: JsonOption = False) -> None:  # fmt: skip
    """Alertas de desplazamiento masivo / mass displacement alerts."""
    from sereno.harms.alerts import record_mass_displacement

    with open_observatory(directory) as obs:
        result = record_mass_displacement(obs, source)
    emit(result, as_json, lambda: console.print(t("harms.cli.alerts", new=result.new,
                                                  updated=result.updated)))  # fmt: skip


@harms_app.command()
@command
def series(kind: Annotated[str, typer.Argument(help="displacement | disappearance | extortion")],
           level: Level = None, source: Source = None, out: Out = None,
           directory: DirOption = Path("."), as_json: JsonOption = False) -> None:  # fmt: skip
    """Serie unidad × mes para hot spots, escaneo y anomalías / unit × month series."""
    from sereno.harms.indicators import harm_series

    with open_observatory(directory) as obs:
        frame = harm_series(obs, kind, level, source)
    if out:
        frame.to_csv(out, index=False)
    emit({"rows": len(frame), "n": int(frame["n"].sum()), "file": str(out) if out else None},
         as_json, lambda: console.print(t("harms.cli.series", rows=len(frame),
                                          n=int(frame["n"].sum()))))  # fmt: skip


@harms_app.command()
@command
def records(
    kind: Annotated[str, typer.Argument(help="displacement | disappearance | extortion")],
    source: Annotated[str, typer.Option(help="Fuente / source")],
    out: Annotated[Path, typer.Option("--out", help="CSV")],
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Registros completos (restringidos) de una fuente / a source's full (restricted) records."""
    from sereno.harms.access import restricted_harm_records
    from sereno.harms.records import TABLES
    from sereno.records import cli_actor

    if kind not in TABLES:
        raise SerenoError("harms.bad_kind", value=kind, choices=", ".join(TABLES))
    with open_observatory(directory) as obs:
        frame = restricted_harm_records(obs, cli_actor(obs), kind, source)
    frame.to_csv(out, index=False)
    emit({"rows": len(frame), "file": str(out)}, as_json,
         lambda: console.print(t("harms.cli.records", n=len(frame), out=str(out))))  # fmt: skip


@harms_app.command()
@command
def shelters(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX, GeoJSON: shelter_id, name, lat, lon")],
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Carga albergues (puntos) / load shelters (points)."""
    from sereno.harms.migrants import load_shelters

    with open_observatory(directory) as obs:
        n = load_shelters(obs, file)
    emit({"shelters": n}, as_json, lambda: console.print(t("harms.cli.shelters", n=n)))


@harms_app.command()
@command
def migrants(level: Level = None, directory: DirOption = Path("."),
             as_json: JsonOption = False) -> None:  # fmt: skip
    """Migrantes en tránsito: extorsión, desapariciones, albergues / migrants in transit."""
    from sereno.harms.migrants import migrant_view

    with open_observatory(directory) as obs:
        view = migrant_view(obs, level)
    emit(view, as_json, lambda: console.print(t("harms.cli.migrants", **view.to_dict())))


@harms_app.command()
@command
def export(out: Annotated[Path, typer.Argument(help="Carpeta / folder")],
           directory: DirOption = Path("."), as_json: JsonOption = False) -> None:  # fmt: skip
    """Cifras públicas de los daños, con supresión / public harm figures, suppressed."""
    from sereno.publish.harms_page import export_harms

    with open_observatory(directory) as obs:
        files = export_harms(obs, out)
    emit({"files": [str(f) for f in files]}, as_json,
         lambda: console.print(t("harms.cli.exported", n=len(files), out=str(out))))  # fmt: skip
