"""Maps and charts drawn on the server as SVG: no map library, no tiles, a few kilobytes.

Colours come from ColorBrewer's YlOrRd (Brewer and Harrower, 2003), whose lightness falls
steadily so the classes stay apart when printed in grey; suppressed units are hatched, and
each chart series has its own dash pattern.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np
import shapely

PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
DASHES = ("", "6 3", "2 3", "10 3 2 3", "1 1")
GREYS = ("#111", "#555", "#333", "#777", "#222")
HATCH = (
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#888" stroke-width="2"/></pattern></defs>'
)


def class_breaks(values: np.ndarray, k: int = len(PALETTE)) -> list[float]:
    """Upper bounds of ``k`` quantile classes of ``values`` (NaN ignored), rounded to 1 decimal."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return []
    breaks = np.quantile(finite, np.linspace(0, 1, k + 1)[1:])
    return sorted({round(float(b), 1) for b in breaks})


def class_of(values: np.ndarray, breaks: Sequence[float]) -> np.ndarray:
    """Class index of each value (-1 for NaN)."""
    idx = np.searchsorted(np.asarray(breaks), values, side="left")
    return np.where(np.isfinite(values), np.minimum(idx, len(breaks) - 1), -1)


def projection(geometries: np.ndarray, width: float = 800.0):
    """(project, height): a function taking lon/lat geometries to the drawing's units
    (equirectangular at the mean latitude of ``geometries``, ``width`` wide, y down)."""
    bounds = shapely.total_bounds(geometries)
    mid = np.cos(np.radians((bounds[1] + bounds[3]) / 2))
    scale = width / max((bounds[2] - bounds[0]) * mid, 1e-9)
    height = (bounds[3] - bounds[1]) * scale

    def project(shapes: np.ndarray) -> np.ndarray:
        return shapely.transform(
            shapes,
            lambda xy: np.column_stack(
                [(xy[:, 0] - bounds[0]) * mid * scale, (bounds[3] - xy[:, 1]) * scale]
            ),
        )

    return project, float(height)


def path_data(geometries: np.ndarray, width: float = 800.0) -> tuple[list[str], float]:
    """SVG path strings of polygons in lon/lat, equirectangular at their mean latitude."""
    project, height = projection(geometries, width)
    return svg_paths(project(geometries)), height


