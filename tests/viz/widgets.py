"""What the app's widgets show, read from the widget tree (shared by the viz tests)."""

from __future__ import annotations

import ipywidgets


def walk(widget, seen=None):
    """Every widget under ``widget`` (children, slots and widget-valued traits)."""
    seen = set() if seen is None else seen
    if id(widget) in seen:
        return
    seen.add(id(widget))
    yield widget
    for name in widget.trait_names():
        if name.startswith("_") or name in ("layout", "style"):
            continue
        value = getattr(widget, name, None)
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if isinstance(item, dict):
                item = item.get("children")
                item = item if isinstance(item, list) else [item]
            else:
                item = [item]
            for child in item:
                if isinstance(child, ipywidgets.Widget):
                    yield from walk(child, seen)


def texts(rc) -> str:
    """Every text a widget shows: text children, labels, values, messages, placeholders
    and list items."""
    out = []
    for w in walk(rc.find(ipywidgets.Widget).widget):
        for child in getattr(w, "children", None) or []:
            if isinstance(child, str):
                out.append(child)
        for name in ("label", "v_model", "messages", "error_messages", "placeholder"):
            value = getattr(w, name, None)
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, list):
                out += [x for x in value if isinstance(x, str)]
        for item in getattr(w, "items", None) or []:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                out.append(item["text"])
    return "\n".join(out)
