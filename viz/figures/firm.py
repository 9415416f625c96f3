"""The single-firm inspector: one firm followed month by month (size, cash, knowledge,
compute, partners), as small SVG line charts."""

from __future__ import annotations

from html import escape

from viz.figures.lines import Series, line_chart_svg
from viz.figures.palette import fmt_value
from viz.i18n import region_label, tr, trf
from viz.live import FirmState

# attribute -> (i18n key of its label, output kind for the format)
TRACKS = (
    ("employees", "firm_employees", "count"),
    ("cash", "firm_cash", "money"),
    ("knowledge", "firm_knowledge", "number"),
    ("compute_met", "firm_compute", "share"),
    ("partners", "firm_partners", "count"),
)


def firm_header(states: tuple[FirmState, ...], uid: int, names: dict, lang: str) -> str:
    """One line: who the firm is now (or when it left)."""
    alive = [s for s in states if s.alive]
    if not alive:
        return trf("firm_gone", lang, uid=uid)
    now = alive[-1]
    where = names.get(now.region, now.region)
    if now.district:
        where += f" · {names.get('d:' + now.district, now.district)}"
    age = trf("firm_age", lang, years=f"{now.age_months / 12:.1f}")
    text = trf("firm_title", lang, uid=uid, where=where, age=age)
    if not states[-1].alive:
        text += " · " + trf("firm_left", lang, date=states[-1].date)
    return text


def firm_figures(states: tuple[FirmState, ...], lang: str) -> list[tuple[str, str]]:
    """(track, SVG) for each tracked attribute over the months followed."""
    alive = [s for s in states if s.alive]
    if not alive:
        return []
    x = [s.step for s in alive]
    out = []
    for attr, key, kind in TRACKS:
        values = [float(getattr(s, attr)) for s in alive]
        last = fmt_value(values[-1], kind, lang)
        out.append(
            (
                attr,
                line_chart_svg(
                    f"{tr(key, lang)}: {last}",
                    x,
                    [Series(tr(key, lang), "#4e79a7", values)],
                    step=alive[-1].step,
                    x_dates=[s.date for s in alive],
                    chart_id=f"firm-{attr}",
                    y_format=lambda v, kind=kind: fmt_value(v, kind, lang, axis=True),
                    width=250,
                    height=130,
                    legend=False,
                ),
            )
        )
    return out


def firm_panel(states: tuple[FirmState, ...], uid: int, names: dict, lang: str) -> str:
    """The inspector's content: the header and the tracks."""
    head = escape(firm_header(states, uid, names, lang))
    cells = "".join(
        f'<div class="abm-hist-cell firm-{attr}">{svg}</div>'
        for attr, svg in firm_figures(states, lang)
    )
    last = next((s for s in reversed(states) if s.alive), None)
    facts = ""
    if last is not None:
        facts = escape(
            trf(
                "firm_facts",
                lang,
                revenue=fmt_value(last.revenue, "money", lang),
                innovations=fmt_value(last.innovations, "count", lang),
            )
        )
    return (
        f'<div class="abm-note firm-header">{head}</div>'
        + (f'<div class="abm-note firm-facts">{facts}</div>' if facts else "")
        + cells
    )


def place_names(scenario, lang: str) -> dict[str, str]:
    """Region and district names (districts keyed ``d:<id>``) as the inspector writes them."""
    names = {rid: region_label(r.name, r.name_ko, lang) for rid, r in scenario.regions.items()}
    names.update(
        {f"d:{did}": region_label(d.name, d.name_ko, lang) for did, d in scenario.districts.items()}
    )
    return names
