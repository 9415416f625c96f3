"""A printable comparison report: one offline HTML file of what the Compare tab shows.

The question, the options (and how they differ, from the scenarios themselves), what was
run (paired runs, seeds, posterior draws, horizon, the observed period), the differences
with their intervals at the horizon, the charts (Vega-Lite rendered to SVG by
``vl-convert``, inline: no script, no network) and the assumptions behind the parts of
the scenarios in which the options differ (their ``sources`` entries). Every text from a
file is escaped.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

import vl_convert

from viz import charts, timeline
from viz.compare import Result, history_end, kind_of, metric_label
from viz.i18n import tr, trf

CSS = """
body{font-family:'Noto Sans KR',NanumGothic,Roboto,sans-serif;max-width:980px;
margin:2em auto;padding:0 1.2em;color:#222;line-height:1.45}
h1{font-size:1.5em;margin-bottom:.2em}
h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right;vertical-align:top}
td:first-child,th:first-child{text-align:left}th{background:#f3f5f7}
.note{color:#555;font-size:.9em}.warn{color:#a40}.assumption{color:#a40}
figure{margin:1em 0;page-break-inside:avoid}svg{max-width:100%;height:auto}
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}}
"""


def svg_of(chart: Any) -> str:
    """A chart as inline SVG (the actions menu and any link are not part of an SVG)."""
    return vl_convert.vegalite_to_svg(chart.to_dict(validate=False))


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def differing_tables(result: Result) -> list[tuple[str, str, dict[str, Any]]]:
    """(option, path, table) of every top-level table in which an option differs from the
    reference: a center, a district, a region's incentives, the fund."""
    ref = result.plan.options[0].scenario.to_dict()
    out = []
    for option in result.plan.options[1:]:
        data = option.scenario.to_dict()
        for group in ("centers", "districts", "regions", "government"):
            mine, theirs = data.get(group, {}), ref.get(group, {})
            for key in sorted(set(mine) | set(theirs)):
                a, b = mine.get(key), theirs.get(key)
                if timeline._strip(a) != timeline._strip(b) and isinstance(a or b, dict):
                    out.append((option.label, f"{group}.{key}", a if a is not None else b))
    return out


def assumptions(result: Result, lang: str) -> list[str]:
    """The sources of the tables the options differ by; ASSUMPTION entries marked."""
    lines = []
    for option, path, table in differing_tables(result):
        for field, source in (table.get("sources") or {}).items():
            css = " class='assumption'" if "ASSUMPTION" in str(source) else ""
            lines.append(
                f"<span{css}><b>{escape(option)}</b> · "
                f"<code>{escape(path)}.{escape(field)}</code>: {escape(str(source))}</span>"
            )
    return lines


