"""Chart geometry for the overview, drawn as inline SVG by the templates.

Server-side SVG needs no script and no CDN, prints, scales to any width (the SVG has a
``viewBox``), and each bar has a ``<title>`` and a text table beside it, so the figures
read without colour and with a screen reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from expense_sync.services.sync_overview import Day

WIDTH, HEIGHT, AXIS = 960, 220, 24


@dataclass(frozen=True)
class Segment:
    y: float
    height: float
    kind: str  # succeeded | failed | in_progress (a CSS class, with a pattern for failed)
    count: int


@dataclass(frozen=True)
class Column:
    x: float
    width: float
    label: str  # shown under the axis (some days only), always in the title
    label_x: float  # kept inside the chart, so the first and last labels are not cut
    show_label: bool
    minor: bool  # every other shown label, left out on narrow screens
    title: str
    segments: list[Segment]


@dataclass(frozen=True)
class DayChart:
    width: int
    height: int
    axis: int
    top: int
    columns: list[Column]


def day_chart(days: list[Day]) -> DayChart:
    """Stacked columns per day: succeeded, failed, in progress."""
    top = max((d.total for d in days), default=0) or 1
    plot = HEIGHT - AXIS
    step = WIDTH / max(len(days), 1)
    every = max(1, len(days) // 8)
    columns = []
    for index, day in enumerate(days):
        y = float(plot)
        segments = []
        for kind in ("succeeded", "failed", "in_progress"):
            count = getattr(day, kind)
            if count:
                height = plot * count / top
                y -= height
                segments.append(Segment(round(y, 1), round(height, 1), kind, count))
        columns.append(
            Column(
                x=round(index * step + step * 0.15, 1),
                width=round(step * 0.7, 1),
                label=day.day.strftime("%d %b"),
                label_x=round(min(max(index * step + step / 2, 24), WIDTH - 24), 1),
                show_label=index % every == 0,
                minor=(index // every) % 2 == 1,
                title=(
                    f"{day.day:%d %b %Y}: {day.succeeded} succeeded, {day.failed} failed, "
                    f"{day.in_progress} in progress"
                ),
                segments=segments,
            )
        )
    return DayChart(WIDTH, HEIGHT, AXIS, top, columns)


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    width: float  # percent of the longest


def bars(items: list[tuple[str, int]]) -> list[Bar]:
    """Horizontal bars, longest first, as percentages of the longest."""
    top = max((count for _, count in items), default=0) or 1
    return [Bar(label, count, round(100 * count / top, 1)) for label, count in items]
