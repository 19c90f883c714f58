"""October 2026 of three therapists for the skill-assessment tests (store 1 of company).

A (中级, threshold 70): 25 completed jobs (15 点钟), all rated 5, exam 90 -> 95.00, promote
to 高级.  B (高级, 80): 20 completed (2 点钟), rated 3, no exam, 1 return -> 38 - 5 =
33.00, demote to 中级.  C (中级): 5 jobs -> insufficient data.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from app.blueprints.store.models import Feedback, ServiceJob, TherapistQualification
from app.blueprints.technical.models import PracticalExam
from app.extensions import db
from app.models import TherapistLevel
from app.tenancy import current_tenant_id
from tests.hr.payroll import payroll_data as data

D = Decimal
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
DAYS = [date(2026, 10, d) for d in range(1, 29)]


def levels() -> dict[str, TherapistLevel]:
    found = {}
    for name, multiplier, rank, threshold in (
            ("见习", "1.000", 11, "0"), ("熟练", "1.100", 12, "70"), ("资深", "1.200", 13, "80"),
            ("大师", "1.300", 14, "90")):
        level = TherapistLevel(name=name, commission_multiplier=D(multiplier), rank=rank,
                               assessment_threshold=D(threshold))
        db.session.add(level)
        found[name] = level
    db.session.flush()
    return found


def rate_jobs(therapist, rating: int) -> None:
    jobs = db.session.execute(select(ServiceJob.id, ServiceJob.order_id, ServiceJob.store_id)
                              .where(ServiceJob.therapist_id == therapist.id,
                                     ServiceJob.status == "finished")).all()
    db.session.execute(insert(Feedback), [
        {"tenant_id": current_tenant_id(), "store_id": j.store_id, "order_id": j.order_id,
         "job_id": j.id, "therapist_id": therapist.id, "rating": rating, "comment": "",
         "created_at": datetime(2026, 10, 20, 12)} for j in jobs])


def exam(therapist, item, score: str, on: date) -> PracticalExam:
    row = PracticalExam(employee_id=therapist.id, service_item_id=item.id,
                        store_id=therapist.store_id, kind="regular", examined_on=on, scores=[],
                        score=D(score), pass_score=D("60"), passed=D(score) >= 60)
    db.session.add(row)
    db.session.flush()
    return row


def october(company) -> dict:
    """The three therapists, their jobs, ratings and exams; not committed."""
    store = company.stores[0]
    setup = data.pay_setup()
    lv = levels()
    a = data.add_therapist(store, "TA", level=lv["熟练"], name="技师甲")
    b = data.add_therapist(store, "TB", level=lv["资深"], name="技师乙")
    c = data.add_therapist(store, "TC", level=lv["熟练"], name="技师丙")
    jobs = data.Jobs(store, setup["item"])
    jobs.add(a, DAYS, rotation=10, requested=15)
    jobs.add(b, DAYS, rotation=18, requested=2, returned=1)
    jobs.add(c, DAYS, rotation=5)
    rate_jobs(a, 5)
    rate_jobs(b, 3)
    db.session.add(TherapistQualification(employee_id=a.id, service_item_id=setup["item"].id))
    db.session.flush()
    exam(a, setup["item"], "70", date(2026, 9, 1))  # older: the latest counts
    exam(a, setup["item"], "90", date(2026, 10, 15))
    exam(a, setup["item"], "10", date(2026, 11, 2))  # after the period: not counted
    return {"store": store, "levels": lv, "item": setup["item"], "a": a, "b": b, "c": c,
            "jobs": jobs}


def more_therapists(store, item, count: int, start: int = 0) -> None:
    jobs = data.Jobs(store, item)
    for n in range(start, start + count):
        person = data.add_therapist(store, f"X{n:03d}")
        jobs.add(person, DAYS[:3], rotation=2, requested=1)
        rate_jobs(person, 4)


def period_days() -> list[date]:
    return [OCTOBER[0] + timedelta(days=n) for n in range(31)]
