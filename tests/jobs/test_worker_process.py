"""``python worker.py --burst``: the real entry point, in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.extensions import db
from app.jobs.models import JobRecord
from app.tenancy import tenant_context

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.redis
def test_worker_script_runs_a_queued_job(app, client, auth, company_a, database_url):
    auth.login_as(company_a, "hr_manager")
    response = client.post("/jobs/start")
    job_id = int(response.location.rsplit("/", 1)[1])
    db.session.commit()
    db.session.remove()

    env = {**os.environ, "MUZU_ENV": "test", "TEST_DATABASE_URL": database_url}
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "worker.py", "--burst", "--url", app.config["REDIS_URL"]],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    with tenant_context(company_a.tenant_id):
        record = db.session.get(JobRecord, job_id)
        assert record.status == "finished", (record.error, done.stderr[-2000:])
        assert record.progress == 100
        assert record.result["total"] == 19


def test_worker_script_without_redis_says_jobs_run_inline(database_url):
    env = {**os.environ, "MUZU_ENV": "test", "TEST_DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "inline" in done.stdout
