"""Publish commands: serve (the portal), export (open data), account add (workspace staff)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from sereno.commands.common import DirOption, JsonOption, app, command, console, emit
from sereno.i18n import t

account_app = typer.Typer(no_args_is_help=True, help="Cuentas del portal / portal accounts")
app.add_typer(account_app, name="account")


@app.command()
@command
def serve(
    host: Annotated[str, typer.Option(help="Dirección / address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Puerto / port")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Procesos que atienden a la vez / worker processes")
    ] = 1,
    directory: DirOption = Path("."),
) -> None:
    """Abrir el portal web / serve the web portal."""
    import uvicorn

    from sereno.publish.app import PORTAL_DIR, create_app

    # Opened once here so that a bad directory or a busy store is one line, before serving.
    application = create_app(directory)
    console.print(t("publish.serve_start", url=f"http://{host}:{port}/", dir=directory))
    if workers == 1:
        uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)
        return
    # Each worker process builds its own app (uvicorn needs an import string for that).
    os.environ[PORTAL_DIR] = str(directory.resolve())
    uvicorn.run("sereno.publish.app:portal_from_environment", factory=True, host=host,
                port=port, workers=workers, log_level="warning", access_log=False)  # fmt: skip


@app.command("export")
@command
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Carpeta de salida / output folder")],
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Exportar datos abiertos / export open data (CSV, XLSX, Parquet, GeoJSON, GeoPackage)."""
    from sereno.publish.data import PortalData
    from sereno.publish.opendata import export_open_data
    from sereno.store import Observatory

    with Observatory.open(directory) as obs:
        result = export_open_data(PortalData(obs), out)

    def show() -> None:
        console.print(t("publish.export_done", dir=out, files=len(result.files),
                        suppressed=result.suppressed, threshold=result.threshold))  # fmt: skip
        records = result.records
        if records["published"]:
            withheld = records["withheld_suppressed_cells"] + records["withheld_rare"]
            console.print(t("publish.records_published", withheld=withheld, **records))
        else:
            console.print(t("publish.records_not_published"), markup=False)

    emit(result, as_json, show)


@account_app.command("add")
@command
def account_add(
    username: Annotated[str, typer.Argument(help="Usuario / username")],
    role: Annotated[str, typer.Option(help="admin | analyst | reviewer")] = "analyst",
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="Organización / organisation")
    ] = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Crear una cuenta del espacio de trabajo / create a workspace account.

    The password is read from SERENO_PASSWORD, else asked for without echo.
    """
    from sereno.records.accounts import create_account
    from sereno.store import Observatory

    password = os.environ.get("SERENO_PASSWORD") or typer.prompt(
        t("publish.password_prompt"), hide_input=True, confirmation_prompt=True
    )
    with Observatory.open(directory) as obs:
        result = create_account(obs, username, password, role, organisation)
    emit(result, as_json, lambda: console.print(t("publish.account_done", **result)))


@account_app.command("own")
@command
def account_own(
    organisation: Annotated[str, typer.Argument(help="Organización / organisation")],
    source: Annotated[str, typer.Option("--source", "-s", help="Fuente / source")],
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """La organización que trajo una fuente / the organisation that brought a source."""
    from sereno.records import cli_actor
    from sereno.records.ownership import set_owner
    from sereno.store import Observatory

    with Observatory.open(directory) as obs:
        result = set_owner(obs, cli_actor(obs), source, organisation)
    emit(result, as_json, lambda: console.print(t("records.owner_set", **result)))


@account_app.command("grant")
@command
def account_grant(
    organisation: Annotated[str, typer.Argument(help="Organización / organisation")],
    source: Annotated[str, typer.Option("--source", "-s", help="Fuente / source")],
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Dar a una organización acceso a los registros de una fuente / grant a source's records."""
    from sereno.records import cli_actor
    from sereno.records.ownership import grant_source
    from sereno.store import Observatory

    with Observatory.open(directory) as obs:
        result = grant_source(obs, cli_actor(obs), organisation, source)
    emit(result, as_json, lambda: console.print(t("records.granted", **result)))
