"""A real browser for the portal's tests: Debian's Chromium driven by Playwright.

Playwright cannot download its own browsers here; it drives the system
Chromium (``apt-get install chromium``; ``.ci/run`` installs it), found on
the PATH or at ``MOSY_TEST_CHROMIUM``. Accessibility is checked with
axe-core, shipped as ``axe.min.js`` inside the ``axe-playwright-python``
package (MPL-2.0), injected into the page: nothing is fetched at run time.
Screenshots go to ``test-artifacts/screenshots/`` (git-ignored) or to
``MOSY_TEST_ARTIFACTS``.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
from pathlib import Path

from paths import ROOT

ARTIFACTS = Path(os.environ.get("MOSY_TEST_ARTIFACTS", ROOT / "test-artifacts"))
SCREENSHOTS = ARTIFACTS / "screenshots"
#: The WCAG 2.1 AA rules of axe-core (the issue's target), and its best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def chromium_path() -> str:
    """The system Chromium; a clear failure (not a skip) when it is missing."""
    given = os.environ.get("MOSY_TEST_CHROMIUM")
    found = given or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found or not Path(found).exists():
        raise RuntimeError(
            "the browser tests need Debian's Chromium: apt-get install chromium chromium-driver "
            "(or set MOSY_TEST_CHROMIUM to a Chromium executable)"
        )
    return found


def axe_script() -> Path:
    import axe_playwright_python

    return Path(axe_playwright_python.__file__).parent / "axe.min.js"


@functools.cache
def _axe_source() -> str:
    return axe_script().read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 AA violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Through the DevTools protocol: the pages' Content-Security-Policy (rightly)
        # refuses inline scripts, and the test must not weaken it to inject axe.
        session = page.context.new_cdp_session(page)
        session.send("Runtime.evaluate", {"expression": _axe_source()})
        session.detach()
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return result["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
    return "\n".join(lines)


def screenshot_path(test_name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)[:150] + ".png")


def aborted_on_purpose(request) -> bool:
    """A request the browser itself gave up, which no page's fault: a download's
    navigation (ended as aborted once the file is handed over) and the favicon
    fetch dropped when the next page is opened before it came (under load)."""
    if "ERR_ABORTED" not in (request.failure or ""):
        return False
    path = request.url.split("?", 1)[0]
    return request.resource_type == "document" or path.endswith(("/favicon.svg", "/favicon.ico"))
