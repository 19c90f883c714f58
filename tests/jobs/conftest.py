"""A Redis-backed app for tests marked ``redis``; helpers to run a real RQ worker.

A test marked ``@pytest.mark.redis`` gets, as ``app``, an app created with
``REDIS_URL`` pointing at the real test Redis (the ``redis_url`` fixture, which
fails under CI when Redis is missing).  ``company_a``, ``client`` and the other
fixtures built on ``app`` then use it too.  Unmarked tests keep the inline app.
"""

from __future__ import annotations

import json

import pytest
from redis import Redis
from rq.serializers import JSONSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.extensions import db
from app.jobs import runner
from app.jobs.models import JobRecord
from app.jobs.queues import get_queue, redis_connection
from app.jobs.worker import MuzuWorker
from tests.conftest import fresh_app_context

PROGRESS_KEY = "muzu-test:progress"


@pytest.fixture
def app(app, request):
    if request.node.get_closest_marker("redis") is None:
        yield app
        return
    request.getfixturevalue("redis_url")  # fails under CI when Redis is down; empties it
    redis_app = request.getfixturevalue("redis_session_app")
    yield from fresh_app_context(redis_app)


def run_worker(app, queues=None) -> None:
    """Run a real forking RQ worker (JSON serializer) until the queues are empty.

    The test's session is closed first: the work horse is a fork of this process
    and must not inherit a connection in use (MuzuWorker disposes the pool).
    """
    db.session.commit()
    db.session.remove()
    names = queues or app.config["RQ_QUEUES"]
    worker = MuzuWorker([get_queue(name) for name in names], connection=redis_connection(),
                        serializer=JSONSerializer)
    worker.work(burst=True)


@pytest.fixture
def progress_log(app, monkeypatch):
    """Records, from inside the work horse, the progress committed for other readers.

    After each progress write of a live job, a separate connection reads the
    record back, so what is logged is what the Jobs page could see at that moment.
    Returns a function giving the logged ``{"progress", "message"}`` entries.
    """
    original = runner._write_apart
    redis_url = app.config["REDIS_URL"]

    def spy(record_id: int, values: dict) -> None:
        original(record_id, values)
        if "progress" not in values:
            return
        with Session(db.engine) as session:
            seen = session.execute(
                select(JobRecord.progress, JobRecord.message, JobRecord.status)
                .where(JobRecord.id == record_id)
            ).one()
        Redis.from_url(redis_url).rpush(PROGRESS_KEY, json.dumps(
            {"progress": seen.progress, "message": seen.message, "status": seen.status}))

    monkeypatch.setattr(runner, "_write_apart", spy)

    def entries() -> list[dict]:
        return [json.loads(raw) for raw in redis_connection().lrange(PROGRESS_KEY, 0, -1)]

    return entries
