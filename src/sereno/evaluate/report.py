"""An evaluation report a donor can read: design, data, result, robustness, limits.

One self-contained HTML page (the chart embedded as PNG, no external assets) or a PDF (text
page and chart page through matplotlib), in Spanish or English, from any evaluation result.
"""

from __future__ import annotations

import base64
import io
import json
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment

from sereno.evaluate._common import jsonable
from sereno.i18n import t

TEMPLATE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font-family:Georgia,serif;max-width:52em;margin:2em auto;color:#111}
table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .6em;text-align:left}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}img{max-width:100%}</style></head>
<body><h1>{{ title }}</h1><p><em>{{ generated }}</em></p>
{% for heading, body in sections %}<h2>{{ heading }}</h2>{{ body }}{% endfor %}
</body></html>"""

METHOD_KEYS = {
    "its": "evaluate.report_design_its",
    "twfe": "evaluate.did_method_twfe",
    "event_study": "evaluate.did_method_event_study",
    "staggered": "evaluate.did_method_staggered",
    "synth": "evaluate.report_design_synth",
    "match": "evaluate.report_design_match",
}


def report_sections(result: Any, cost: Any = None, lang: str = "es") -> list[tuple[str, str]]:
    """(heading, HTML body) for design, data, result, robustness and limits."""
    from markupsafe import escape

    data = result.to_dict()
    method = data.get("method", "its")
    diagnostics = {
        k: v for k, v in (data.get("diagnostics") or {}).items() if not isinstance(v, list | dict)
    }
    numbers = {k: data[k] for k in ("estimate", "averted") if isinstance(data.get(k), dict)}
    rows = "".join(
        f"<tr><th>{escape(name)}</th><td>{_fmt(v['estimate'])}</td><td>{_fmt(v['se'])}</td>"
        f"<td>{_fmt(v['low'])} – {_fmt(v['high'])}</td></tr>"
        for name, v in numbers.items()
    )
    table = (
        f"<table><tr><th></th><th>{t('evaluate.report_estimate', lang)}</th><th>SE</th>"
        f"<th>{t('evaluate.report_interval', lang)}</th></tr>{rows}</table>"
    )
    pretrend = (data.get("diagnostics") or {}).get("pretrend")
    robust = {**diagnostics, **({"pretrend_p": pretrend["p"]} if pretrend else {})}
    for key in ("p_value", "pre_rmspe", "post_rmspe", "rmspe_ratio"):
        if key in data:
            robust[key] = data[key]
    robustness = (
        "<table>"
        + "".join(
            f"<tr><th>{escape(k)}</th><td>{escape(_fmt(v))}</td></tr>" for k, v in robust.items()
        )
        + "</table>"
    )
    paragraphs = [f"<p>{escape(result.summary(lang))}</p>", table, _chart(result, lang)]
    if cost is not None:
        paragraphs.append(f"<p>{escape(cost.summary(lang))}</p>")
    comparison = data.get("comparison")
    limits = escape(t("evaluate.report_limits_text", lang))
    return [
        (t("evaluate.report_design", lang), f"<p>{escape(t(METHOD_KEYS[method], lang))}</p>"),
        (
            t("evaluate.report_data", lang),
            f"<p>{escape(t('evaluate.report_comparison', lang, comparison=comparison))}</p>",
        ),
        (t("evaluate.report_result", lang), "".join(paragraphs)),
        (t("evaluate.report_robustness", lang), robustness),
        (t("evaluate.report_limits", lang), f"<p>{limits}</p>"),
    ]


def evaluation_report(result: Any, cost: Any = None, lang: str = "es") -> str:
    """The report as one self-contained HTML page."""
    environment = Environment(autoescape=True)
    return environment.from_string(TEMPLATE).render(
        lang=lang,
        title=_title(result, lang),
        generated=t("evaluate.report_generated", lang, date=date.today().isoformat()),
        sections=[(h, _markup(b)) for h, b in report_sections(result, cost, lang)],
    )


def write_report(result: Any, path: Path, cost: Any = None, lang: str = "es") -> Path:
    """Write the report as HTML (``.html``) or PDF (``.pdf``)."""
    path = Path(path)
    if path.suffix.lower() != ".pdf":
        path.write_text(evaluation_report(result, cost, lang), encoding="utf-8")
        return path
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    text = [_title(result, lang), "", result.summary(lang)]
    if cost is not None:
        text += ["", cost.summary(lang)]
    text += ["", t("evaluate.report_limits_text", lang)]
    with PdfPages(path) as pdf:
        page = plt.figure(figsize=(8.27, 11.69))
        wrapped = "\n".join(textwrap.fill(p, 95) if p else "" for p in text)
        page.text(0.07, 0.95, wrapped, va="top", ha="left", fontsize=9, family="serif")
        pdf.savefig(page)
        plt.close(page)
        if hasattr(result, "plot"):
            chart = result.plot(lang=lang)
            pdf.savefig(chart)
            plt.close(chart)
    return path


def _title(result: Any, lang: str) -> str:
    data = result.to_dict()
    return t(
        "evaluate.report_title",
        lang,
        outcome=data.get("outcome") or "",
        place=data.get("place") or data.get("treated") or "",
    )


def _chart(result: Any, lang: str) -> str:
    if not hasattr(result, "plot"):
        return ""
    import matplotlib.pyplot as plt

    figure = result.plot(lang=lang)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="" src="data:image/png;base64,{encoded}">'


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    return json.dumps(jsonable(value), ensure_ascii=False) if not isinstance(value, str) else value


def _markup(html: str):
    from markupsafe import Markup

    return Markup(html)
