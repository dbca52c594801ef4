"""The overview's chart geometry and the sign-in redirect guard (pure functions)."""

from __future__ import annotations

from datetime import date, timedelta

from expense_sync.services.sync_overview import Day
from expense_sync.web.dashboard.charts import HEIGHT, WIDTH, bars, day_chart
from expense_sync.web.dashboard.session import safe_next


def test_columns_stack_in_proportion_to_the_busiest_day() -> None:
    start = date(2026, 11, 1)
    days = [Day(start, succeeded=6, failed=2), Day(start + timedelta(1)), Day(start, in_progress=4)]
    chart = day_chart(days)
    busiest, empty, running = chart.columns
    plot = HEIGHT - chart.axis
    assert [s.kind for s in busiest.segments] == ["succeeded", "failed"]
    assert [s.height for s in busiest.segments] == [plot * 6 / 8, plot * 2 / 8]
    assert busiest.segments[1].y + busiest.segments[1].height == busiest.segments[0].y
    assert empty.segments == [] and "0 succeeded, 0 failed" in empty.title
    assert running.segments[0].height == plot / 2
    assert all(0 <= c.label_x <= WIDTH and c.x + c.width <= WIDTH for c in chart.columns)


def test_bars_are_shares_of_the_longest() -> None:
    assert [(b.label, b.width) for b in bars([("5130", 8), ("4000", 2)])] == [
        ("5130", 100.0),
        ("4000", 25.0),
    ]
    assert bars([]) == []


def test_sign_in_returns_only_to_dashboard_pages() -> None:
    assert safe_next("/health/syncs?q=acme") == "/health/syncs?q=acme"
    for elsewhere in ("https://evil.example/", "//evil.example", "/companies", "", None,
                      "/health\\..\\x"):  # fmt: skip
        assert safe_next(elsewhere) == "/health", elsewhere
