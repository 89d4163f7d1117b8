"""The ``sereno`` command: the Typer app with every stage's commands registered."""

from sereno.commands import app

__all__ = ["app"]

if __name__ == "__main__":
    app()
