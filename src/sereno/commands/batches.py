"""Batch commands: ``sereno batches list|undo`` and ``sereno reharmonise``."""

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

batches_app = typer.Typer(no_args_is_help=True, help="Lotes ingeridos / ingested batches")
app.add_typer(batches_app, name="batches")
FIGURES = ("rows_read", "stored", "quarantined", "duplicates", "excluded")


@batches_app.command("list")
@command
def batches_list(
    source: Annotated[str | None, typer.Option("--source", "-s")] = None,
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Lotes, el más reciente primero / batches, newest first."""
    from sereno.ingest.batches import list_batches

    with open_observatory(directory) as obs:
        frame = list_batches(obs, source)
    rows = frame.to_dict(orient="records")

    def render() -> None:
        if frame.empty:
            console.print(t("ingest.no_batches"))
            return
        table = Table()
        # The terminal shows what fits; --json has every figure (duplicates, excluded).
        shown = FIGURES[:3]
        for column in ("batch", "source", "file", "kind", "when", *shown, "records", "undone"):
            head = t(f"cli.{column}") if column in FIGURES else t(f"ingest.col_{column}")
            right = column in (*shown, "records")
            table.add_column(head, justify="right" if right else "left",
                             no_wrap=column in ("batch", "when"))  # fmt: skip
        for r in frame.itertuples():
            undone = r.undone_at or ""
            table.add_row(r.batch_id[:8], r.source_id, r.file_name, t(f"ingest.kind_{r.kind}"),
                          r.started_at[:16], *(format_number(getattr(r, f)) for f in shown),
                          format_number(r.records), undone[:10])  # fmt: skip
        console.print(table)
        console.print(t("ingest.batches_hint"))

    emit({"batches": rows}, as_json, render)


@batches_app.command("undo")
@command
def batches_undo(
    batch: Annotated[
        str, typer.Argument(help="Lote o el comienzo de su id / batch or its id's beginning")
    ],
    directory: DirOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Deshacer un lote: sus registros salen del almacén / undo a batch: its records go."""
    from sereno.ingest.batches import undo_batch
    from sereno.records import cli_actor

    with open_observatory(directory) as obs:
        result = undo_batch(obs, batch, cli_actor(obs))
    emit(result, as_json, lambda: console.print(t(
        "ingest.undone", batch=result.batch_id, file=result.file, source=result.source,
        records=format_number(result.records_removed),
        dropped=format_number(result.quarantine_removed),
        reopened=format_number(result.quarantine_reopened))))  # fmt: skip


@app.command()
@command
def reharmonise(
    source: Annotated[str, typer.Option("--source", "-s", help="Fuente / source")],
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
    """Rearmonizar los registros guardados con el mapeo actual / re-harmonise stored records
    under the current mapping."""
    from sereno.commands.foundation import print_failing_values
    from sereno.ingest.batches import reharmonise as rebuild
    from sereno.records import cli_actor

    with open_observatory(directory) as obs:
        result = rebuild(obs, source, cli_actor(obs), mapping)

    def render() -> None:
        table = Table(title=t("ingest.reharmonised", source=source, mapping=result.mapping),
                      show_header=False)  # fmt: skip
        for key in FIGURES:
            table.add_row(t(f"cli.{key}"), format_number(getattr(result, key)))
        console.print(table)
        if result.quarantined:
            from sereno.ingest.quarantine import quarantine_values

            with open_observatory(directory) as obs:
                groups = quarantine_values(obs, source).to_dict(orient="records")
            print_failing_values(groups)

    emit(result, as_json, render)
