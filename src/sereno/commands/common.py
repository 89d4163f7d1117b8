"""What every command module shares: the Typer app, consoles, options, error handling.

A command parses its arguments, calls the API and prints (rich, or one JSON object with
``--json``). User mistakes (``SerenoError``) print one line in the user's language and exit
with status 2; anything else is a bug and keeps its traceback. Each pipeline stage adds its
commands in its own module of this package, registered on ``app``.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)  # fmt: skip
from rich.table import Table

from sereno.errors import SerenoError
from sereno.i18n import format_number, t
from sereno.result import jsonable


def bilingual(key: str) -> str:
    """A help text from the catalogues, in both languages (help is read before --lang)."""
    return f"{t(key, 'es')} / {t(key, 'en')}"


# The group's options a command also takes after its name, and the variables they set
# (the busy store's wait is read by sereno.store.locking).
ENVIRONMENT = {"lang": "SERENO_LANG", "as_account": "SERENO_AS", "wait": "SERENO_WAIT"}
# Old option names still accepted, each with a deprecation notice on standard error.
RENAMED = {"--iccs": "--offence", "--output": "--out", "--map": "--plot"}


def _set_environment(ctx: Any, param: Any, value: str | None) -> None:
    if value is not None:
        # Read by sereno.i18n (the language) and sereno.records.cli_actor (the account).
        os.environ[ENVIRONMENT[param.name]] = str(value)


class SerenoGroup(typer.core.TyperGroup):
    """The top-level command group. ``--lang``, ``--as`` and ``--wait`` are accepted before
    the command name (``sereno --lang en status``) and after it (``sereno status --lang
    en``): each command gets an eager copy of the group's options; and the options renamed to the
    shared names (``RENAMED``) keep working with a notice."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shared = [p for p in self.params if p.name in ENVIRONMENT]
        for command in leaf_commands(self):
            names = {p.name for p in command.params}
            for option in shared:
                if option.name not in names:
                    own = copy.copy(option)
                    own.expose_value, own.is_eager, own.callback = False, True, _set_environment
                    command.params.append(own)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # The language is known before anything is said, wherever --lang stands.
        for i, arg in enumerate(args):
            if arg == "--lang" and i + 1 < len(args):
                os.environ[ENVIRONMENT["lang"]] = args[i + 1]
            elif arg.startswith("--lang="):
                os.environ[ENVIRONMENT["lang"]] = arg.partition("=")[2]
        # A --json call is read by a program: the notice would break what it parses.
        quiet = "--json" in args
        return super().parse_args(ctx, [renamed(a, quiet) for a in args])


def renamed(arg: str, quiet: bool = False) -> str:
    name, equals, value = arg.partition("=")
    if name not in RENAMED:
        return arg
    if not quiet:
        errors.print(t("cli.option.deprecated", old=name, new=RENAMED[name]), highlight=False)
    return RENAMED[name] + equals + value


def leaf_commands(group: Any) -> Iterator[Any]:
    for command in group.commands.values():
        if hasattr(command, "commands"):
            yield from leaf_commands(command)
        else:
            yield command


