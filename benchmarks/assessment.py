"""Skill-assessment benchmark: one month's 技能评定 run of a scale company, against one
SQL aggregation of the same inputs.

Against the database in ``DATABASE_URL`` (PostgreSQL for the real figures; ``--scale
small`` on SQLite as a smoke run):

    DATABASE_URL=postgresql+psycopg://muzu_app@127.0.0.1:5432/muzu_bench \\
        .venv/bin/python -m benchmarks.assessment --scale chain-50

It builds the scale company if it is missing (``flask demo load --scale chain-50``: 50
stores, 1,000 therapists, 90 days of jobs and guest ratings; app/demo/), gives every
qualification a practical exam within the validity window and a few substantiated
complaints (once), sets the spec's level thresholds where a level has none, then for the
previous calendar month:

* **raw aggregation**: ONE SQL statement (``AGGREGATION`` below) giving, per therapist,
  completed / requested / returned jobs of the month's business days, the count and
  sum of their ratings, the latest valid exam per qualified item averaged, and the
  substantiated complaints — what the run reads, without any rule applied.  Best of
  ``--repeats``.
* **assessment run**: ``start_assessment_run`` (committed, not timed), then the job as a
  worker runs it (app/jobs/runner.py, inline: load, compute, replace the unconfirmed
  rows, commit with the job's status), timed end to end, ``--repeats`` times (each a
  rerun of the month).  Every SQL statement is counted.
* **statements flat**: the statements of ``compute_run`` for one store's run (20
  therapists) and the company's (1,000), each rolled back — equal when the count does
  not grow with the number of therapists.

Targets (issue 11): run < 10 s and ≤ 3× the aggregation, statements flat.  It writes
assessment runs of that month into the database it measures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

from benchmarks.payroll import StatementCounter, _timed

AGGREGATION = """
SELECT e.id,
       COALESCE(j.completed, 0), COALESCE(j.requested, 0), COALESCE(j.returns, 0),
       COALESCE(r.n, 0), COALESCE(r.total, 0), x.exam, COALESCE(c.n, 0)
FROM employees e
JOIN positions p ON p.id = e.position_id AND p.tenant_id = e.tenant_id
LEFT JOIN (
    SELECT sj.therapist_id,
           SUM(CASE WHEN sj.status = 'finished' THEN 1 ELSE 0 END) AS completed,
           SUM(CASE WHEN sj.status = 'finished' AND sj.job_type = 'requested' THEN 1 ELSE 0
               END) AS requested,
           SUM(CASE WHEN sj.status = 'returned' THEN 1 ELSE 0 END) AS returns
    FROM service_jobs sj
    JOIN business_days bd ON bd.id = sj.business_day_id
    WHERE sj.tenant_id = :tenant AND bd.business_date BETWEEN :first AND :last
      AND sj.status IN ('finished', 'returned')
    GROUP BY sj.therapist_id) j ON j.therapist_id = e.id
LEFT JOIN (
    SELECT sj.therapist_id, COUNT(f.id) AS n, SUM(f.rating) AS total
    FROM feedback f
    JOIN service_jobs sj ON sj.id = f.job_id
    JOIN business_days bd ON bd.id = sj.business_day_id
    WHERE f.tenant_id = :tenant AND sj.status = 'finished'
      AND bd.business_date BETWEEN :first AND :last
    GROUP BY sj.therapist_id) r ON r.therapist_id = e.id
LEFT JOIN (
    SELECT employee_id, AVG(score) AS exam FROM (
        SELECT pe.employee_id, pe.score,
               ROW_NUMBER() OVER (PARTITION BY pe.employee_id, pe.service_item_id
                                  ORDER BY pe.examined_on DESC, pe.id DESC) AS n
        FROM practical_exams pe
        JOIN therapist_qualifications q ON q.employee_id = pe.employee_id
             AND q.service_item_id = pe.service_item_id
        WHERE pe.tenant_id = :tenant AND pe.examined_on BETWEEN :exam_first AND :last
    ) latest
    WHERE n = 1
    GROUP BY employee_id) x ON x.employee_id = e.id
LEFT JOIN (
    SELECT ci.therapist_id, COUNT(*) AS n
    FROM complaint_investigations ci
    JOIN complaint_cases cc ON cc.id = ci.complaint_id
    WHERE ci.tenant_id = :tenant AND ci.status = 'concluded' AND ci.substantiated = :yes
      AND cc.created_at >= :since AND cc.created_at < :until
    GROUP BY ci.therapist_id) c ON c.therapist_id = e.id
WHERE e.tenant_id = :tenant AND p.role = 'therapist'
  AND e.status IN ('probation', 'active', 'offboarding')
  AND (e.hire_date IS NULL OR e.hire_date <= :last)
