"""Public CSV files that are safe to open in a spreadsheet.

A text cell beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which
some spreadsheets strip before reading a formula) is run as a formula when the file is
opened in Excel or LibreOffice: ``=cmd|' /C calc'!A0`` from a mapped field would start a
program on the reader's machine. OWASP's advice ("CSV Injection") is followed: such cells are
prefixed with a single quote, which spreadsheets show as text. Numbers are left alone, so a
negative count stays a number.
"""

from __future__ import annotations

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run as a formula quoted."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        try:
            # Non-text cells of a mixed column answer NaN here, so only text is quoted.
            risky = values.str.startswith(TRIGGERS, na=False).astype(bool)
        except AttributeError:  # a column of dates or other objects holds no text
            continue
        if risky.any():
            out[column] = values.where(~risky, "'" + values[risky].astype(str))
    return out
