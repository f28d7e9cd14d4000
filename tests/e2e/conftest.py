"""Browser fixtures for the journeys (nurse, consultant, family).

One Chromium per test process (so per xdist worker), a fresh browser context and page per
test (no cookies leak between tests), and ``login(page, user)`` that logs in through the
real form. Screenshots go to ``$CARECOORD_SCREENSHOTS`` when it is set, and a failing test
leaves one there too.

Journey modules mark themselves ``pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]``:
the group keeps every journey on one xdist worker, so a run starts one Chromium, not one per worker.
"""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from apps.accounts.models import User
from tests.conftest import require_service
from tests.e2e.axe import assert_no_serious_axe_violations
from tests.factories import PASSWORD

# Headless Chromium running as root in a container, with nothing phoning home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
VIEWPORT = {"width": 1280, "height": 900}

LoginFn = Callable[..., None]
ScreenshotFn = Callable[[str], Path | None]


def _screenshot_dir() -> Path | None:
    value = os.environ.get("CARECOORD_SCREENSHOTS", "")
    if not value:
        return None
    path = Path(value)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    # Keep each phase's report on the item so the page fixture can tell a failed test at teardown.
    report = yield
    setattr(item, f"_e2e_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    # Playwright's sync API keeps an asyncio event loop marked as running in this thread from
    # start() to stop(), not only during a call. Django then refuses every ORM call (the factories
    # in a journey, and any other test this process runs while the browser is alive) with
    # SynchronousOnlyOperation. Nothing here is async code, so the guard is off for exactly as
    # long as Playwright runs. Subprocesses started meanwhile inherit the variable: a test that
    # runs `manage.py check --deploy` must drop it (async.E001).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        pw = sync_playwright().start()
        yield pw
        pw.stop()


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    require_service(os.path.exists(path), "Chromium (/usr/bin/chromium)")
    browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(
    request: pytest.FixtureRequest, require_chromium: str, browser: Browser, live_server, transactional_db
) -> Iterator[Page]:
    """A page in a fresh context whose relative URLs resolve against the live server."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=VIEWPORT,
        locale="en-GB",
        timezone_id="Europe/London",
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    call_report = getattr(request.node, "_e2e_report_call", None)
    directory = _screenshot_dir()
    if directory is not None and call_report is not None and call_report.failed:
        page.screenshot(path=directory / f"FAILED-{_slug(request.node.name)}.png", full_page=True)
    context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest, page: Page) -> ScreenshotFn:
    """``screenshot("caseload")`` saves ``<test name>--caseload.png``, or does nothing without
    ``CARECOORD_SCREENSHOTS``."""

    def save(step: str) -> Path | None:
        directory = _screenshot_dir()
        if directory is None:
            return None
        path = directory / f"{_slug(request.node.name)}--{_slug(step)}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return save


@pytest.fixture
def login() -> LoginFn:
    """``login(page, user)`` fills in and submits a login form and waits for the response.

    It does not assert where the user lands: a rejected login stays on the form, and the
    test says what it expects. ``path`` picks the form (``/portal/login/`` for families).
    """

    def log_in(page: Page, user: User, *, password: str = PASSWORD, path: str = "/login/") -> None:
        page.goto(path)
        assert_no_serious_axe_violations(page, "login")
        page.get_by_label("Email address", exact=True).fill(user.email)
        page.get_by_label("Password", exact=True).fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()

    return log_in