"""

THRESHOLDS = ("0", "70", "80", "90")


def _prepare(first, last, echo) -> None:
    """Exams for every qualification and a few complaints (once); level thresholds."""
    import random
    from datetime import UTC, datetime, time, timedelta
    from decimal import Decimal

    from sqlalchemy import func, insert, select

    from app.blueprints.store.models import ComplaintCase, ServiceJob, TherapistQualification
    from app.blueprints.technical.models import ComplaintInvestigation, PracticalExam
    from app.extensions import db
    from app.models import Employee, TherapistLevel
    from app.tenancy import current_tenant_id

    tenant_id = current_tenant_id()
    levels = db.session.scalars(select(TherapistLevel).order_by(TherapistLevel.rank)).all()
    for level, threshold in zip(levels, THRESHOLDS, strict=False):
        if level.assessment_threshold is None:
            level.assessment_threshold = Decimal(threshold)
    if db.session.scalar(select(func.count(PracticalExam.id))):
        db.session.commit()
        return
    rng = random.Random(11)
    qualified = db.session.execute(
        select(TherapistQualification.employee_id, TherapistQualification.service_item_id,
               Employee.store_id).join(Employee, Employee.id == TherapistQualification.employee_id)
    ).all()
    rows = []
    for employee_id, item_id, store_id in qualified:
        for back in (150, 20):  # an older exam and the latest one
            score = Decimal(rng.randint(55, 99))
            rows.append({"tenant_id": tenant_id, "employee_id": employee_id,
                         "service_item_id": item_id, "store_id": store_id, "kind": "regular",
                         "examined_on": last - timedelta(days=back), "scores": [],
                         "score": score, "pass_score": Decimal("60"), "passed": score >= 60,
                         "note": ""})
    db.session.execute(insert(PracticalExam), rows)
    jobs = db.session.execute(
        select(ServiceJob.therapist_id, ServiceJob.store_id, ServiceJob.order_id)
        .where(ServiceJob.status == "finished").limit(300)).all()
    for therapist_id, store_id, order_id in jobs[::3]:
        opened = datetime.combine(first + timedelta(days=rng.randint(0, 20)), time(12),
                                  tzinfo=UTC)
        case = ComplaintCase(store_id=store_id, order_id=order_id, therapist_id=therapist_id,
                             description="手法太重", status="closed", created_at=opened)
        db.session.add(case)
        db.session.flush()
        db.session.add(ComplaintInvestigation(complaint_id=case.id, store_id=store_id,
                                              therapist_id=therapist_id, substantiated=True,
                                              status="concluded"))
    db.session.commit()
    echo(f"Prepared {len(rows)} exams and {len(jobs[::3])} substantiated complaints.")


LEAN = {"code": "assess50", "stores": 50, "therapists_per_store": 20, "days": 90,
        "jobs_per_day": 3}


def build_lean(echo=print, **overrides) -> int:
    """``--lean``: a company of 50 stores and 1,000 therapists with 90 days of finished
    (some requested, some returned) jobs and guest ratings only — what the assessment
    reads — bulk inserted in minutes (the full chain-50 demo takes far longer on a
    loaded machine).  Returns the tenant id; commits."""
    import random
    import time as clock
    from datetime import UTC, date, datetime, time, timedelta
    from decimal import Decimal

    from sqlalchemy import select

    from app.blueprints.store.models import (
        BusinessDay,
        Feedback,
        Order,
        OrderLine,
        ServiceItem,
        ServiceJob,
        TherapistQualification,
    )
    from app.demo.rows import bulk_insert
    from app.extensions import db
    from app.models import Employee, Position, Store, TherapistLevel
    from app.tenancy import tenant_context
    from app.tenants import create_company, find_tenant_by_code

    spec = {**LEAN, **overrides}
    found = find_tenant_by_code(spec["code"])
    if found is not None:
        return found.id
    started = clock.perf_counter()
    rng = random.Random(2026)
    tenant_id = create_company(spec["code"], "评定压测连锁", "owner", "bench-password-1",
                               owner_name="老板").tenant.id
    with tenant_context(tenant_id):
        stores = [Store(code=f"A{n:02d}", name=f"压测{n}号店", city="广州", address="天河路",
                        status="open") for n in range(1, spec["stores"] + 1)]
        levels = [TherapistLevel(name=name, commission_multiplier=Decimal(m), rank=r,
                                 assessment_threshold=Decimal(t))
                  for name, m, r, t in (("初级", "1.0", 1, "0"), ("中级", "1.1", 2, "70"),
                                        ("高级", "1.2", 3, "80"), ("金牌", "1.3", 4, "90"))]
        items = [ServiceItem(code=f"X{n}", name=f"项目{n}", price=Decimal("128.00"),
                             exam_pass_score=Decimal("60")) for n in range(1, 4)]
        db.session.add_all(stores + levels + items)
        db.session.flush()
        position_id = db.session.scalar(select(Position.id).where(Position.role == "therapist"))
        today = datetime.now(UTC).date()
        first_day = today - timedelta(days=spec["days"])
        therapists = bulk_insert(Employee, [
            {"tenant_id": tenant_id, "employee_no": f"{s.code}{t:02d}", "name": f"技师{s.code}{t}",
             "gender": "female", "phone": "", "store_id": s.id, "position_id": position_id,
             "status": "active", "hire_date": date(2025, 1, 1),
             "level_id": levels[rng.randrange(4)].id}
            for s in stores for t in range(1, spec["therapists_per_store"] + 1)],
            returning=True)
        store_of = {tid: stores[n // spec["therapists_per_store"]].id
                    for n, tid in enumerate(therapists)}
        bulk_insert(TherapistQualification, [
            {"tenant_id": tenant_id, "employee_id": t, "service_item_id": item.id}
            for t in therapists for item in items[:2]])
        days = [first_day + timedelta(days=n) for n in range(spec["days"] + 1)]
        day_ids = bulk_insert(BusinessDay, [
            {"tenant_id": tenant_id, "store_id": s.id, "business_date": d}
            for s in stores for d in days], returning=True)
        day_id = dict(zip(((s.id, d) for s in stores for d in days), day_ids, strict=True))
        db.session.commit()
        echo(f"  {len(stores)} stores, {len(therapists)} therapists, {len(days)} days")
        for chunk in range(0, len(days), 10):
            orders, meta = [], []
            for d in days[chunk:chunk + 10]:
                seq: dict[int, int] = {}
                for t in therapists:
                    for k in range(spec["jobs_per_day"]):
                        store_id = store_of[t]
                        seq[store_id] = seq.get(store_id, 0) + 1
                        opened = datetime.combine(d, time(4 + k, 0), tzinfo=UTC)
                        orders.append({"tenant_id": tenant_id, "store_id": store_id,
                                       "business_day_id": day_id[(store_id, d)],
                                       "seq": seq[store_id], "status": "paid",
                                       "opened_at": opened,
                                       "closed_at": opened + timedelta(hours=1),
                                       "subtotal": Decimal("128.00"),
                                       "total": Decimal("128.00")})
                        roll = rng.random()
                        meta.append((t, "returned" if roll < 0.01 else "finished",
                                     "requested" if rng.random() < 0.3 else "rotation",
                                     rng.choice((5, 5, 5, 4, 4, 3)) if roll > 0.4 else None))
            order_ids = bulk_insert(Order, orders, returning=True)
            line_ids = bulk_insert(OrderLine, [
                {"tenant_id": tenant_id, "order_id": oid, "store_id": o["store_id"],
                 "kind": "service", "service_item_id": items[0].id, "name": items[0].name,
                 "unit_price": Decimal("128.00"), "amount": Decimal("128.00"),
                 "created_at": o["opened_at"]}
                for oid, o in zip(order_ids, orders, strict=True)], returning=True)
            job_ids = bulk_insert(ServiceJob, [
                {"tenant_id": tenant_id, "store_id": o["store_id"],
                 "business_day_id": o["business_day_id"], "order_id": oid,
                 "order_line_id": lid, "therapist_id": t, "job_type": kind, "status": status,
                 "started_at": o["opened_at"], "planned_end_at": o["closed_at"],
                 "ended_at": o["closed_at"]}
                for oid, lid, o, (t, status, kind, _r) in zip(order_ids, line_ids, orders, meta,
                                                               strict=True)], returning=True)
            bulk_insert(Feedback, [
                {"tenant_id": tenant_id, "store_id": o["store_id"], "order_id": oid,
                 "job_id": jid, "therapist_id": t, "rating": rating,
                 "created_at": o["closed_at"]}
                for oid, jid, o, (t, status, _k, rating) in zip(order_ids, job_ids, orders, meta,
                                                                 strict=True)
                if rating is not None and status == "finished"])
            db.session.commit()
            echo(f"  days {chunk + 1}–{min(chunk + 10, len(days))}: {len(orders)} jobs")
    echo(f"Built {spec['code']} in {clock.perf_counter() - started:.1f} s.")
    return tenant_id


def run_benchmark(scale: str = "chain-50", repeats: int = 3, echo=print,
                  lean: bool = False) -> dict:
    """Run inside an app context (jobs inline); prints and returns the figures."""
    from datetime import timedelta

    from sqlalchemy import func, select, text

    from app.blueprints.store.days import today_for_store
    from app.blueprints.store.models import BusinessDay, Feedback, ServiceJob
    from app.blueprints.technical import assessment
    from app.blueprints.technical.models import AssessmentRun
    from app.blueprints.technical.settings import technical_settings
    from app.demo.scale import SCALES, build_scale
    from app.extensions import db
    from app.jobs import dispatch_committed_jobs
    from app.jobs.models import JobRecord
    from app.models import Store
    from app.tenancy import tenant_context
    from app.tenants import find_tenant_by_code

    if lean:
        tenant_id = build_lean(echo)
        code = LEAN["code"]
    else:
        spec = SCALES[scale]
        code = spec.code
        tenant = find_tenant_by_code(spec.code)
        if tenant is None:
            echo(f"Building scale {scale} first …")
            build_scale(scale, echo=echo)
            tenant = find_tenant_by_code(spec.code)
        tenant_id = tenant.id
    with tenant_context(tenant_id):
        first, last = assessment.previous_month(today_for_store())
        _prepare(first, last, echo)
        since, until = assessment._day_window(first, last)
        exam_first = last - timedelta(days=technical_settings().exam_validity_days - 1)
        in_month = (BusinessDay.business_date >= first) & (BusinessDay.business_date <= last)
        jobs = db.session.scalar(select(func.count(ServiceJob.id)).join(
            BusinessDay, BusinessDay.id == ServiceJob.business_day_id).where(in_month))
        ratings = db.session.scalar(select(func.count(Feedback.id)).join(
            ServiceJob, ServiceJob.id == Feedback.job_id).join(
            BusinessDay, BusinessDay.id == ServiceJob.business_day_id).where(in_month))
        therapists = len(assessment.therapists_of(first, last, None))
        stores = db.session.scalar(select(func.count(Store.id)))
        store_id = db.session.scalar(select(Store.id).order_by(Store.code).limit(1))
        db.session.commit()
    echo(f"Scale {'lean' if lean else scale} ({code}), period {first} – {last}: {stores} stores, "
         f"{therapists} therapists, {jobs} jobs and {ratings} ratings in the period.")

    params = {"tenant": tenant_id, "first": first, "last": last, "exam_first": exam_first,
              "since": since, "until": until, "yes": True}
    raw = []
    for _ in range(repeats):
        with tenant_context(tenant_id):
            seconds, rows = _timed(lambda: db.session.execute(text(AGGREGATION), params).all())
        raw.append(seconds)
        db.session.rollback()
    echo(f"raw aggregation   best {min(raw):7.3f} s  ({len(rows)} rows; all: "
         + ", ".join(f"{s:.3f}" for s in raw) + ")")

    flat = {}
    for label, scope in (("one store", store_id), ("company", None)):
        with tenant_context(tenant_id):
            run = AssessmentRun(period_start=first, period_end=last, store_id=scope,
                                status="queued")
            db.session.add(run)
            db.session.flush()
            counter = StatementCounter(db.engine)
            result = assessment.compute_run(run.id, None)
            flat[label] = (counter.close(), result["therapists"])
            db.session.rollback()
    echo("statements of compute_run: " + ", ".join(
        f"{label} ({people} therapists) {count}" for label, (count, people) in flat.items()))

    runs, statements, summary = [], [], {}
    for _ in range(repeats):
        with tenant_context(tenant_id):
            run = assessment.start_assessment_run(first, last, None)
            job_id = run.job_record_id
            db.session.commit()
            db.session.expire_all()
            counter = StatementCounter(db.engine)
            seconds, _ = _timed(dispatch_committed_jobs)
            statements.append(counter.close())
            record = db.session.get(JobRecord, job_id)
            if record.status != "finished":
                echo(f"the run failed: {record.error}")
                return {}
            summary = record.result
            runs.append(seconds)
    best, ratio = min(runs), min(runs) / min(raw)
    echo(f"assessment run    best {best:7.3f} s  median {statistics.median(runs):7.3f} s  "
         f"({summary}; all: " + ", ".join(f"{s:.3f}" for s in runs) + ")")
    echo(f"statements per run {statements[0]} (every repeat: {statements})")
    echo(f"ratio run / raw aggregation: {ratio:.2f}×   target < 10 s and ≤ 3×: "
         f"{'met' if best < 10 and ratio <= 3 else 'NOT met'}")
    return {"raw": raw, "runs": runs, "ratio": ratio, "statements": statements, "flat": flat,
            "summary": summary}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("chain-50", "small"), default="chain-50")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lean", action="store_true",
                        help="build (once) and measure the lean assess50 company instead")
    args = parser.parse_args(argv)
    if "DATABASE_URL" not in os.environ:
        print("Set DATABASE_URL (see benchmarks/README.md).", file=sys.stderr)
        return 2
    from app import create_app

    app = create_app(REDIS_URL="")  # jobs inline: the benchmark times the job itself
    with app.app_context():
        run_benchmark(args.scale, args.repeats, lean=args.lean)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    raise SystemExit(main())
