"""`datasette/templates/dashboard_*.html` are datasette-dashboards' own templates with exactly two
changes (issue 20, item 5): the text-only chart renderers included after its script, and the
query string written as JSON. If the plugin's templates change (an upgrade), this fails, so the
copies are taken again rather than drifting.
"""

from __future__ import annotations

from pathlib import Path

import datasette_dashboards
import pytest

OURS = Path(__file__).resolve().parents[1] / "datasette" / "templates"
THEIRS = Path(datasette_dashboards.__file__).resolve().parent / "templates"
SCRIPT = "  <script src=\"{{ urls.static_plugins('datasette_dashboards', 'dashboards.js') }}\">" \
         "</script>\n"


@pytest.mark.parametrize("name", ["dashboard_view.html", "dashboard_chart.html"])
def test_the_copies_differ_from_the_plugin_only_where_they_must(name: str) -> None:
    theirs = (THEIRS / name).read_text(encoding="utf-8")
    ours = (OURS / name).read_text(encoding="utf-8")
    header, body = ours.split("-#}\n", 1)
    assert header.startswith("{#- datasette-dashboards 0.8.0's template")
    assert body == theirs.replace(SCRIPT, SCRIPT + '  {% include "_lps_safe_charts.html" %}\n'
                                  ).replace("'{{ query_string|safe }}'",
                                            "{{ query_string|tojson }}")
    script = (OURS / "_lps_safe_charts.html").read_text(encoding="utf-8").split("<script", 1)[1]
    assert "innerHTML" not in script
