"""The app's and the reports' charts: Altair (Vega-Lite) specs, one builder per kind of chart.

Why Altair for everything but the live view (measured, docs/app.md "One chart stack"):
one spec is shown interactively in the page (Solara's Vega-Lite widget, offline) and
rendered to SVG or PNG for an offline report by ``vl-convert`` (no browser, no
matplotlib), so a report and the page never draw a chart two ways. The live view stays
hand-written SVG (:mod:`viz.figures`): it redraws every step, where Vega's cost in the
browser (~180-220 ms for six charts) is too slow.

Every chart here: values of ``share`` outputs in percent, with "%" on the axis; the
observed (replayed) months shaded and labelled; the policy timeline as thin rules; no
Vega actions menu (its "Open in Vega Editor" link leaves an offline app).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import altair as alt
import pandas as pd

from viz.figures.palette import FONT, REGION_COLORS
from viz.i18n import tr
from viz.timeline import KIND_WORDS, Event

EMBED = {"embedOptions": {"actions": False, "renderer": "svg"}}
HISTORY_FILL = "#efe9dc"
HISTORY_LINE = "#a08a5c"
KIND_COLORS = {
    "center": "#222222",
    "district": "#8c564b",
    "zone": "#b07aa1",
    "fund": "#59a14f",
    "programme": "#59a14f",
    "policy": "#7f7f7f",
}
WIDTH, HEIGHT = 620, 280


def finish(chart: alt.TopLevelMixin, title: str = "") -> alt.TopLevelMixin:
    """A chart ready for the page and for ``vl-convert``: no actions menu, the app's font."""
    if title:
        chart = chart.properties(title=title)
    return chart.properties(usermeta=EMBED).configure(font=FONT).configure_view(strokeWidth=0)


def percent(values: pd.Series, kind: str) -> pd.Series:
    """Shares (0-1) as percent, so the axis reads 62-80 %, not 0.62-0.80."""
    return values * 100.0 if kind == "share" else values


def axis_format(kind: str) -> str:
    """A d3 format for the y axis: no exponents (1.2k, 350M), whole percent."""
    return {"share": ".3~r", "money": ".3~s", "count": ".3~s", "gpus": ".3~s"}.get(kind, ".3~r")


def month_start(month: str) -> str:
    return f"{month}-01"


def history_layers(first: str, end: str | None, lang: str) -> list[alt.Chart]:
    """The observed (replayed) months from ``first`` to ``end``, shaded and labelled, with a
    dashed line where they end; none without ``end``."""
    if not end or end < first:
        return []
    data = pd.DataFrame(
        [{"a": month_start(first), "b": month_start(end), "label": tr("history", lang)}]
    )
    base = alt.Chart(data)
    return [
        base.mark_rect(color=HISTORY_FILL, opacity=0.75).encode(x="a:T", x2="b:T"),
        base.mark_rule(color=HISTORY_LINE, strokeDash=[3, 2]).encode(x="b:T"),
        base.mark_text(
            align="left", baseline="top", dx=4, dy=4, color="#7a6640", fontSize=10
        ).encode(x="a:T", y=alt.value(2), text="label:N"),
    ]


def timeline_layers(
    events: Iterable[Event], lang: str, highlight: Iterable[str] = (), height: int = HEIGHT
) -> list[alt.Chart]:
    """The policy timeline: every event a short tick at the foot of the plot (hover: what
    and when), coloured by kind; the events of ``highlight`` (the paths the options differ
    by) a dashed line up the plot, labelled once at the top."""
    marked = set(highlight)
    rows = [
        {
            "date": month_start(e.month),
            "month": e.month,
            "event": e.label(lang),
            "kind": tr_kind(e.kind, lang),
            "color": KIND_COLORS.get(e.kind, "#7f7f7f"),
            "key": e.path in marked,
            "path": e.path,
        }
        for e in events
    ]
    if not rows:
        return []
    data = pd.DataFrame(rows)
    tooltip = [
        alt.Tooltip("month:N", title=tr("date", lang)),
        alt.Tooltip("kind:N", title=tr("kind", lang)),
        alt.Tooltip("event:N", title=tr("event", lang)),
    ]
    layers = [
        alt.Chart(data)
        .mark_tick(orient="vertical", thickness=2, size=9, opacity=0.8)
        .encode(
            x="date:T",
            y=alt.value(height - 5),
            color=alt.Color("color:N", scale=None),
            tooltip=tooltip,
        )
    ]
    key = data[data["key"]]
    if not key.empty:
        layers.append(
            alt.Chart(key)
            .mark_rule(strokeWidth=1.2, strokeDash=[5, 3], opacity=0.8)
            .encode(x="date:T", color=alt.Color("color:N", scale=None), tooltip=tooltip)
        )
        first = key.sort_values("month").drop_duplicates("path").copy()
        # labels of the same month one under the other, not on top of each other
        first["ypix"] = 14 + 11 * first.groupby("month").cumcount()
        layers.append(
            alt.Chart(first)
            .mark_text(align="left", baseline="top", dx=3, fontSize=9, color="#222")
            .encode(x="date:T", y=alt.Y("ypix:Q", scale=None), text="event:N")
        )
    return layers


