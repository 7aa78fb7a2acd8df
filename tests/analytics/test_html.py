from __future__ import annotations

from reachout.analytics.html import Chart, Section, Table, bar_chart, render_page


def test_chart_escapes_labels_and_scales_bars_to_the_peak() -> None:
    svg = bar_chart(Chart("Reply rate <by day>", {"reply": {"Mon": 0.2, "Fri": 0.1, "Sat": None}}))
    assert "&lt;by day&gt;" in svg
    assert 'width="400.0"' in svg  # the peak fills the plotting span (640 - 170 - 70)
    assert 'width="200.0"' in svg
    assert "n/a" in svg


def test_page_holds_sections_tables_and_charts() -> None:
    page = render_page(
        "Demo",
        [
            Section(
                "Sends",
                "text & more",
                [Chart("c", {"s": {"a": 3}}, percent=False)],
                [Table("t", ["step", "sent"], [["intro", 12]])],
            )
        ],
    )
    assert page.startswith("<!doctype html>")
    assert "text &amp; more" in page
    assert "<td>intro</td><td>12</td>" in page
    assert page.count("<svg") == 1
