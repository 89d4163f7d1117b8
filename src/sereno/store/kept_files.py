"""Files of the observatory's directory written in step with the store's commits.

``sereno.toml`` and each source's mapping copy (``sources/NAME.yaml``) say what the store's
records were read with; a crash between the store's commit and their writing would leave the
two disagreeing (issue 22). So a file is first *staged*: its text written beside it as
``NAME.pending`` (flushed to disk) and recorded in the store's ``kept_files`` inside the
caller's transaction; after the commit it is *published*, put in place by an atomic rename.
On opening, ``recover`` finishes what a crash interrupted: a staged file whose text the store
holds was committed and is put in place; any other never was and is removed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sereno.store.engine import Engine

PENDING = ".pending"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def stage(engine: Engine, directory: Path, relative: str, text: str) -> Path:
    """Stage ``text`` for ``directory/relative``; call inside the transaction that commits
    what the file describes, and ``publish`` the returned path after the commit."""
    target = directory / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    pending = target.with_name(target.name + PENDING)
    _write_synced(pending, text)
    engine.execute("DELETE FROM kept_files WHERE path = ?", [relative])
    engine.execute(
        "INSERT INTO kept_files (path, hash, text) VALUES (?, ?, ?)",
        [relative, text_hash(text), text],
    )
    return pending


def publish(pending: Path) -> None:
    """Put a staged file in place (after its transaction committed)."""
    os.replace(pending, pending.with_name(pending.name.removesuffix(PENDING)))


def recover(engine: Engine, directory: Path) -> list[str]:
    """Publish the staged files the store committed, remove the others; return the paths
    put in place."""
    directory = Path(directory)
    staged = [p for p in directory.glob(f"*{PENDING}")] + list(directory.glob(f"*/*{PENDING}"))
    if not staged:
        return []
    committed = dict(engine.rows("SELECT path, hash FROM kept_files"))
    placed = []
    for pending in staged:
        relative = pending.relative_to(directory).as_posix().removesuffix(PENDING)
        if committed.get(relative) == text_hash(pending.read_text(encoding="utf-8")):
            publish(pending)
            placed.append(relative)
        else:
            pending.unlink()
    return placed