def tr_kind(kind: str, lang: str) -> str:
    en, ko = KIND_WORDS.get(kind, (kind, kind))
    return ko if lang == "ko" else en


def option_colors(names: list[str]) -> alt.Scale:
    return alt.Scale(domain=names, range=[REGION_COLORS[i % 10] for i in range(len(names))])


def band_chart(
    data: pd.DataFrame,
    *,
    y_title: str,
    kind: str,
    lang: str,
    first: str,
    history_end: str | None = None,
    events: Iterable[Event] = (),
    highlight: Iterable[str] = (),
    title: str = "",
    zero_rule: bool = False,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> alt.TopLevelMixin:
    """Median lines and 5-95 % bands, one colour per ``option``, against the month.

    ``data``: option, month ("YYYY-MM"), p5, median, p95 (in the output's own units;
    shares are turned into percent here).
    """
    frame = data.copy()
    for column in ("p5", "median", "p95"):
        frame[column] = percent(frame[column].astype(float), kind)
    frame["date"] = frame["month"].map(month_start)
    names = list(dict.fromkeys(frame["option"]))
    fmt = axis_format(kind)
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%Y", labelAngle=0))
    color = alt.Color(
        "option:N",
        title=None,
        scale=option_colors(names),
        sort=names,
        legend=alt.Legend(orient="top", labelLimit=0, columns=min(3, len(names))),
    )
    base = alt.Chart(frame).encode(x=x, color=color)
    tip = [
        alt.Tooltip("option:N", title=tr("option", lang)),
        alt.Tooltip("month:N", title=tr("date", lang)),
        alt.Tooltip("median:Q", title=tr("median", lang), format=fmt),
        alt.Tooltip("p5:Q", title="5 %", format=fmt),
        alt.Tooltip("p95:Q", title="95 %", format=fmt),
    ]
    y = alt.Y("p5:Q", title=y_title, scale=alt.Scale(zero=False), axis=alt.Axis(format=fmt))
    layers: list = history_layers(first, history_end, lang)
    layers.append(base.mark_area(opacity=0.2).encode(y=y, y2="p95:Q"))
    layers.append(base.mark_line(strokeWidth=2).encode(y="median:Q", tooltip=tip))
    if zero_rule:
        layers.append(
            alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#555").encode(y="zero:Q")
        )
    layers += timeline_layers(events, lang, highlight, height)
    chart = alt.layer(*layers).properties(width=width, height=height)
    return finish(chart, title)


def bars(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    x_title: str,
    value_format: str,
    domain: tuple[float, float] | None = None,
    color: str | None = None,
    title: str = "",
    width: int = 420,
) -> alt.TopLevelMixin:
    """Horizontal bars with their value written at the end of each bar."""
    scale = alt.Scale(domain=list(domain)) if domain else alt.Scale()
    base = alt.Chart(data).encode(
        y=alt.Y(f"{y}:N", sort=None, title=None, axis=alt.Axis(labelLimit=260))
    )
    fill = (
        alt.value(color)
        if color
        else alt.condition(f"datum['{x}'] > 0", alt.value("#e15759"), alt.value("#4e79a7"))
    )
    bar = base.mark_bar().encode(
        x=alt.X(f"{x}:Q", title=x_title, scale=scale), color=fill, tooltip=[y, x]
    )
    text = base.mark_text(align="left", dx=3, fontSize=10, color="#222").encode(
        x=alt.X(f"{x}:Q", scale=scale), text=alt.Text(f"{x}:Q", format=value_format)
    )
    chart = (bar + text).properties(width=width, height=max(50, 24 * len(data)))
    return finish(chart, title)


def nice_title(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit else label


def finite(values: Iterable[float]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]
