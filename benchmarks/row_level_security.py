"""What the row-level security costs: the front-desk and payroll benchmarks, wall off
and wall on, interleaved in one process on one database (issue 9: at most 10 %).

* off: the owner's URL (``MIGRATION_DATABASE_URL``, a superuser: the policies do not
  apply) and no per-transaction ``set_config`` — the app as it was before the wall;
* on: the app's URL (``DATABASE_URL``, ``muzu_app``): the policies and the
  ``set_config`` of app/rls.py.

    DATABASE_URL=postgresql+psycopg://muzu_app@127.0.0.1:5432/muzu_bench \\
    MIGRATION_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/muzu_bench \\
        .venv/bin/python -m benchmarks.row_level_security --rounds 4

Each round runs both, in alternating order (the machine's load and the growing day
of orders then weigh on both alike): ``--actions`` front-desk actions of each kind
and one payroll run.  It prints the medians and bests of each side.  The database
must hold the chain-50 company (benchmarks/README.md); the run writes into it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--actions", type=int, default=60)
    args = parser.parse_args(argv)
    urls = {"off": os.environ.get("MIGRATION_DATABASE_URL"), "on": os.environ.get("DATABASE_URL")}
    if not all(urls.values()):
        print("Set DATABASE_URL (the app's role) and MIGRATION_DATABASE_URL (a superuser).",
              file=sys.stderr)
        return 2
    from app import create_app, rls
    from app.extensions import db
    from benchmarks import front_desk, payroll

    apps, real_init = {}, rls.init_app
    for side, url in urls.items():
        rls.init_app = real_init if side == "on" else (lambda app: None)
        apps[side] = create_app(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_MIGRATION_URI="",
                                REDIS_URL="")
    rls.init_app = real_init

    def quiet(*_args, **_kwargs):
        pass

    desk = {side: {"assign": [], "finish": [], "checkout": []} for side in apps}
    pay = {side: {"raw": [], "run": []} for side in apps}
    for n in range(args.rounds):
        for side in ("off", "on") if n % 2 == 0 else ("on", "off"):
            with apps[side].app_context():
                timings = front_desk.run_benchmark("chain-50", args.actions, echo=quiet)
                for name, seconds in desk[side].items():
                    seconds.extend(timings[name].seconds)
                db.session.remove()
                result = payroll.run_benchmark("chain-50", 1, echo=quiet)
                pay[side]["raw"] += result["raw"]
                pay[side]["run"] += result["runs"]
                db.session.remove()
        print(f"round {n + 1}/{args.rounds} done", flush=True)
    for side in apps:
        medians = ", ".join(f"{name} {statistics.median(s) * 1000:.1f} ms (n={len(s)})"
                            for name, s in desk[side].items())
        print(f"wall {side:<3}  front desk medians: {medians}")
        print(f"wall {side:<3}  payroll run best {min(pay[side]['run']):.3f} s, median "
              f"{statistics.median(pay[side]['run']):.3f} s; raw aggregation best "
              f"{min(pay[side]['raw']):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
