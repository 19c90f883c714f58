"""Start an RQ worker (with the scheduler) for Muzu.

    python worker.py            # all queues, with the scheduler
    python worker.py --burst    # run what is queued, then exit
    MUZU_ENV=test python worker.py --burst --url redis://...   # tests: TestConfig has no Redis

The periodic jobs run in a separate process: ``rq cron app/cron.py``
(see README, 'Production').
"""

import argparse
import sys

from rq.serializers import JSONSerializer
from sqlalchemy.orm import configure_mappers

from app import create_app
from app.jobs.queues import get_queue, redis_connection
from app.jobs.worker import MuzuWorker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument("--queues", nargs="*", help="queue names (default: all)")
    parser.add_argument("--url", help="Redis URL (default: the app's REDIS_URL)")
    args = parser.parse_args(argv)

    app = create_app(**({"REDIS_URL": args.url} if args.url else {}))
    if not app.config.get("REDIS_URL"):
        print("REDIS_URL is not set: jobs run inline in the web process, no worker needed.")
        return 1
    # Configure mappers once in the parent so every forked horse starts ready.
    configure_mappers()
    with app.app_context():
        names = args.queues or app.config["RQ_QUEUES"]
        worker = MuzuWorker(
            [get_queue(name) for name in names],
            connection=redis_connection(),
            serializer=JSONSerializer,
        )
        worker.work(burst=args.burst, with_scheduler=not args.burst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
