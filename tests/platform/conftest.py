"""Platform fixtures: an operator account, logged in through /platform/login."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import enrol_totp_via_page
from tests.jobs.conftest import app  # noqa: F401  (the Redis-backed app for @redis tests)


@pytest.fixture
def platform_login(app, client):  # noqa: F811
    """Create the operator with ``flask platform create-admin`` and log in."""

    def login(username: str = "operator"):
        runner = app.test_cli_runner()
        result = runner.invoke(args=["platform", "create-admin", "--username", username,
                                     "--password", factories.PASSWORD])
        assert result.exit_code == 0, result.output
        response = client.post("/platform/login", data={"username": username,
                                                        "password": factories.PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        # Operators must use TOTP: the first log-in leads to its set-up.
        assert response.location.endswith("/platform/totp")
        enrol_totp_via_page(client, "/platform/totp")
        return response

    return login
