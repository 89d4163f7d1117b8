"""The Fellegi-Sunter model for victim records, as Splink settings.

Fellegi & Sunter (1969), "A theory for record linkage", *JASA* 64(328); Splink estimates the
m and u probabilities (u by random sampling, m by expectation maximisation). Comparisons
suited to homicide lists:

- name: exact; one is the other without its second surname; the same once nicknames are
  resolved ("Pepe" for José, "Beto" for Roberto or Alberto: ``nicknames.csv``), with or
  without the second surname; Jaro-Winkler ≥ 0.92 (typos); two words in common (reordered or
  partial names); else;
- date: same day; within one day; within three days (autopsy or press dates); same month
  when either date is only known to the month; else;
- age: exact; within 2 years; within 5 (estimated ages of unidentified bodies); within 10;
- sex; unit: same, neighbouring (a killing on a border street), else; weapon; place;
- source: a source rarely records one victim twice, so same-source pairs need more evidence.

Blocking (the pairs that are scored at all) uses equi-joins only, each on keys selective
enough that no block grows with the square of a common value (Christen 2012, "A survey of
indexing techniques for scalable record linkage and deduplication", *IEEE TKDE* 24(9)):
blocking on a given name and year alone made 176 million pairs of the benchmark's 300,000
records, as a few given names (José, Juan, María) cover most victims. The rules, with what
each one catches:

1. same day: every victim known to the day, named or not;
2. same full name: any dates apart;
3. same given name (nickname resolved, as it sounds) and second word, same year: a missing
   second surname, a nickname, a b/v or s/z typo, dates a few days apart;
4. same second and last words (as they sound), same year: a typo or an ambiguous nickname in
   the given name;
5. same unit and month: unnamed bodies a few days apart, dates known only to the month;
6. same unit, sex, age and year: the same across a month's end;
7. same month, sex and age, one of the two unnamed: unnamed bodies placed in a neighbouring
   unit.

``benchmarks/link.py`` prints the comparisons each rule adds (Splink's
``count_comparisons_from_blocking_rules``).
"""

from __future__ import annotations

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import And, CustomRule

DIALECT = "duckdb"


def _custom(sql: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(sql, label, base_dialect_str=DIALECT)


def _typo_level(dialect: str):
    """Names one or two typos apart: Jaro-Winkler ≥ 0.92 where the engine has it; PostgreSQL
    has none (Splink's postgres backend refuses it), so there, Levenshtein ≤ 2 (its
    fuzzystrmatch extension)."""
    if dialect == "postgres":
        return cll.LevenshteinLevel("name_key", 2)
    return cll.JaroWinklerLevel("name_key", 0.92)


def _lists(dialect: str):
    """The engine's forms of the list functions the name levels use (Splink's transpiler
    writes DuckDB's list_has_any and len(list_intersect) unchanged for Spark, which has
    neither)."""
    from sereno.store.dialect import DUCKDB

    if dialect == "spark":
        from sereno.store.spark_dialect import SPARK

        return SPARK
    return DUCKDB


def victim_comparisons(dialect: str = DIALECT) -> list:
    lists = _lists(dialect)
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
            _custom(
                f"{lists.list_has_any('given_keys_l', 'given_keys_r')} AND (surnames_l = surnames_r"
                " OR starts_with(surnames_l, surnames_r || ' ')"
                " OR starts_with(surnames_r, surnames_l || ' '))",
                "same name once nicknames are resolved",
            ),
            _typo_level(dialect),
            _custom(f"{lists.list_overlap('name_tokens_l', 'name_tokens_r')} >= 2", "two words"),
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
            # An unidentified body's age is the forensic doctor's estimate, often five or ten
            # years off the age the police or the family gave: a level of its own, or EM
            # learns from the identified victims that matches never differ by 6-10 years and
            # vetoes these pairs (on Ciudad Demo most true pairs left apart were such).
            _custom(
                "abs(age_l - age_r) <= 10 AND (name_key_l IS NULL OR name_key_r IS NULL)",
                "within 10 years, one record unnamed (an estimated age)",
            ),
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
            _custom(lists.list_contains("neighbours_l", "unit_code_r"), "neighbouring unit"),
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
        block_on("name_key"),
        block_on("given_sound", "second_sound", "year"),
        block_on("second_sound", "last_sound", "year"),
        block_on("unit_code", "year_month"),
        block_on("unit_code", "sex", "age", "year"),
        # Two named records are already paired by the name rules when their names are alike,
        # and when they are not the name says they differ: this rule is for the unnamed (a
        # filter on the join, which keeps it an equi-join on month, sex and age).
        And(
            block_on("year_month", "sex", "age"),
            CustomRule("l.name_key IS NULL OR r.name_key IS NULL", DIALECT),
        ),
    ]


def victim_settings(dialect: str = DIALECT) -> SettingsCreator:
    """Splink settings for deduplicating victim records across and within sources, for the
    SQL engine ``dialect`` (duckdb by default; postgres and spark are Splink's other
    backends: the custom SQL below is written for DuckDB and Splink transpiles it)."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=victim_comparisons(dialect),
        blocking_rules_to_generate_predictions=victim_blocking(),
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=["source_id"],
    )


def victim_training() -> dict:
    """Deterministic rules (for the prior), EM blocking rules, each leaving some comparisons
    free to be estimated, and the number of pairs EM samples from each."""
    return {
        "deterministic": [
            "l.name_key = r.name_key AND l.date = r.date",
            "l.unit_code = r.unit_code AND l.date = r.date AND l.sex = r.sex AND l.age = r.age",
        ],
        "recall": 0.6,
        "em": [block_on("date"), block_on("name_key"), block_on("unit_code", "year_month")],
        # EM needs a sample of pairs, not all of them: a million keeps the share of matches
        # of each rule and bounds training time whatever the number of records.
        "em_max_pairs": 1e6,
    }