def svg_paths(drawn: np.ndarray) -> list[str]:
    """SVG path strings of polygons already in the drawing's units."""
    parts, part_of = shapely.get_parts(drawn, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy, point_of = shapely.get_coordinates(rings, return_index=True)
    text = np.char.add(np.char.add(np.char.mod("%.1f", xy[:, 0]), ","),
                       np.char.mod("%.1f", xy[:, 1]))  # fmt: skip
    starts = np.r_[True, point_of[1:] != point_of[:-1]]
    text = np.where(starts, np.char.add("M", text), np.char.add("L", text))
    ring_text = [" ".join(chunk) + "Z" for chunk in np.split(text, np.flatnonzero(starts)[1:])]
    unit_of_ring = part_of[ring_of]
    paths = [""] * len(drawn)
    for unit, ring in zip(unit_of_ring, ring_text, strict=True):
        paths[unit] += ring
    return paths


LABEL_SIZE = 11.0  # drawing units: about 9 px at the portal's 680 px wide map


def choropleth(
    geometries: np.ndarray,
    classes: np.ndarray,
    suppressed: np.ndarray,
    labels: Sequence[str],
    links: Sequence[str],
    title: str,
    palette: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
    outlines: np.ndarray | None = None,
) -> str:
    """An SVG choropleth: one linked, titled path per unit, coloured ``palette[class]``;
    ``names`` written inside the units where they fit, ``outlines`` (the larger units they
    belong to) drawn over them as heavier lines."""
    palette = PALETTE if palette is None else palette
    project, height = projection(geometries)
    drawn = project(geometries)
    paths = svg_paths(drawn)
    shapes = []
    for d, k, hidden, label, href in zip(paths, classes, suppressed, labels, links, strict=True):
        fill = "url(#hatch)" if hidden else (palette[k] if k >= 0 else "#fff")
        shapes.append(
            f'<a href="{escape(href)}"><path d="{d}" fill="{fill}" stroke="#444" '
            f'stroke-width="0.6" fill-rule="evenodd"><title>{escape(label)}</title></path></a>'
        )
    if outlines is not None and len(outlines):
        lines = svg_paths(project(np.asarray(outlines)))
        shapes.append(
            '<g class="outlines" fill="none" stroke="#111" stroke-width="2.2" '
            'pointer-events="none">' + "".join(f'<path d="{d}"/>' for d in lines) + "</g>"
        )
    if names is not None:
        from sereno.spatial.labels import fitting_labels

        placed = [p for p in fitting_labels(drawn, names, LABEL_SIZE) if p is not None]
        shapes.append(
            f'<g class="unit-labels" font-size="{LABEL_SIZE:g}" text-anchor="middle" '
            'pointer-events="none" fill="#111" stroke="#fff" stroke-width="2.5" '
            'paint-order="stroke">'
            + "".join(
                f'<text class="unit-label" x="{p.x:.1f}" y="{p.y + LABEL_SIZE * 0.35:.1f}">'
                f"{escape(p.text)}</text>"
                for p in placed
            )
            + "</g>"
        )
    return (
        f'<svg class="map" viewBox="-2 -2 804 {height + 4:.0f}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">{HATCH}'
        + "".join(shapes)
        + "</svg>"
    )


def line_chart(
    series: dict[str, Sequence[float | None]],
    periods: Sequence[str],
    title: str,
    width: int = 800,
    height: int = 260,
) -> str:
    """An SVG line chart of several series over ``periods``; gaps where a value is missing."""
    left, right, top, bottom = 60, 36, 12, 34
    values = np.array(
        [[np.nan if v is None else v for v in s] for s in series.values()], dtype=float
    )
    top_value = float(np.nanmax(values)) if np.isfinite(values).any() else 1.0
    step = _nice_step(top_value)
    y_max = step * np.ceil(top_value / step) if top_value > 0 else 1.0
    n = max(len(periods) - 1, 1)
    x = left + np.arange(len(periods)) * (width - left - right) / n
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">'
    ]
    for tick in np.arange(0, y_max + step / 2, step):
        y = top + (height - top - bottom) * (1 - tick / y_max)
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{tick:g}</text>"
        )
    for i, period in enumerate(periods):
        if len(periods) <= 12 or period.endswith("-01"):
            label = period[:4] if len(periods) > 12 else period
            out.append(
                f'<text x="{x[i]:.1f}" y="{height - 6}" text-anchor="middle" '
                f'font-size="11">{escape(label)}</text>'
            )
    for s, row in enumerate(values):
        y = top + (height - top - bottom) * (1 - row / y_max)
        d = " ".join(
            ("M" if i == 0 or not np.isfinite(y[i - 1]) else "L") + f"{x[i]:.1f},{y[i]:.1f}"
            for i in range(len(row))
            if np.isfinite(y[i])
        )
        dash = DASHES[s % len(DASHES)]
        out.append(
            f'<path d="{d}" fill="none" stroke="{GREYS[s % len(GREYS)]}" stroke-width="1.8"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + "/>"
        )
    out.append("</svg>")
    return "".join(out)


def source_chart(series: Sequence[dict], title: str) -> str:
    """The monthly series of several sources (``{"source", "months": [{"period", "n"}]}``)."""
    periods = sorted({m["period"] for s in series for m in s["months"]})
    values = {}
    for s in series:
        by_period = {m["period"]: m["n"] for m in s["months"]}
        values[s["source"]] = [by_period.get(p) for p in periods]
    return line_chart(values, periods, title)


def legend_dash(index: int) -> str:
    """A short SVG sample of series ``index``'s line, for the chart's legend."""
    dash = DASHES[index % len(DASHES)]
    return (
        '<svg width="34" height="10" aria-hidden="true"><line x1="0" y1="5" x2="34" y2="5" '
        f'stroke="{GREYS[index % len(GREYS)]}" stroke-width="2"'
        + (f' stroke-dasharray="{dash}"' if dash else "")
        + "/></svg>"
    )


def _nice_step(top: float) -> float:
    raw = max(top, 1.0) / 5
    power = 10 ** np.floor(np.log10(raw))
    return float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw))


