"""Configuration file for ``rq cron``: registers every job of ``app.schedule``.

    rq cron app/cron.py --url "$REDIS_URL"

Fan-out jobs run as they are; per-tenant jobs are started once for every
active tenant, each in its own tenant scope, through ``app.jobs.enqueue``.
"""

import rq.cron
from rq import Queue
from rq.serializers import JSONSerializer

from app.jobs.periodic import run_periodic
from app.schedule import PERIODIC


class _JSONQueue(Queue):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("serializer", JSONSerializer)
        super().__init__(*args, **kwargs)


# rq 3.0's CronJob.enqueue builds a plain Queue (pickle serializer) and takes no
# serializer option; our workers read JSON only, so the cron process uses a
# JSON queue.  Checked by tests/jobs/test_cron.py.
rq.cron.Queue = _JSONQueue

for periodic in PERIODIC:
    rq.cron.register(
        run_periodic,
        queue_name=periodic.queue,
        kwargs={"kind": periodic.kind},
        cron=periodic.cron,
        name=periodic.kind,
    )
