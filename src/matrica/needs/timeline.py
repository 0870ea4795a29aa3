"""The proposal's timeline as a server-rendered SVG: one lane per module, a bar per scheduled
session (its days), months along the top. It scales to the page's width (a viewBox, no
horizontal scroll on a phone); every bar has a title, and the table beside it carries the same
facts for screen readers."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.formats import date_format

from matrica.needs.plans import Proposal

WIDTH = 1000
LABEL = 60  # room for the module code on the left
LANE = 22
BAR = 14
TOP = 24


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    joint: bool
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Lane:
    y: float
    label: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    lanes: list[Lane]
    top: int


def build(proposal: Proposal) -> Timeline | None:
    sessions = proposal.scheduled
    if not sessions:
        return None
    start, end = proposal.request.start, proposal.request.end
    span = max(1, (end - start).days + 1)
    scale = (WIDTH - LABEL) / span

    def x(day: datetime.date) -> float:
        return round(LABEL + (day - start).days * scale, 1)

    codes = sorted({s.module.code for s in sessions})
    row = {code: n for n, code in enumerate(codes)}
    lanes = [Lane(y=TOP + n * LANE + BAR - 2, label=code) for n, code in enumerate(codes)]
    bars = [
        Bar(
            x=x(s.days[0]),
            y=TOP + row[s.module.code] * LANE,
            width=max(2.0, round(len(s.days) * scale, 1)),
            joint=s.joint,
            title=f"{s.module.code} · {s.town} · {date_format(s.days[0], 'SHORT_DATE_FORMAT')}"
            f"–{date_format(s.days[-1], 'SHORT_DATE_FORMAT')} · {s.capacity}",
        )
        for s in sessions
    ]
    ticks = []
    month = start.replace(day=1)
    while month <= end:
        ticks.append(Tick(x=x(max(month, start)), label=date_format(month, "M Y")))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return Timeline(
        width=WIDTH, height=TOP + len(codes) * LANE + 4, bars=bars, ticks=ticks, lanes=lanes,
        top=TOP,
    )  # fmt: skip
