"""Server-rendered SVG charts: no JavaScript, no CDN."""

from __future__ import annotations

from dataclasses import dataclass

from matrica.compliance.selectors import TrendRow


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    points: str
    dots: list[tuple[float, float, str, str]]
    gridlines: list[tuple[float, str]]
    suppressed: int = 0  # quarters left out by disclosure control


def trend_chart(rows: list[TrendRow], width: int = 640, height: int = 200) -> LineChart | None:
    """A line of the share compliant per quarter; suppressed quarters leave a gap in the dots
    and are counted, so that the page can say so. None when there is no trend at all."""
    shown = [(i, row) for i, row in enumerate(rows) if row.compliant.percent is not None]
    suppressed = sum(1 for row in rows if row.compliant.suppressed)
    if not shown:
        return LineChart(width, height, "", [], [], suppressed) if suppressed else None
    pad = 30
    step = (width - 2 * pad) / max(1, len(rows) - 1)

    def y(percent: float) -> float:
        return round(height - pad - (height - 2 * pad) * percent / 100, 1)

    dots = [
        (round(pad + i * step, 1), y(row.compliant.percent or 0), row.quarter_end.isoformat(),
         row.compliant.display)
        for i, row in shown
    ]  # fmt: skip
    return LineChart(
        width=width,
        height=height,
        points=" ".join(f"{x},{yy}" for x, yy, _label, _value in dots),
        dots=dots,
        gridlines=[(y(p), f"{p}%") for p in (0, 25, 50, 75, 100)],
        suppressed=suppressed,
    )