def interval_chart(
    rows: Sequence[dict],
    title: str,
    width: int = 800,
    row_height: int = 44,
) -> str:
    """Horizontal interval bars, one row per ``{"label", "bar", "ticks", "estimate"}``.

    ``bar`` (a grey bar from zero) is what is counted for certain, ``ticks`` (short marks,
    each with its own dash pattern as in the line charts) are other counts on the same
    scale, and ``estimate`` (``{"n", "low", "high"}`` or None) a point with its interval.
    The scale starts at zero, so bars compare by length.
    """
    left, right, top, bottom = 64, 150, 8, 26
    highs = [r["bar"] or 0 for r in rows] + [t or 0 for r in rows for t in r["ticks"]]
    highs += [r["estimate"]["high"] for r in rows if r.get("estimate")]
    top_value = max(highs, default=1.0) or 1.0
    step = _nice_step(top_value * 5 / 8)  # about eight grid lines: the gaps are narrow
    x_max = step * np.ceil(top_value / step)
    height = top + bottom + row_height * len(rows)

    def x(value: float) -> float:
        return left + (width - left - right) * value / x_max

    out = [
        f'<svg class="chart intervals" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">'
    ]
    for tick in np.arange(0, x_max + step / 2, step):
        out.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top}" y2="{height - bottom}" '
            f'stroke="#ddd"/><text x="{x(tick):.1f}" y="{height - 8}" text-anchor="middle" '
            f'font-size="11">{tick:g}</text>'
        )
    for i, row in enumerate(rows):
        y = top + i * row_height
        mid = y + row_height / 2
        out.append(
            f'<text x="{left - 8}" y="{mid + 4:.1f}" text-anchor="end" font-size="13">'
            f"{escape(str(row['label']))}</text>"
        )
        if row["bar"] is not None:
            out.append(
                f'<rect x="{left}" y="{mid - 8:.1f}" width="{x(row["bar"]) - left:.1f}" '
                f'height="16" fill="#bdbdbd"><title>{escape(row.get("bar_title", ""))}</title>'
                "</rect>"
            )
        for s, value in enumerate(row["ticks"]):
            if value is None:
                continue
            dash = DASHES[s % len(DASHES)]
            out.append(
                f'<line x1="{x(value):.1f}" x2="{x(value):.1f}" y1="{mid - 14:.1f}" '
                f'y2="{mid + 14:.1f}" stroke="{GREYS[s % len(GREYS)]}" stroke-width="2"'
                + (f' stroke-dasharray="{dash}"' if dash else "")
                + "/>"
            )
        estimate = row.get("estimate")
        if estimate:
            lo, hi, n = x(estimate["low"]), x(estimate["high"]), x(estimate["n"])
            out.append(
                f'<g stroke="{GREYS[0]}" stroke-width="2"><line x1="{lo:.1f}" x2="{hi:.1f}" '
                f'y1="{mid:.1f}" y2="{mid:.1f}"/><line x1="{lo:.1f}" x2="{lo:.1f}" '
                f'y1="{mid - 6:.1f}" y2="{mid + 6:.1f}"/><line x1="{hi:.1f}" x2="{hi:.1f}" '
                f'y1="{mid - 6:.1f}" y2="{mid + 6:.1f}"/></g>'
                f'<circle cx="{n:.1f}" cy="{mid:.1f}" r="5" fill="#7a1d12">'
                f"<title>{escape(row.get('estimate_title', ''))}</title></circle>"
            )
        if row.get("note"):
            out.append(
                f'<text x="{width - right + 8}" y="{mid + 4:.1f}" font-size="12">'
                f"{escape(row['note'])}</text>"
            )
    out.append("</svg>")
    return "".join(out)


def interval_legend(kind: str, index: int = 0) -> str:
    """A legend sample for ``interval_chart``: ``bar``, ``estimate`` or source tick ``index``."""
    if kind == "bar":
        return (
            '<svg width="26" height="12" aria-hidden="true">'
            '<rect width="26" height="12" fill="#bdbdbd"/></svg>'
        )
    if kind == "estimate":
        return (
            '<svg width="34" height="12" aria-hidden="true"><g stroke="#111" stroke-width="2">'
            '<line x1="2" x2="32" y1="6" y2="6"/><line x1="2" x2="2" y1="1" y2="11"/>'
            '<line x1="32" x2="32" y1="1" y2="11"/></g>'
            '<circle cx="17" cy="6" r="4" fill="#7a1d12"/></svg>'
        )
    dash = DASHES[index % len(DASHES)]
    return (
        '<svg width="10" height="16" aria-hidden="true"><line x1="5" x2="5" y1="0" y2="16" '
        f'stroke="{GREYS[index % len(GREYS)]}" stroke-width="2"'
        + (f' stroke-dasharray="{dash}"' if dash else "")
        + "/></svg>"
    )
