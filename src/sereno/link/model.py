"""The Fellegi-Sunter model for victim records, as Splink settings.

Fellegi & Sunter (1969), "A theory for record linkage", *JASA* 64(328); Splink estimates the
m and u probabilities (u by random sampling, m by expectation maximisation). Comparisons
suited to homicide lists:

- name: exact; one is the other without its second surname; Jaro-Winkler ≥ 0.92 (typos);
  two words in common (reordered or partial names); else;
- date: same day; within one day; within three days (autopsy or press dates); same month
  when either date is only known to the month; else;
- age: exact; within 2 years; within 5 (estimated ages of unidentified bodies); within 10;
- sex; unit: same, neighbouring (a killing on a border street), else; weapon; place;
- source: a source rarely records one victim twice, so same-source pairs need more evidence.

Blocking (pairs that are scored at all): same day; same unit and month; same full name; same
first name and year; same month, sex and age. Each is an equi-join, so it scales.
"""

from __future__ import annotations

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

DIALECT = "duckdb"


def _custom(sql: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(sql, label, base_dialect_str=DIALECT)


def victim_comparisons() -> list:
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name_key"),
            cll.ExactMatchLevel("name_key"),
            _custom(
                "starts_with(name_key_l, name_key_r || ' ') "
                "OR starts_with(name_key_r, name_key_l || ' ')",
                "one name lacks the second surname",
            ),
            cll.JaroWinklerLevel("name_key", 0.92),
            _custom("len(list_intersect(name_tokens_l, name_tokens_r)) >= 2", "two words"),
            cll.ElseLevel(),
        ],
    )
    date = cl.CustomComparison(
        output_column_name="date",
        comparison_levels=[
            cll.NullLevel("date"),
            _custom("date_l = date_r AND precise_date_l AND precise_date_r", "same day"),
            _custom(
                "abs(date_diff('day', date_l, date_r)) <= 1 AND precise_date_l AND precise_date_r",
                "within 1 day",
            ),
            _custom(
                "abs(date_diff('day', date_l, date_r)) <= 3 AND precise_date_l AND precise_date_r",
                "within 3 days",
            ),
            _custom(
                "(NOT precise_date_l OR NOT precise_date_r) AND year_month_l = year_month_r",
                "same month, a date known only to the month",
            ),
            cll.ElseLevel(),
        ],
    )
    age = cl.CustomComparison(
        output_column_name="age",
        comparison_levels=[
            cll.NullLevel("age"),
            cll.ExactMatchLevel("age"),
            cll.AbsoluteDifferenceLevel("age", 2),
            cll.AbsoluteDifferenceLevel("age", 5),
            cll.AbsoluteDifferenceLevel("age", 10),
            cll.ElseLevel(),
        ],
    )
    unit = cl.CustomComparison(
        output_column_name="unit",
        comparison_levels=[
            cll.NullLevel("unit_code"),
            cll.ExactMatchLevel("unit_code"),
            _custom("list_contains(neighbours_l, unit_code_r)", "neighbouring unit"),
            cll.ElseLevel(),
        ],
    )
    return [
        name,
        date,
        age,
        cl.ExactMatch("sex"),
        unit,
        cl.ExactMatch("weapon"),
        cl.ExactMatch("place"),
        cl.ExactMatch("source_id"),
    ]


def victim_blocking() -> list:
    return [
        block_on("date"),
        block_on("unit_code", "year_month"),
        block_on("name_key"),
        block_on("given", "year"),
        block_on("year_month", "sex", "age"),
    ]


def victim_settings() -> SettingsCreator:
    """Splink settings for deduplicating victim records across and within sources."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=victim_comparisons(),
        blocking_rules_to_generate_predictions=victim_blocking(),
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=["source_id"],
    )


def victim_training() -> dict:
    """Deterministic rules (for the prior) and EM blocking rules, each leaving some
    comparisons free to be estimated."""
    return {
        "deterministic": [
            "l.name_key = r.name_key AND l.date = r.date",
            "l.unit_code = r.unit_code AND l.date = r.date AND l.sex = r.sex AND l.age = r.age",
        ],
        "recall": 0.6,
        "em": [block_on("date"), block_on("name_key"), block_on("unit_code", "year_month")],
    }