app = typer.Typer(
    cls=SerenoGroup,
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

# The options every command names the same way (issue 15): a command that takes one of
# these takes it under this name, with this help, parsed this way.
DirOption = Annotated[
    Path, typer.Option("--dir", "-d", envvar="SERENO_DIR", help=bilingual("cli.option.dir"))
]
JsonOption = Annotated[bool, typer.Option("--json", help=bilingual("cli.option.json"))]


def _offence(value: str) -> str:
    from sereno.harmonise.iccs import offence_code

    try:
        return offence_code(value)
    except SerenoError as error:
        raise typer.BadParameter(error.message()) from None


PERIODS = ("day", "week", "month", "quarter", "year")


def _period(value: str) -> str:
    if value not in PERIODS:
        raise typer.BadParameter(
            t("cli.option.bad_period", value=value, choices=" | ".join(PERIODS))
        )
    return value


Offence = Annotated[
    str, typer.Option("--offence", help=bilingual("cli.option.offence"), parser=_offence)
]
Source = Annotated[str | None, typer.Option("--source", "-s", help=bilingual("cli.option.source"))]
Level = Annotated[str | None, typer.Option("--level", help=bilingual("cli.option.level"))]
Period = Annotated[
    str, typer.Option("--period", help=bilingual("cli.option.period"), parser=_period)
]
Out = Annotated[Path | None, typer.Option("--out", "-o", help=bilingual("cli.option.out"))]
Plot = Annotated[Path | None, typer.Option("--plot", help=bilingual("cli.option.plot"))]
Start = Annotated[str | None, typer.Option("--start", help=bilingual("cli.option.start"))]
End = Annotated[str | None, typer.Option("--end", help=bilingual("cli.option.end"))]
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
    lang: Annotated[str | None, typer.Option("--lang", help=bilingual("cli.option.lang"))] = None,
    as_account: Annotated[
        str | None, typer.Option("--as", help=bilingual("cli.option.as_account"))
    ] = None,
    wait: Annotated[
        float | None,
        typer.Option(
            "--wait",
            min=0,
            help="Segundos de espera si el almacén está en uso / "
            "seconds to wait for a busy store (SERENO_WAIT, 10)",
        ),
    ] = None,
) -> None:
    for name, value in (("lang", lang), ("as_account", as_account), ("wait", wait)):
        if value is not None:
            os.environ[ENVIRONMENT[name]] = str(value)
    from sereno.store import locking

    locking.on_wait = _say_waiting


def _say_waiting(holder: Any, waited: float, allowed: float) -> None:
    """The progress line of a command waiting for a busy store (``sereno.store.locking``)."""
    errors.print(t("store.waiting", pid=holder.pid or "?", command=holder.command,
                   wait=f"{allowed:g}"), highlight=False, markup=False, soft_wrap=True)  # fmt: skip


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
        print(json.dumps(jsonable(data), ensure_ascii=False, default=str))
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


def cut_note(shown: int, total: int) -> str | None:
    """ "Showing 20 of 30 rows; all of them with --out FILE or --json", or None if none cut."""
    if shown >= total:
        return None
    return t("cli.table.cut", shown=format_number(shown), total=format_number(total))


def show_cut(shown: int, total: int) -> None:
    """Say that a table shows ``shown`` of ``total`` rows, and how to see them all."""
    note = cut_note(shown, total)
    if note:
        console.print(f"[dim]{note}[/]", highlight=False)


def cell(value: Any, kind: str = "text") -> str:
    """One table cell in the user's language: ``text``, ``int``, ``1`` or ``2`` decimals,
    ``p`` (three significant digits); a missing value is "—"."""
    if kind == "text":
        return "" if value is None or value != value else str(value)
    if kind == "p":
        return format_number(value, significant=3)
    return format_number(value, decimals=0 if kind == "int" else int(kind))


def print_table(
    rows: Any,
    columns: list[tuple[str, str, str]],
    *,
    limit: int | None = None,
    last: bool = False,
    title: str | None = None,
) -> None:
    """A table of ``rows`` (a DataFrame or a list of dicts): ``columns`` are (field, header
    key under ``cli.column``, cell kind). With ``limit``, the first (or ``last``) rows, and a
    line saying how many were left out and how to see them all."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    shown = frame if limit is None else (frame.tail(limit) if last else frame.head(limit))
    table = Table(title=title)
    for _, key, kind in columns:
        table.add_column(t(f"cli.column.{key}"), justify="left" if kind == "text" else "right")
    for row in shown.to_dict(orient="records"):
        table.add_row(*(cell(row.get(field), kind) for field, _, kind in columns))
    console.print(table)
    show_cut(len(shown), len(frame))
