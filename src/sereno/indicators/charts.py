"""Charts for indicators: trends with intervals and choropleth maps, readable in greyscale."""

from __future__ import annotations

import io
import itertools
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sereno.i18n import format_number, t
from sereno.indicators.definitions import Indicator
from sereno.indicators.reconciled import source_label

_FIGURES = itertools.count(1)
INK = "#111111"
BAND = "#bbbbbb"


def _number_axis(ax, lang: str, decimals: int = 0) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_number(v, lang, decimals)))


def trend_chart(frame: pd.DataFrame, ind: Indicator, where: str, lang: str, ax=None):
    """Rate (or count) by period with its 95 % interval; partial periods drawn hollow."""
    own = ax is None
    if own:
        _, ax = plt.subplots(figsize=(4.6, 2.2), dpi=100)
    frame = frame.reset_index(drop=True)
    x = np.arange(len(frame))
    use_rate = ind.population is not None and frame["rate"].notna().any()
    complete = ~frame["partial"].to_numpy()
    if use_rate:
        y = frame["rate"].to_numpy(dtype=float)
        ax.fill_between(x, frame["rate_lower"], frame["rate_upper"], color=BAND, lw=0)
        ax.set_ylabel(t("indicators.rate", lang, per=format_number(ind.per, lang)))
    else:
        y = frame["n"].to_numpy(dtype=float)
        ax.set_ylabel(t("indicators.count", lang))
    ax.plot(x, np.where(complete, y, np.nan), color=INK, lw=1.4, marker="o", ms=2.5)
    if (~complete).any() and not use_rate:
        ax.plot(
            x[~complete],
            y[~complete],
            ls="none",
            marker="o",
            mfc="white",
            mec=INK,
            ms=4,
            label=t("indicators.partial", lang),
        )
    step = max(1, len(frame) // 6)
    ax.set_xticks(x[::step], frame["period"].iloc[::step], fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.yaxis.label.set_size(8)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _number_axis(ax, lang, 0)
    source = source_label(frame["source"].iloc[0], lang) if len(frame) else ""
    ax.set_title(
        t(
            "indicators.trend_title",
            lang,
            name=ind.name(lang),
            where=where,
            first=frame["period"].iloc[0] if len(frame) else "",
            last=frame["period"].iloc[-1] if len(frame) else "",
            source=source,
        ),
        fontsize=9,
        loc="left",
    )
    if (~complete).any() and not use_rate:
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    if own:
        ax.figure.tight_layout()
    return ax.figure


def rate_map(
    polygons,
    frame: pd.DataFrame,
    ind: Indicator,
    level: str,
    period: str,
    lang: str,
    column: str = "rate",
):
    """Choropleth of ``column`` by unit in five grey classes (quantiles), hatched if unknown."""
    fig, ax = plt.subplots(figsize=(7.0, 3.9), dpi=100)
    data = polygons.merge(frame[["unit_code", column]], on="unit_code", how="left")
    values = data[column].to_numpy(dtype=float)
    known = np.isfinite(values)
    greys = ["#f7f7f7", "#cccccc", "#969696", "#636363", "#252525"]
    if known.any():
        edges = np.unique(np.quantile(values[known], np.linspace(0, 1, 6)))
        classes = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
        colours = np.array(greys)[np.round(np.linspace(0, 4, max(len(edges) - 1, 1))).astype(int)]
        data["colour"] = np.where(known, colours[np.where(known, classes, 0)], "white")
        data[known].plot(ax=ax, color=data.loc[known, "colour"], edgecolor="#555555", lw=0.3)
        from matplotlib.patches import Patch

        handles = [
            Patch(
                facecolor=colours[i],
                edgecolor="#555555",
                label=f"{format_number(edges[i], lang, 1)} – "
                f"{format_number(edges[i + 1], lang, 1)}",
            )
            for i in range(len(edges) - 1)
        ]
        if (~known).any():
            data[~known].plot(ax=ax, color="white", edgecolor="#555555", hatch="///", lw=0.3)
            handles.append(
                Patch(
                    facecolor="white",
                    edgecolor="#555555",
                    hatch="///",
                    label=t("indicators.map_no_population", lang),
                )
            )
        ax.legend(
            handles=handles,
            fontsize=7,
            loc="center left",
            bbox_to_anchor=(1.0, 0.5),
            frameon=False,
            title=t("indicators.rate", lang, per=format_number(ind.per, lang)),
            title_fontsize=7,
        )
    ax.set_axis_off()
    source = source_label(frame["source"].iloc[0], lang) if len(frame) else ""
    ax.set_title(
        t(
            "indicators.map_title",
            lang,
            name=ind.name(lang),
            per=format_number(ind.per, lang),
            level=level,
            period=period,
            source=source,
        ),
        fontsize=9,
        loc="left",
    )
    fig.tight_layout()
    return fig


def svg(fig) -> str:
    """The figure as inline SVG text (text kept as text, in the reader's sans-serif font)."""
    buffer = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    # several SVGs share one page: give each its own ids (matplotlib numbers them from 1)
    prefix = f"f{next(_FIGURES)}-"
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}\1"', text)
    return re.sub(r'(url\(#|href="#)([^")]+)', rf"\1{prefix}\2", text)
