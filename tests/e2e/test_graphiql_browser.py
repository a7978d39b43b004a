"""A developer opens GraphiQL in a real browser (Debian's headless Chromium), sets the
bearer header, runs a query and follows a run over a subscription: all served offline by
the app itself."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from api.ids import encode_id
from domain.models import Invoice
from tests.billing_helpers import bill, new_run, populate
from tests.factories import Factory
from tests.servers import embedded_app, serve_app

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
# Flags without which Chromium, as root on a machine with no internet, fails or hangs.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,900",
]


def _browser_missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is missing (scripts/install-browser.sh installs it)"
    return None


@pytest.fixture
def browser_ready() -> None:
    missing = _browser_missing()
    if missing is None:
        return
    if os.environ.get("BILLING_REQUIRE_BROWSER") == "1":
        pytest.fail(f"BILLING_REQUIRE_BROWSER=1 but {missing}")
    pytest.skip(missing)


# JavaScript run in the page: GraphiQL's editors are CodeMirror instances.
SET_EDITOR = """
const [where, text] = arguments;
const editor = document.querySelector(where + ' .CodeMirror');
editor.CodeMirror.setValue(text);
"""
HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden)"
QUERY_EDITOR = ".graphiql-query-editor"
TAB_TITLE = "return document.querySelector('.graphiql-session-header').innerText;"
RESPONSE_TEXT = "return document.querySelector('.graphiql-response').innerText;"
RESPONSE_JSON = (
    "return document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue();"
)


def drive_graphiql(base: str, token: str, run_id: str) -> dict[str, str]:
    """Open /graphql, set the header, run a query and a subscription; what the page shows."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    OUTPUT.mkdir(exist_ok=True)
    profile = tempfile.mkdtemp(prefix="graphiql-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    shown: dict[str, str] = {}
    try:
        wait = WebDriverWait(driver, 30)
        driver.get(f"{base}/graphql")
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f"{QUERY_EDITOR} .CodeMirror")))
        wait.until(
            ec.presence_of_element_located((By.CSS_SELECTOR, f"{HEADERS_EDITOR} .CodeMirror"))
        )
        shown["title"] = driver.title
        shown["scripts"] = json.dumps(
            driver.execute_script(
                "return [...document.scripts].map(s => s.src)"
                ".concat([...document.querySelectorAll('link[rel=stylesheet]')].map(l => l.href));"
            )
        )

        # the bearer header, typed into the headers editor
        driver.execute_script(
            SET_EDITOR, HEADERS_EDITOR, json.dumps({"Authorization": f"Bearer {token}"})
        )

        def run(name: str, query: str, expect: str, shot: str) -> str:
            driver.execute_script(SET_EDITOR, QUERY_EDITOR, query)
            # GraphiQL picks the operation name up from the edited query a moment later.
            wait.until(lambda d: name in d.execute_script(TAB_TITLE))
            driver.find_element(By.CSS_SELECTOR, "button.graphiql-execute-button").click()
            wait.until(lambda d: expect in d.execute_script(RESPONSE_TEXT))
            driver.save_screenshot(str(OUTPUT / shot))
            text: str = driver.execute_script(RESPONSE_JSON)
            return text

        shown["query"] = run(
            "Viewer",
            "query Viewer { viewer { email } schools { name } }",
            "@example.org",
            "graphiql-query.png",
        )
        shown["subscription"] = run(
            "Watch",
            "subscription Watch { billingRunUpdated(billingRunId: "
            f'"{run_id}") {{ status studentsBilled }} }}',
            "COMPLETED",
            "graphiql-subscription.png",
        )
    except Exception:
        driver.save_screenshot(str(OUTPUT / "graphiql-failure.png"))
        raise
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return shown


async def test_graphiql_runs_a_query_and_a_subscription_in_chromium(
    browser_ready: None, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an admin whose school has a completed run
    account = await factory.account()
    s = await factory.school(account, name="Browser Test School")
    await populate(factory, s, 3)
    admin = await factory.actor(account)
    async with serve_app(embedded_app(monkeypatch)) as base:
        run = await bill(admin, await new_run(admin, s))
        run_id = encode_id("BillingRun", run.id)
        # when a developer uses GraphiQL in Chromium
        shown: dict[str, Any] = await asyncio.to_thread(drive_graphiql, base, admin.token, run_id)
    # then the page came from this server only, and showed both results
    assert all(src.startswith(f"{base}/static/") for src in json.loads(shown["scripts"]))
    query = json.loads(shown["query"])
    assert query["data"]["viewer"]["email"] == admin.user.email
    assert query["data"]["schools"] == [{"name": "Browser Test School"}]
    subscription = json.loads(shown["subscription"])
    billed = await Invoice.filter(billing_run_id=run.id).count()
    assert billed > 0
    assert subscription["data"]["billingRunUpdated"] == {
        "status": "COMPLETED",
        "studentsBilled": billed,
    }
    assert (OUTPUT / "graphiql-subscription.png").stat().st_size > 0
