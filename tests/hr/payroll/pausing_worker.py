"""``worker.py`` whose payroll job stops once its payslips are written, before the
job's transaction commits, so that a test can kill the work horse at that worst
moment.  The product has no such hook: this wrapper puts one around the job.

    python tests/hr/payroll/pausing_worker.py PID_FILE [worker.py arguments...]

The work horse writes its pid to PID_FILE and sleeps; the test SIGKILLs it.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

import worker  # noqa: E402
from app import jobs  # noqa: E402

PAYROLL_JOB = "payroll.run"


def pause_after(func, pid_file: Path):
    @functools.wraps(func)
    def paused(ctx, **params):
        result = func(ctx, **params)  # payslips written, not committed
        pid_file.write_text(str(os.getpid()))
        time.sleep(600)
        return result

    return paused


def main() -> int:
    pid_file, argv = Path(sys.argv[1]), sys.argv[2:]
    build = worker.create_app

    def create_app(*args, **kwargs):
        app = build(*args, **kwargs)  # the job registry is complete from here on
        spec = jobs.REGISTRY[PAYROLL_JOB]
        jobs.REGISTRY[PAYROLL_JOB] = dataclasses.replace(
            spec, func=pause_after(spec.func, pid_file))
        return app

    worker.create_app = create_app
    return worker.main(argv)


if __name__ == "__main__":
    sys.exit(main())
