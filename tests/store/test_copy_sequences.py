"""``sereno store copy`` goes on numbering from where the source store was, for every
sequence the migrations make: a forgotten one (``version_id_seq``) made the copy's first
versioned write (an alert marked) collide with a copied row."""

from __future__ import annotations

import re

from sereno.store.copy import SEQUENCES
from sereno.store.schema import migrations


def test_every_sequence_of_the_migrations_is_restarted_by_a_copy():
    made = {m for _, _, sql in migrations()
            for m in re.findall(r"CREATE SEQUENCE (?:IF NOT EXISTS )?(\w+)", sql)}  # fmt: skip
    assert made == set(SEQUENCES)
    for table, column in SEQUENCES.values():
        assert any(re.search(rf"CREATE TABLE {table} \([^;]*\b{column}\b", sql)
                   for _, _, sql in migrations()), (table, column)  # fmt: skip
