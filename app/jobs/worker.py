"""The RQ worker class used by ``worker.py`` and the tests."""

from __future__ import annotations

from rq import Worker

from app.extensions import db


class MuzuWorker(Worker):
    """An RQ worker whose work horse opens its own database connections.

    After the fork the horse must not reuse pooled connections inherited from
    the parent (two processes on one socket corrupt each other's protocol).
    The signature works on rq 2.x and 3.x (see STACK-NOTES).
    """

    def perform_job(self, job, queue, *args, **kwargs):
        db.engine.dispose(close=False)
        return super().perform_job(job, queue, *args, **kwargs)
