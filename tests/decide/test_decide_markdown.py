"""The Markdown export (``python -m abm.decide.markdown``) writes user text as text: an
objective's label, the decision's note and every other text from a spec cannot add HTML,
table cells or headings to docs/decisions.md (issue 24, defect 7)."""

from __future__ import annotations

from decide_helpers import PLANTED_SPEC, write_spec

from abm.decide import load_decision, run_decision
from abm.decide.markdown import BEGIN, END, main

HOSTILE = "<img src=x onerror=alert(1)> jobs | *all* [x](javascript:y) & `code`"


def test_labels_and_notes_are_escaped(tmp_path):
    text = PLANTED_SPEC.replace(
        'name = "planted"\noutput = "planted"',
        f'name = "planted"\noutput = "planted"\nlabel = "{HOSTILE}\\n# injected heading"',
    )
    assert HOSTILE in text
    spec = load_decision(write_spec(tmp_path, text))
    out = tmp_path / "out"
    run_decision(spec, out, workers=1, progress=False)
    doc = tmp_path / "decisions.md"
    doc.write_text(f"# Decisions\n\n{BEGIN}\n{END}\n", encoding="utf-8")
    assert main([str(out), "--write", str(doc), "--note", "made <b>here</b> | *now*"]) == 0
    written = doc.read_text(encoding="utf-8")
    assert "<img" not in written and "<b>" not in written  # no raw HTML
    assert "&lt;img src=x onerror=alert(1)&gt;" in written or "&lt;img src=x" in written
    assert "# injected heading" not in written.replace("\\# injected", "")
    assert not any(line.startswith("# injected") for line in written.splitlines())
    # a label's "|" is no new table cell: every row of a table has its header's cells
    header = None
    for line in written.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = line.replace("\\|", "").count("|")
        header = cells if header is None else header
        assert cells == header, line
    assert "\\*all\\*" in written and "\\[x\\]" in written and "\\|" in written
