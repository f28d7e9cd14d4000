"""axe-core in the browser journeys: ``assert_no_serious_axe_violations(page, step)`` at each page.

The axe-core script ships inside the ``axe-playwright-python`` package (pinned in requirements-dev.txt),
so nothing is fetched at test time. Playwright evaluates it through the DevTools protocol, which the
pages' strict CSP does not govern, so the pages need no exception for it. Serious and critical
violations fail the journey; minor and moderate ones are left for review.
"""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

FAILING_IMPACTS = ("serious", "critical")
# WCAG 2.2 A and AA, plus axe's best practices (landmarks, one h1, list structure).
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
}

_axe = Axe()


def serious_axe_violations(page: Page) -> list[str]:
    """Each serious or critical violation on the page as it is now, one line per failing element."""
    results = _axe.run(page, options=AXE_OPTIONS)
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in FAILING_IMPACTS:
            continue
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node.get("target", []))
            found.append(
                f"{violation['id']} ({violation['impact']}): {target}: {node.get('failureSummary', '')}"
            )
    return found


def assert_no_serious_axe_violations(page: Page, step: str = "") -> None:
    found = serious_axe_violations(page)
    where = f"{step} ({page.url})" if step else page.url
    assert not found, f"axe on {where}:\n" + "\n".join(found)
