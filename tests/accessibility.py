"""Accessibility checks for the browser journeys: axe-core, run inside the page under test.

axe-core comes with the PyPI package `axe-playwright-python` (its `axe.min.js`), pinned in the
`dev` extra, so nothing is fetched at test time. Call `assert_accessible(page)` after every
navigation of a journey::

    page.goto(f"{live_server.url}/staff/")
    assert_accessible(page)
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe-core's tags; 2.2 adds only AA rules so far).
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
FAILING_IMPACTS = frozenset({"serious", "critical"})
TARGETS_SHOWN = 5

_axe = Axe()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every WCAG A/AA violation axe-core finds on the page as it is now."""
    page.wait_for_load_state("load")
    # htmx may still be filling the page in (hx-trigger="load"): judge what the user will see.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    results = _axe.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG_AA_TAGS},
            "resultTypes": ["violations"],
        },
    )
    return list(results.response["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        targets = [" ".join(map(str, node["target"])) for node in nodes[:TARGETS_SHOWN]]
        more = f" (and {len(nodes) - TARGETS_SHOWN} more)" if len(nodes) > TARGETS_SHOWN else ""
        lines.append(
            f"- {violation['id']} ({violation['impact']}, {len(nodes)} elements): "
            f"{violation['help']}\n    {violation['helpUrl']}\n"
            + "".join(f"    at {target}\n" for target in targets)
            + (f"    {more.strip()}\n" if more else "")
        )
    return "".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail on any serious or critical WCAG 2.2 A/AA violation axe-core finds on the page."""
    failing = [v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS]
    assert not failing, (
        f"{len(failing)} serious or critical accessibility violation(s) on {page.url}:\n"
        + describe(failing)
    )


def assert_no_horizontal_scroll(page: Page) -> None:
    """The page fits its viewport's width: the body never scrolls sideways (WCAG 1.4.10)."""
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth})"
    )
    if widths["scroll"] > widths["client"]:
        wide = page.evaluate(
            """() => {
              const limit = document.documentElement.clientWidth;
              return [...document.body.querySelectorAll('*')]
                .filter(e => e.getBoundingClientRect().right > limit + 1)
                .filter(e => !e.closest('.table-scroll'))
                .slice(0, 8)
                .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                          + ' → ' + Math.round(e.getBoundingClientRect().right) + 'px');
            }"""
        )
        raise AssertionError(
            f"{page.url} scrolls sideways at {page.viewport_size}: "
            f"{widths['scroll']}px of content in {widths['client']}px; too wide: {wide}"
        )
