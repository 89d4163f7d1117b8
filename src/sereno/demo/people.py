"""Who the victims are: sex, age, weapon, place, time of day, names and nicknames.

Proportions follow the profile of homicide in Central American cities reported by UNODC's
*Global Study on Homicide* (2019, 2023): about nine victims in ten are men, most aged 15-40,
most killed with firearms in the street; women are killed more often at home and with knives
or by strangulation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sereno.demo.names import FEMALE_GIVEN, MALE_GIVEN, NICKNAMES, SURNAMES

SEXES = np.array(["male", "female"])
WEAPONS = np.array(["firearm", "sharp_object", "blunt_object", "strangulation", "other", "unknown"])
PLACES = np.array(
    ["public_road", "home", "vehicle", "business", "open_area", "public_transport", "other"]
)
WEAPON_P = np.array(
    [
        [0.80, 0.09, 0.05, 0.02, 0.02, 0.02],  # male
        [0.52, 0.18, 0.08, 0.16, 0.03, 0.03],
    ]
)  # female
PLACE_P = np.array(
    [[0.55, 0.12, 0.08, 0.07, 0.12, 0.04, 0.02], [0.30, 0.40, 0.05, 0.05, 0.15, 0.03, 0.02]]
)
HOUR_WEIGHTS = np.array(
    [6, 5, 4, 3, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 5, 6, 7, 8, 8, 8, 7], dtype=float
)
PUBLIC_PLACES = ("public_road", "open_area", "public_transport", "vehicle")


def categorical(rng: np.random.Generator, table: np.ndarray, row: np.ndarray) -> np.ndarray:
    """For each element, a category index drawn from the probabilities ``table[row]``."""
    cumulative = np.cumsum(table, axis=1)[row]
    cumulative /= cumulative[:, -1:]
    return (rng.uniform(size=(row.size, 1)) > cumulative).sum(axis=1)


def victim_attributes(rng: np.random.Generator, armed: np.ndarray) -> pd.DataFrame:
    """Attributes of victims killed in gang-held colonias (``armed``) or elsewhere.

    Gang territory kills more young men; a body left in open ground is less often found and,
    when found, less often identified.
    """
    n = armed.size
    female = rng.uniform(size=n) < np.where(armed, 0.07, 0.13)
    sex = female.astype(int)
    age = _ages(rng, female, armed)
    weapon = WEAPONS[categorical(rng, WEAPON_P, sex)]
    place = PLACES[categorical(rng, PLACE_P, sex)]
    open_ground = place == "open_area"
    body_found = rng.uniform(size=n) < np.where(open_ground, 0.72, 0.975)
    identified = body_found & (rng.uniform(size=n) < np.where(open_ground, 0.70, 0.95))
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    minute = rng.integers(0, 60, size=n)
    young_man = ~female & (age < 35)
    nickname_p = np.where(young_man, np.where(armed, 0.45, 0.15), 0.03)
    has_nickname = rng.uniform(size=n) < nickname_p
    nickname = np.where(has_nickname, np.array(NICKNAMES)[rng.integers(0, len(NICKNAMES), n)], "")
    return pd.DataFrame(
        {
            "sex": SEXES[sex],
            "age": age,
            "weapon": weapon,
            "place": place,
            "time": _clock(hour) + ":" + _clock(minute),
            "body_found": body_found,
            "identified": identified,
            "name": full_names(rng, female),
            "nickname": nickname,
        }
    )


def _clock(values: np.ndarray) -> pd.Series:
    return pd.Series(values).astype(str).str.zfill(2)


def _ages(rng: np.random.Generator, female: np.ndarray, armed: np.ndarray) -> np.ndarray:
    """Ages in whole years: a peak in the early twenties for men, a wider spread for women."""
    n = female.size
    young = 15 + rng.gamma(2.0, np.where(female, 7.5, 5.0), n)
    anyone = rng.uniform(12, 78, n)
    typical = rng.uniform(size=n) < np.where(female, 0.6, np.where(armed, 0.85, 0.75))
    return np.clip(np.where(typical, young, anyone), 12, 90).astype(int)


def full_names(rng: np.random.Generator, female: np.ndarray) -> np.ndarray:
    """Given name(s) and two surnames, as Central Americans write them."""
    n = female.size
    male_given, female_given = np.array(MALE_GIVEN), np.array(FEMALE_GIVEN)

    def given() -> np.ndarray:
        return np.where(
            female,
            female_given[rng.integers(0, female_given.size, n)],
            male_given[rng.integers(0, male_given.size, n)],
        )

    first, second = given(), given()
    second = np.where((rng.uniform(size=n) < 0.4) & (second != first), second, "")
    surnames = np.array(SURNAMES)
    paternal = surnames[rng.integers(0, surnames.size, n)]
    maternal = surnames[rng.integers(0, surnames.size, n)]
    parts = pd.DataFrame({"a": first, "b": second, "c": paternal, "d": maternal})
    joined = parts["a"] + " " + parts["b"] + " " + parts["c"] + " " + parts["d"]
    return joined.str.replace(r"\s+", " ", regex=True).to_numpy()
