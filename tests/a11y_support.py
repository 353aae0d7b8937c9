"""Accessibility test helpers: axe-core over a settled page, and keyboard-only navigation.

axe-core comes inside the `axe-playwright-python` package (its axe.min.js is injected into the page by
Playwright, which no Content-Security-Policy blocks), so nothing is fetched at run time.

    python -m tests.a11y_support http://127.0.0.1:8050   # every audited state of a running app, all impacts
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

from tests.e2e_support import MAP_READY

AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
BLOCKING = ("serious", "critical")
# The focused element; `name` is its accessible name as far as aria-labelledby / aria-label / text give it.
ACTIVE = """() => { const e = document.activeElement; if (!e) return null;
  const by = (e.getAttribute('aria-labelledby') || '').split(' ').map(id => document.getElementById(id))
    .filter(Boolean).map(l => l.innerText.trim()).join(' ');
  return {id: e.id, tag: e.tagName, cls: String(e.className || ''), role: e.getAttribute('role'),
          text: (e.getAttribute('aria-label') || e.innerText || e.value || '').trim().slice(0, 200),
          name: (by || e.getAttribute('aria-label') || e.innerText || '').trim().slice(0, 200)}; }"""


@dataclass(frozen=True)
class State:
    """One page state axe audits: a URL, what shows it has settled, and keys pressed first (keyboard only)."""

    name: str
    path: str
    ready: str = "networkidle"   # 'map' (the explore map painted), 'networkidle' or a CSS selector
    keys: tuple[str, ...] = ()   # e.g. ('focus:#explore-show-as input[value=table]', 'Space')
    viewport: tuple[int, int] = (1440, 900)


def axe_violations(tab, tags=AXE_TAGS) -> list[dict]:
    """axe-core's violations on the page as it is now: rule, impact, node count and the first targets."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(tab, options={"runOnly": {"type": "tag", "values": list(tags)},
                                      "resultTypes": ["violations"]})
    return [{"rule": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]),
             "targets": [node["target"] for node in v["nodes"][:5]], "help": v["help"]}
            for v in results.response["violations"]]


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def settle(tab, state: State) -> None:
    """Until the page has drawn what the state shows (then a moment for late callbacks)."""
    if state.ready == "map":
        tab.wait_for_function(MAP_READY, timeout=60_000)
    elif state.ready == "networkidle":
        tab.wait_for_load_state("networkidle")
    else:
        tab.wait_for_selector(state.ready, timeout=30_000)
    for key in state.keys:
        if key.startswith("focus:"):
            tab.focus(key[len("focus:"):])
        elif key.startswith("wait:"):
            tab.wait_for_selector(key[len("wait:"):], timeout=30_000)
        else:
            tab.keyboard.press(key)
    tab.wait_for_load_state("networkidle")
    tab.wait_for_timeout(800)


def active(tab) -> dict:
    return tab.evaluate(ACTIVE)


def tab_to(tab, selector: str, limit: int = 80, key: str = "Tab") -> dict:
    """Press Tab (or `key`) until the focused element matches `selector`; fails after `limit` presses."""
    for _ in range(limit):
        tab.keyboard.press(key)
        if tab.evaluate("(selector) => !!document.activeElement && document.activeElement.matches(selector)",
                        selector):
            return active(tab)
    raise AssertionError(f"{selector} not reached with {limit} x {key}; focus is on {active(tab)}")


FOCUSED_OPTION = """() => { const e = document.activeElement;
  const option = e && e.closest('[role=listbox]') && (e.closest('[role=option], label') || e);
  return option ? option.innerText.trim() : null; }"""


def choose_option(tab, option_text: str, limit: int = 30) -> None:
    """In a Dash dropdown just opened, arrow down to the option named `option_text` and press Enter (waiting for
    the list to take focus first, and for each arrow to move it, so a busy machine cannot outrun it)."""
    tab.wait_for_function(f"() => ({FOCUSED_OPTION})() !== null", timeout=15_000)
    for _ in range(limit):
        focused = tab.evaluate(FOCUSED_OPTION)
        if focused == option_text:
            tab.keyboard.press("Enter")
            return
        tab.keyboard.press("ArrowDown")
        tab.wait_for_function(f"(before) => ({FOCUSED_OPTION})() !== before", arg=focused, timeout=5_000)
    raise AssertionError(f"option {option_text!r} not reached; focus is on {active(tab)}")


def audit(url: str, states) -> None:
    """Print every violation (all impacts) of each state: the numbers reported before and after a change."""
    from playwright.sync_api import sync_playwright

    from tests.e2e_support import CHROMIUM, CHROMIUM_ARGS
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for state in states:
            context = browser.new_context(viewport=dict(zip(("width", "height"), state.viewport, strict=True)))
            tab = context.new_page()
            try:
                tab.goto(url + state.path)
                settle(tab, state)
            except Exception as exc:  # noqa: BLE001 - an older app may lack a state: say so and go on
                print(f"{state.name}: not shown ({exc.__class__.__name__})", flush=True)
                context.close()
                continue
            found = axe_violations(tab)
            rules = ", ".join(f"{v['rule']} ({v['impact']}) {v['nodes']}" for v in found) or "none"
            print(f"{state.name}: {sum(v['nodes'] for v in found)} nodes, "
                  f"{sum(v['nodes'] for v in blocking(found))} serious/critical: {rules}", flush=True)
            context.close()
        browser.close()


if __name__ == "__main__":
    from tests.test_e2e_a11y import STATES
    audit(sys.argv[1].rstrip("/"), STATES)
