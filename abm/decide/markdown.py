"""The results of a decision folder as Markdown, for docs/decisions.md.

    python -m abm.decide.markdown DIR                       # print the section
    python -m abm.decide.markdown DIR --write docs/decisions.md --figures docs/decisions \\
        --note "pre-rework model"

``--write`` replaces the text between ``<!-- decision-results:begin -->`` and
``<!-- decision-results:end -->`` in the file, so the document's prose stays and its
numbers always come from a run (``make decide-sites`` does all of it).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

BEGIN, END = "<!-- decision-results:begin -->", "<!-- decision-results:end -->"
_FIGURES = ("p_best.png", "bands.png", "reference.png", "effects.png", "variance.png", "voi.png")


def _num(x: Any) -> str:
    if x is None:
        return "-"
    x = float(x)
    if abs(x) >= 1e6:
        return f"{x:.3g}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _pct(x: Any) -> str:
    return "-" if x is None else f"{100 * float(x):.0f} %"


def objective_section(o: dict[str, Any]) -> list[str]:
    unit = f" [{o['unit']}]" if o.get("unit") else ""
    lines = [f"#### {o['label']}{unit}, {o['at']} ({o['direction']})", ""]
    if not o.get("options"):
        return [*lines, f"No comparison: {o.get('note', '')}", ""]
    if o["futures_dropped"]:
        lines += [
            f"{o['futures_dropped']} of {o['futures_used'] + o['futures_dropped']} "
            "futures left out (an option has no value there).",
            "",
        ]
    sat = o.get("threshold") is not None
    lines.append(
        "| option | median | 5-95 % | P(best) | expected regret | worst regret |"
        + (f" meets {_num(o['threshold'])} |" if sat else "")
    )
    lines.append("|---|---:|---:|---:|---:|---:|" + ("---:|" if sat else ""))
    for x in o["options"]:
        name = f"**{x['name']}**" if x["name"] == o["leader"] else x["name"]
        lines.append(
            f"| {name} | {_num(x['median'])} | {_num(x['p5'])} to {_num(x['p95'])} | "
            f"{_pct(x['p_best'])} | {_num(x['regret_mean'])} | {_num(x['regret_max'])} |"
            + (f" {_pct(x.get('satisficing'))} |" if sat else "")
        )
    ref = o.get("reference")
    if ref:
        lines += [
            "",
            f"Against {ref['option']} (option minus {ref['option']}, future by future):",
            "",
            "| option | median difference | 5-95 % | better | worse |",
            "|---|---:|---:|---:|---:|",
        ]
        for d in ref["differences"]:
            lines.append(
                f"| {d['option']} | {_num(d['median'])} | {_num(d['p5'])} to "
                f"{_num(d['p95'])} | {_pct(d['p_better'])} | {_pct(d['p_worse'])} |"
            )
    disc = o.get("discovery") or {}
    if disc.get("pairs"):
        lines += [
            "",
            "Where each option of a leading pair wins (PRIM):",
            "",
            "| pair | winner | wins in | box | coverage | density |",
            "|---|---|---:|---|---:|---:|",
        ]
        for pair in disc["pairs"]:
            for b in pair["boxes"]:
                rule = b.get("note") or b["rule"]
                if b.get("meets_density") is False:
                    rule = f"no box reaches density {disc['density_target']:g}; densest: {rule}"
                lines.append(
                    f"| {pair['a']} vs {pair['b']} | {b['winner']} | "
                    f"{_pct(b['base_rate'])} | {rule} | {_num(b['coverage'])} | "
                    f"{_num(b['density'])} |"
                )
    elif disc.get("note"):
        lines += ["", f"Scenario discovery: {disc['note']}."]
    return [*lines, *effects_section(o), *variance_section(o), *voi_section(o), ""]


def effects_section(o: dict[str, Any]) -> list[str]:
    """Every pair's paired difference with intervals and the minimum detectable effect."""
    rows = o.get("effects") or []
    if not rows:
        return []
    state = o.get("stopping")
    lines = ["", f"**Answer:** {state['sentence']}."] if state else []
    target = f" of {_num(o['mde'])}" if o.get("mde") else ""
    lines += [
        "",
        "Effects (a minus b, paired by future; 95 % intervals over parameter draws):",
        "",
        "| pair | mean difference | 95 % interval | P(a better) | minimum detectable effect "
        f"| futures for an MDE{target} |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        mark = "**" if r["significant"] else ""
        lines.append(
            f"| {r['a']} - {r['b']} | {mark}{_num(r['mean'])}{mark} | {_num(r['low'])} to "
            f"{_num(r['high'])} | {_pct(r['p_better'])} ({_pct(r['p_better_low'])} to "
            f"{_pct(r['p_better_high'])}) | {_num(r['mde'])} | "
            f"{_count(r.get('futures_for_mde'))} |"
        )
    return lines


_SHARES = (
    ("seeds", "seeds"),
    ("posterior", "calibrated"),
    ("ranges", "ranges"),
    ("other", "rest"),
)


def variance_section(o: dict[str, Any]) -> list[str]:
    rows = [r for r in o.get("variance") or [] if r.get("variance")]
    if not rows:
        return []
    head = " | ".join(label for _, label in _SHARES)
    lines = [
        "",
        "Where each paired difference's variance comes from (shares):",
        "",
        f"| pair | variance | {head} |",
        "|---|---:|" + "---:|" * len(_SHARES),
    ]
    for r in rows:
        shares = " | ".join(_pct(r.get(key)) for key, _ in _SHARES)
        lines.append(f"| {r['a']} - {r['b']} | {_num(r['variance'])} | {shares} |")
    return lines


def voi_section(o: dict[str, Any]) -> list[str]:
    voi = o.get("value_of_information") or {}
    if not voi.get("rows"):
        return ["", f"Value of information: {voi['note']}."] if voi.get("note") else []
    unit = f" [{o['unit']}]" if o.get("unit") else ""
    lines = [
        "",
        f"Value of information (EVPPI{unit}; noise floor {_num(voi.get('noise_floor'))}):",
        "",
        "| parameter or group | EVPPI |",
        "|---|---:|",
    ]
    for r in voi["rows"]:
        name = r.get("label", r["name"])
        lines.append(
            f"| {'*' + name + '*' if r['kind'] == 'group' else name} | {_num(r['evppi'])} |"
        )
    return lines


def _count(x: Any) -> str:
    return "-" if x is None else f"{int(x):,}"


def header(decision: dict[str, Any], folder: Path) -> list[str]:
    """The agents' scale and, for a sequential decision, its batches, runs and minutes."""
    from abm.decide.population import approximation_note
    from abm.decide.report import sequential_record

    lines = []
    note = approximation_note(decision.get("agents"))
    if note:
        lines += [f"**{note[0].upper()}{note[1:]}.**", ""]
    elif decision.get("agents"):
        lines += [f"One firm agent per real firm ({decision['agents']['real_firms']:,}).", ""]
    record = sequential_record(folder)
    if record:
        why = record.get("stopped") if decision.get("sequential") else None
        lines += [
            f"Runs and time spent: {record['runs']:,} runs in {len(record['batches'])} "
            f"batch{'es' if len(record['batches']) > 1 else ''}, {record['minutes']:.1f} "
            f"minutes{'; stopped: ' + str(why) if why else ''}.",
            "",
        ]
    return lines


def render(decision: dict[str, Any], folder: Path, figures: str | None, note: str) -> str:
    f, runs = decision["futures"], decision["runs"]
    created = ""
    manifest = folder / "sweep" / "manifest.json"
    if manifest.is_file():
        created = json.loads(manifest.read_text()).get("created", "")[:10]
    c = runs["counts"]
    lines = [
        f"*Generated by `python -m abm.decide.markdown` from a run of `{decision['name']}` "
        f"made {created or 'on an unknown date'}{'; ' + note if note else ''}.*",
        "",
        f"{len(decision['options'])} options x {f['count']} futures ({f['uncertainty']}), "
        f"common random numbers, horizon {decision['horizon']}: {runs['recorded']} of "
        f"{runs['total']} runs, {c['ok']} ok, {c['error']} failed, {c['timeout']} timed out.",
        "",
    ]
    lines += header(decision, folder)
    if f["parameters_at_scenario_values"]:
        lines += ["**No posterior and no ranges: parameters at the scenario's values.**", ""]
    lines += [f"* {s}" for s in decision["summary"]] + [""]
    if figures:
        for name in _FIGURES:
            if (folder / "figures" / name).is_file():
                lines += [f"![{name}]({figures}/{name})", ""]
    for o in decision["objectives"]:
        lines += objective_section(o)
    return "\n".join(lines).rstrip() + "\n"


def write_into(document: Path, section: str) -> None:
    text = document.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{document}: no {BEGIN} ... {END} markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    document.write_text(f"{head}{BEGIN}\n{section}{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", type=Path, help="a decision folder (the --out of abm decide)")
    parser.add_argument("--write", type=Path, help="replace the results section of this file")
    parser.add_argument("--figures", type=Path, help="copy the main figures to this folder")
    parser.add_argument("--note", default="", help="a line on how the run was made")
    args = parser.parse_args(argv)
    try:
        decision = json.loads((args.dir / "decision.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"abm: error: {args.dir}: not a finished decision folder ({exc})", file=sys.stderr)
        return 2
    link = None
    if args.figures is not None:
        args.figures.mkdir(parents=True, exist_ok=True)
        for name in _FIGURES:
            if (args.dir / "figures" / name).is_file():
                shutil.copyfile(args.dir / "figures" / name, args.figures / name)
        base = args.write.parent if args.write else Path.cwd()
        link = str(args.figures.resolve().relative_to(base.resolve()))
    section = render(decision, args.dir, link, args.note)
    if args.write:
        write_into(args.write, section)
    else:
        sys.stdout.write(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