def report_html(result: Result, question: str, metric: str, lang: str = "en") -> str:
    """The whole report as one HTML page."""
    plan = result.plan
    names = result.names(lang)
    scenarios = plan.scenarios
    first = min(timeline_month(s) for s in scenarios)
    hist = history_end(scenarios)
    predicted = plan.predicted()
    measured = result.observed_first()
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    parts = [
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>",
        f"<title>{escape(question)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(question)}</h1>",
        f"<p class='note'>{escape(trf('report_made', lang, when=now))}</p>",
        f"<h2>{escape(tr('report_options', lang))}</h2>",
    ]
    items = []
    for j, option in enumerate(plan.options):
        about = (
            option.description_ko if lang == "ko" and option.description_ko else option.description
        )
        ref = f" <i>({escape(tr('reference', lang))})</i>" if j == 0 else ""
        items.append(f"<b>{escape(names[j])}</b>{ref}" + (f": {escape(about)}" if about else ""))
    parts.append(_list(items))
    parts.append(f"<h2>{escape(tr('report_run', lang))}</h2>")
    run_lines = [
        escape(trf("report_runs", lang, n=plan.runs, seeds=", ".join(map(str, plan.seeds)))),
        escape(trf("report_horizon", lang, a=first, b=plan.end)),
    ]
    if plan.draws:
        keys = sorted({k for d in plan.draws for k in d})
        run_lines.append(escape(trf("report_posterior", lang, n=len(plan.draws), k=len(keys))))
    else:
        run_lines.append(escape(tr("report_no_posterior", lang)))
    if hist:
        run_lines.append(escape(trf("report_history", lang, end=hist)))
    if predicted:
        run_lines.append(
            escape(trf("differ_from", lang, month=predicted.month, what=predicted.label(lang)))
        )
    run_lines.append(
        escape(trf("measured_first", lang, month=measured))
        if measured
        else f"<span class='warn'>{escape(tr('measured_none', lang))}</span>"
    )
    agents = {s.population.firms for s in scenarios}
    run_lines.append(
        escape(trf("report_agents", lang, n=", ".join(f"{a:,}" for a in sorted(agents))))
    )
    parts.append(_list(run_lines))
    events = _differing_events(result)
    if events:
        parts.append(f"<h2>{escape(tr('report_timeline', lang))}</h2>")
        parts.append(
            _list(
                [
                    f"{escape(e.month)} · <b>{escape(names[j])}</b>: {escape(e.label(lang))}"
                    for j, e in events
                ]
            )
        )
    month = result.last_month()
    headers, rows = result.table(lang, month)
    parts.append(f"<h2>{escape(trf('report_table', lang, month=month))}</h2>")
    head = "".join(f"<th>{escape(h)}</th>" for h in [tr("table_metric", lang), *headers])
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    parts.append(f"<table><tr>{head}</tr>{body}</table>")
    parts.append(f"<p class='note'>{escape(tr('report_table_note', lang))}</p>")
    parts.append(f"<h2>{escape(tr('report_charts', lang))}</h2>")
    shown = [metric] + [
        m for m in ("capital_share", "employment") if m != metric and m in result.metrics
    ]
    for name in shown:
        for view in ("levels", "difference"):
            chart = chart_for(result, name, view, lang, width=760)
            if chart is not None:
                parts.append(f"<figure>{svg_of(chart)}</figure>")
    lines = assumptions(result, lang)
    if lines:
        parts.append(f"<h2>{escape(tr('report_assumptions', lang))}</h2>")
        parts.append(f"<p class='note'>{escape(tr('report_assumptions_note', lang))}</p>")
        parts.append(_list(lines))
    parts.append("</body></html>")
    return "\n".join(parts)


def timeline_month(scenario) -> str:
    from viz.compare import month_of

    return month_of(scenario.start)


def _differing_events(result: Result) -> list[tuple[int, timeline.Event]]:
    """(option index, event) of the events an option has that the reference has not."""
    ref = set(timeline.events(result.plan.options[0].scenario))
    out = []
    for j, option in enumerate(result.plan.options[1:], start=1):
        for e in timeline.events(option.scenario):
            if e not in ref:
                out.append((j, e))
    return sorted(out, key=lambda x: (x[1].month, x[0]))


def chart_for(result: Result, metric: str, view: str, lang: str, width: int = charts.WIDTH):
    """The levels or the paired differences of ``metric``, with the observed period and the
    policy timeline (the differing events labelled)."""
    scenarios = result.plan.scenarios
    first = min(timeline_month(s) for s in scenarios)
    events = timeline.in_run(
        sorted({e for s in scenarios for e in timeline.events(s)}, key=lambda e: e.month),
        first,
        result.plan.end,
    )
    highlight = {e.path for _, e in _differing_events(result)}
    kind = kind_of(metric)
    label = metric_label(metric, lang)
    if view == "difference":
        data = result.differences(metric, lang)
        if data.empty:
            return None
        title = trf(
            "diff_title",
            lang,
            m=metric_label(metric, lang, with_unit=False),
            ref=result.names(lang)[0],
        )
        y_title = (
            label if kind != "share" else label.replace("(%)", "(%p)" if lang == "ko" else "(pp)")
        )
        return charts.band_chart(
            data,
            y_title=y_title,
            kind=kind,
            lang=lang,
            first=first,
            history_end=history_end(scenarios),
            events=events,
            highlight=highlight,
            title=title,
            zero_rule=True,
            width=width,
        )
    data = result.bands(metric, lang)
    title = trf(
        "levels_title", lang, m=metric_label(metric, lang, with_unit=False), n=result.plan.runs
    )
    return charts.band_chart(
        data,
        y_title=label,
        kind=kind,
        lang=lang,
        first=first,
        history_end=history_end(scenarios),
        events=events,
        highlight=highlight,
        title=title,
        width=width,
    )
