"""The shared SVG primitives: escaping, sanitised classes, and one source for both callers."""

from __future__ import annotations

import ast
from pathlib import Path

from golive.reports import charts as svg

HOSTILE = '</text><script>alert(1)</script><g onload="x">'
SRC = Path(svg.__file__).resolve().parents[1]


def test_texts_are_escaped_and_classes_and_ids_sanitised() -> None:
    x = svg.Scale(0.0, 10.0, 50, 500)
    y = svg.make_scale([1.0, 7.0], 200, 10)
    parts = svg.svg_open(HOSTILE, HOSTILE, HOSTILE, width=100, height=100, css=HOSTILE)
    parts += svg.axes(x, y, [(1.0, HOSTILE)], HOSTILE, HOSTILE, y_fmt=lambda _: HOSTILE)
    parts += svg.marks(x, y, [svg.Mark(5.0, HOSTILE, HOSTILE)], [svg.Mark(5.0, HOSTILE, "slo")])
    parts += svg.legend([(HOSTILE, HOSTILE)], left=50, right=500)[0]
    series = svg.Series(HOSTILE, (svg.Point(1, 2, note=HOSTILE), svg.Point(3, 4)), HOSTILE)
    parts += svg.line(series, x, y) + svg.bars(series, x, y) + [svg.area(series, x, y)]
    out = "".join(parts)
    assert "<script>" not in out and "<g " not in out and 'onload="x"' not in out
    assert "&lt;script&gt;" in out
    assert 'class="textscriptalert1scriptg onloadx"' in out
    assert 'id="textscriptalert1scriptg-onloadx"' in out


def test_no_y_label_and_no_desc_when_not_given() -> None:
    x = svg.Scale(0.0, 1.0, 0, 100)
    out = "".join(
        svg.svg_open("c", "t", None, width=10, height=10)
        + svg.axes(x, x, [(0.5, "half")], "along", None)
    )
    assert "<desc" not in out and 'aria-labelledby="c-t"' in out
    assert "rotate(" not in out and ">along<" in out and ">half<" in out


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_report_and_dashboard_charts_draw_with_the_one_public_module() -> None:
    for path in (SRC / "serve" / "charts.py", SRC / "reports" / "_load_charts.py"):
        imported = _imports(path)
        assert "golive.reports.charts" in imported, path
        assert not any(m.startswith("golive.reports._") for m in imported), path
    assert "golive.serve" not in " ".join(_imports(SRC / "reports" / "charts.py"))
