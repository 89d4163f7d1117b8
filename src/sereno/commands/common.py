"""What every command module shares: the Typer app, consoles, options, error handling.

A command parses its arguments, calls the API and prints (rich, or one JSON object with
``--json``). User mistakes (``SerenoError``) print one line in the user's language and exit
with status 2; anything else is a bug and keeps its traceback. Each pipeline stage adds its
commands in its own module of this package, registered on ``app``.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)  # fmt: skip

from sereno.errors import SerenoError

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Sereno: observatorio abierto de la violencia / open violence observatory",
)
units_app = typer.Typer(no_args_is_help=True, help="Unidades geográficas / geographic units")
population_app = typer.Typer(no_args_is_help=True, help="Población / population")
quarantine_app = typer.Typer(no_args_is_help=True, help="Cuarentena / quarantine")
interventions_app = typer.Typer(no_args_is_help=True, help="Intervenciones / interventions")
app.add_typer(units_app, name="units")
app.add_typer(population_app, name="population")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(interventions_app, name="interventions")

console = Console()
errors = Console(stderr=True)

DirOption = Annotated[
    Path,
    typer.Option("--dir", "-d", envvar="SERENO_DIR", help="Observatorio / observatory directory"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Un objeto JSON / one JSON object")]
EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="spark: el análisis en Spark (engines.spark en sereno.toml; tablas de `sereno "
        "store export --parquet`) / the analysis on Spark",
    ),
]


@app.callback()
def main(
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="es | en (por defecto / default: SERENO_LANG, locale)"),
    ] = None,
    as_account: Annotated[
        str | None,
        typer.Option("--as", help="Cuenta con la que actuar / account to act as (SERENO_AS)"),
    ] = None,
) -> None:
    if lang:
        os.environ["SERENO_LANG"] = lang
    if as_account:
        # Read by sereno.records.cli_actor: every write the command makes is this account's.
        os.environ["SERENO_AS"] = as_account


def command(function: Callable[..., Any]) -> Callable[..., Any]:
    """Turn user errors into one line (or a JSON error object) and exit status 2."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except SerenoError as error:
            if kwargs.get("as_json"):
                print(json.dumps(error.to_dict(), ensure_ascii=False, default=str))
            else:
                errors.print(f"[bold red]✗[/] {error.message()}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def emit(result: Any, as_json: bool, render: Callable[[], None]) -> None:
    if as_json:
        data = result.to_dict() if hasattr(result, "to_dict") else result
        print(json.dumps(data, ensure_ascii=False, default=str))
    else:
        render()


@contextmanager
def steps(title: str, total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar over named steps; yields the function that starts the next step."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=errors, transient=True) as progress:
        task = progress.add_task(title, total=total)
        started = [False]

        def advance(name: str) -> None:
            if started[0]:
                progress.advance(task)
            started[0] = True
            progress.update(task, description=f"{title}: {name}")

        yield advance
        progress.update(task, completed=total)


def open_observatory(directory: Path, engine: str | None = None):
    """The observatory; with ``engine="spark"``, its analysis on Spark (read-only)."""
    from sereno.store import Observatory

    obs = Observatory.open(directory)
    if engine in (None, obs.config.engine_name):
        return obs
    if engine != "spark":
        obs.close()
        raise SerenoError("spark.bad_engine", value=engine)
    from sereno.store.spark_engine import on_spark

    return on_spark(obs)
