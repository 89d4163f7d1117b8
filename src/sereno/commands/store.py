"""``sereno store``: the observatory's store itself (issue 14)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sereno.commands.common import (
    DirOption,
    JsonOption,
    app,
    command,
    console,
    emit,
    open_observatory,
)  # fmt: skip
from sereno.i18n import t

store_app = typer.Typer(no_args_is_help=True, help="El almacén / the store")
app.add_typer(store_app, name="store")


@store_app.command("copy")
@command
def copy(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="postgresql://USUARIO@SERVIDOR:PUERTO/BASE vacía, o un archivo .duckdb / an "
            "empty database, or a .duckdb file",
        ),
    ],
    switch: Annotated[
        bool,
        typer.Option(
            "--switch", help="Usar el nuevo almacén desde ahora / use the new store from now on"
        ),
    ] = False,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Copiar todo el almacén a otro motor / copy the whole store to another engine."""
    from sereno.store.copy import copy_store, open_target

    with open_observatory(directory) as obs:
        target = open_target(to)
        try:
            result = copy_store(obs.engine, target, to)
        finally:
            target.close()
        if switch:
            obs.use_store(to)
    emit(
        result,
        as_json,
        lambda: console.print(
            t("store.copied", url=to, tables=len(result.tables), rows=result.rows)
        ),
    )


@store_app.command("export")
@command
def export(
    parquet: Annotated[
        Path,
        typer.Option(
            "--parquet",
            help="Carpeta: una subcarpeta Parquet por tabla, para Spark / folder: one Parquet "
            "folder per table, for Spark",
        ),
    ],
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Exportar las tablas del almacén a Parquet / export the store's tables to Parquet."""
    from sereno.store.parquet import export_parquet

    with open_observatory(directory) as obs:
        result = export_parquet(obs.engine, parquet)
    emit(
        result,
        as_json,
        lambda: console.print(
            t("store.exported", dir=parquet, tables=len(result.tables), rows=result.rows)
        ),
    )
