"""Browser fixtures: Debian's Chromium through Playwright, the app served from a thread.

The app runs with CSRF checks on, on a migrated SQLite file with the demo companies loaded by
``app.demo.loader`` and is served by werkzeug on a free port of 127.0.0.1.
Chromium is Debian's ``/usr/bin/chromium`` (never ``playwright install``);
when it is missing the tests skip on a developer machine and fail under CI.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.demo.loader import load_demo
from app.extensions import db

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("MUZU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(items):
    # Every test in this folder drives the browser; under pytest-xdist they share one
    # worker (--dist loadgroup), so Chromium and the demo server start once.
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, pointed at Debian's Chromium."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if IN_CI:
            pytest.fail(f"{message}; it is required under CI=true", pytrace=False)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS,
            "headless": True}


def browser_app(database_url: str):
    """The app a browser test serves: CSRF checked on every form and htmx request,
    as for a user's browser (the test config turns it off for the HTTP tests)."""
    return create_app("test", SQLALCHEMY_DATABASE_URI=database_url, WTF_CSRF_ENABLED=True)


def serve_demo(tmp_path_factory, folder: str = "browser", prepare=None):
    """Yield the base URL of the app on a migrated SQLite file with the demo loaded;
    ``prepare()`` (in the app context, after the demo) adds what a test module needs."""
    from flask_migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp(folder) / 'muzu.sqlite'}"
    app = browser_app(url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        load_demo()
        db.session.commit()
        if prepare is not None:
            prepare()
            db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of the app with the demo loaded, served from a background thread."""
    yield from serve_demo(tmp_path_factory)


@pytest.fixture(autouse=True)
def no_csp_violations(browser, monkeypatch):
    """Fail a browser test when a page it visited broke the Content-Security-Policy
    or threw a script error: a refused script fails silently otherwise."""
    problems: list[str] = []
    new_context = browser.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on("console", lambda message: problems.append(
            f"{message.page.url if message.page else ''}: {message.text}")
            if "Content Security Policy" in message.text else None)
        context.on("weberror", lambda error: problems.append(
            f"{error.page.url if error.page else ''}: {error.error}"))
        return context

    monkeypatch.setattr(browser, "new_context", watched_context)
    yield problems
    assert not problems, "CSP violations or script errors:\n" + "\n".join(problems)


@pytest.fixture
def artifacts() -> Path:
    """Folder for screenshots (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def login(page, live_server):
    """``login(username, company="yuezu")``: log in through the real form."""

    def do(username: str, company: str = "yuezu", password: str = "muzu2026"):
        page.goto(f"{live_server}/login")
        page.fill("#company", company)
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=main-nav]")
        return page

    return do


def pytest_configure(config):
    # pytest-playwright 0.10's own base_url fixture trips a pytest 9 deprecation; not ours.
    config.addinivalue_line(
        "filterwarnings", "ignore:Session-scoped fixtures defined as instance methods"
    )
