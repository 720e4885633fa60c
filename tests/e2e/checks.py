"""What every page is checked for: axe-core's WCAG 2.1 A and AA rules, and fitting the screen."""

import os
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
AXE = Axe()


def readable(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f"\n  {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:160]}")
            for line in node.get("failureSummary", "").splitlines():
                lines.append(f"       {line}")
    return "\n".join(lines)


#: axe reads a page's structure, not its words: it runs once per page and viewport, in Dutch
#: at desktop width and in English on a phone. Every test still looks at both languages
#: (the lang attribute, the width, a screenshot).
AXE_LANGUAGE = {"desktop": "nl", "phone": "en"}


def axe_runs_for(language: str, viewport: str) -> bool:
    return AXE_LANGUAGE[viewport] == language


def accessibility_violations(page: Page) -> list[dict]:
    """What axe-core finds wrong on the page, as its `violations` (only those come back:
    the rules that passed would cost more to collect than the run itself)."""
    page.wait_for_load_state("load")
    page.evaluate(AXE.axe_script)
    return page.evaluate(
        "options => axe.run(document, options).then(r => r.violations)", WCAG_21_AA
    )


def scrolls_sideways_by(page: Page) -> int:
    # After a click the new page's text may be there before its stylesheet is: measure the
    # page as it will be, not unstyled.
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def screenshot(page: Page, name: str) -> None:
    """A full-page picture in artifacts/ (git-ignored), to look at by eye: taken when
    SYMPOSIUM_SCREENSHOTS=1 (`make screenshots`), since nothing checks it."""
    if os.environ.get("SYMPOSIUM_SCREENSHOTS") != "1":
        return
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
