"""Figures as SVG text: pure functions of plain data, cheap to rebuild every step.

Why SVG strings and not Altair for the live view: measured in Chromium on this project's
2-core machine, six Altair line charts cost ~180-220 ms to build on the server and
~450 ms from click to last repaint; the same six charts as SVG text cost ~25 ms and
~60-100 ms. The 300 ms step budget leaves room only for the latter. The comparison and
sweep views, which do not redraw every step, use Altair.
"""
