"""One real object of every kind a route names, for the isolation walk and the matrix.

``seed_objects(company, store_index)`` builds them in one store of a company
and returns ``{argument name: id}`` for every id argument the app's routes
take in their path (``app.permissions.PATH_OBJECTS``), plus the few kinds that
appear only in query strings and bodies (``position_id``, ``therapist_id``).
Called for store 0 and store 1 of one company, the two sets don't collide.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.jobs.models import JobRecord
from app.models import Account, AccountStore, ApiToken, Position
from app.security import hash_token
from app.tenancy import tenant_context
from tests.walk_objects_guests import guests_objects
from tests.walk_objects_inspect import inspect_objects
from tests.walk_objects_logistics import logistics_objects
from tests.walk_objects_report import report_objects
from tests.walk_objects_sops import sops_objects


def seed_objects(company, store_index: int = 0) -> dict[str, int]:
    """Objects of every kind in ``company.stores[store_index]``; committed."""
    with tenant_context(company.tenant_id):
        job = JobRecord(kind="jobs.fail_abandoned", params={})
        # Not a login the tests use: the walk's calls may disable it or revoke its tokens.
        account = Account(username=f"walk{store_index}", password_hash="!", display_name="备用",
                          role="cashier")
        db.session.add(account)
        db.session.flush()
        db.session.add(AccountStore(account_id=account.id,
                                    store_id=company.stores[store_index].id))
        token = ApiToken(account_id=account.id, name=f"walk {store_index}",
                         token_hash=hash_token(f"walk-token-{company.code}-{store_index}"),
                         prefix=f"mz_walk{store_index}")
        db.session.add_all([job, token])
        db.session.flush()
        desk = _front_desk_objects(company, store_index)
        desk.update(_technical_complaint_objects(company, store_index, desk))
        therapist = desk.pop("therapist")
        hr = _hr_objects(company, store_index, therapist)
        hr.update(_technical_assessment_objects(company, store_index, therapist))
        technical = _technical_discipline_objects(company, store_index, hr["person"], desk)
        hr.update(_technical_training_objects(company, store_index, hr["person"]))
        technical_exams = _technical_exams_objects(desk["therapist_id"], desk["service_item_id"])
        logistics = logistics_objects(company, store_index, hr["person"])
        logistics.update(guests_objects(company, store_index, desk["customer_id"]))
        position = db.session.scalar(select(Position).where(Position.role == "therapist"))
        db.session.commit()
        return {
            "store_id": company.stores[store_index].id,
            "room_id": company.rooms[3 * store_index].id,
            "employee_id": hr.pop("person").id,
            "account_id": account.id,
            "job_id": job.id,
            "token_id": token.id,
            "position_id": position.id,
            **{name: obj.id for name, obj in desk.items()},
            **{name: obj.id for name, obj in hr.items()},
            **{name: obj.id for name, obj in technical.items()},
            **{name: obj.id for name, obj in technical_exams.items()},
            **{name: obj.id for name, obj in logistics.items()},
            **sops_objects(company, store_index),
            **report_objects(company, store_index),
            **inspect_objects(company, store_index),
            # The one approval flow's decision routes name a kind and its request's id.
            "kind": "refund",
            "object_id": desk["refund_id"].id,
        }


def _front_desk_objects(company, n: int) -> dict:
    """A visit with one of every front-desk object, in store ``n``."""
    from app.blueprints.store import models as m
    from app.blueprints.store import orders
    from app.models.base import utcnow

    store = company.stores[n]
    items = _catalogue(n)
    therapist = _therapist(store.id, f"8{n}1", items["foot"])
    customer = m.Customer(name=f"张女士{n}", phone=f"1380000111{n}", phone_tail=f"111{n}")
    db.session.add(customer)
    db.session.flush()
    order = orders.open_order(store.id, room_id=company.rooms[3 * n].id, customer_id=customer.id)
    line = orders.add_service_line(order, items["foot"].id)
    now = utcnow()
    service_job = m.ServiceJob(store_id=store.id, business_day_id=order.business_day_id,
                               order_id=order.id, order_line_id=line.id,
                               therapist_id=therapist.id, room_id=order.room_id,
                               job_type="rotation", started_at=now,
                               planned_end_at=now + timedelta(minutes=60))
    entry = m.BoardEntry(business_day_id=order.business_day_id, store_id=store.id,
                         therapist_id=therapist.id, position=1)
    card = m.MemberCard(card_no=f"A000{n}", customer_id=customer.id, kind="stored_value",
                        issued_store_id=store.id)
    db.session.add_all([service_job, entry, card])
    db.session.flush()
    payment = m.Payment(store_id=store.id, order_id=order.id,
                        business_day_id=order.business_day_id, method="cash",
                        amount=Decimal("10.00"))
    refund = m.Refund(store_id=store.id, order_id=order.id, amount=Decimal("10.00"),
                      method="cash", reason="测试")
    feedback = m.Feedback(store_id=store.id, order_id=order.id, job_id=service_job.id,
                          therapist_id=therapist.id, rating=5)
    reservation = m.Reservation(store_id=store.id, name="李先生", phone=f"1390000222{n}",
                                starts_at=now + timedelta(hours=2))
    db.session.add_all([payment, refund, feedback, reservation])
    db.session.flush()
    complaint = m.ComplaintCase(store_id=store.id, order_id=order.id, description="水温太烫",
                                feedback_id=feedback.id)
    db.session.add(complaint)
    db.session.flush()
    return {
        "business_day_id": db.session.get(m.BusinessDay, order.business_day_id),
        "order_id": order, "line_id": line, "service_job_id": service_job,
        "entry_id": entry, "customer_id": customer, "card_id": card,
        "reservation_id": reservation, "refund_id": refund, "payment_id": payment,
        "feedback_id": feedback, "complaint_id": complaint,
        "service_item_id": items["foot"], "product_id": items["tea"],
        "level_id": items["gold"], "therapist": therapist, "therapist_id": therapist,
    }


def _technical_complaint_objects(company, n: int, desk: dict) -> dict:
    """技术投诉调查 of the desk's complaint, and a pending 新项目 proposal, in store ``n``."""
    from app.blueprints.technical.models import ComplaintInvestigation, TechniqueProposal

    store = company.stores[n]
    investigation = ComplaintInvestigation(complaint_id=desk["complaint_id"].id,
                                           store_id=store.id, therapist_id=desk["therapist"].id,
                                           findings="水温偏高", status="open")
    proposal = TechniqueProposal(name=f"艾草足浴{n}", category="foot", process="泡脚 20 分钟",
                                 duration_minutes=60, price_idea=Decimal("98.00"),
                                 store_id=store.id, status="pending")
    db.session.add_all([investigation, proposal])
    db.session.flush()
    return {"investigation_id": investigation, "proposal_id": proposal}


def _therapist(store_id: int, number: str, item):
    """A therapist of the store qualified for ``item`` (as tests/store/helpers.py makes)."""
    from app.blueprints.store.models import TherapistQualification
    from app.models import Employee

    position = db.session.scalar(select(Position).where(Position.role == "therapist"))
    therapist = Employee(employee_no=number, name=f"技师{number}", gender="female",
                         store_id=store_id, position_id=position.id, status="active")
    db.session.add(therapist)
    db.session.flush()
    db.session.add(TherapistQualification(employee_id=therapist.id, service_item_id=item.id))
    db.session.flush()
    return therapist


def _catalogue(n: int) -> dict:
    """The catalogue of tests/store/helpers.py for store 0; its own items for another."""
    from app.blueprints.store.models import MembershipLevel, Product, ServiceItem
    from tests.store.helpers import make_catalogue

    if n == 0:
        return make_catalogue()
    foot = ServiceItem(code=f"ZL60-{n}", name=f"足疗 60 分钟 {n}", category="foot",
                       duration_minutes=60, price=Decimal("128.00"),
                       commission_rotation=Decimal("40.00"),
                       commission_requested=Decimal("50.00"))
    tea = Product(code=f"T01-{n}", name=f"普洱茶 {n}", unit="壶", price=Decimal("18.00"))
    gold = MembershipLevel(name=f"金卡 {n}", discount=Decimal("0.880"))
    db.session.add_all([foot, tea, gold])
    db.session.flush()
    return {"foot": foot, "tea": tea, "gold": gold}


def _technical_exams_objects(therapist, item) -> dict:
    """技术考核: a criterion of the item's rubric and a passed exam (pass mark 80)."""
    from app.blueprints.technical.models import ExamCriterion, PracticalExam

    criterion = ExamCriterion(service_item_id=item.id, name="手法", weight=Decimal("1.00"))
    db.session.add(criterion)
    db.session.flush()
    exam = PracticalExam(employee_id=therapist.id, service_item_id=item.id,
                         store_id=therapist.store_id, examined_on=date(2026, 11, 3),
                         scores=[{"criterion_id": criterion.id, "name": "手法", "weight": "1.00",
                                  "score": "92.50"}],
                         score=Decimal("92.50"), pass_score=Decimal("80.00"), passed=True)
    db.session.add(exam)
    db.session.flush()
    return {"criterion_id": criterion, "exam_id": exam}


def _hr_objects(company, n: int, therapist) -> dict:
    """One of every HR object: file, checklists, changes, time, payroll (store ``n``)."""
    from app.blueprints.hr import models as h
    from app.models import PayProfile, TherapistLevel

    store = company.stores[n]
    # Store 0 keeps the org chart's therapist (the walk's historic employee).
    person = company.employees["therapist"] if n == 0 else therapist
    day = date(2026, 11, 2)
    starts = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    level = TherapistLevel(name=f"金牌{n}", commission_multiplier=Decimal("1.2"))
    profile = PayProfile(name=f"技师薪资{n}", monthly_base=Decimal("3000.00"))
    template = h.ChecklistTemplate(kind="onboarding", name=f"技师入职{n}")
    shift = h.ShiftTemplate(store_id=store.id, name="早班", starts_at=time(10), ends_at=time(18))
    db.session.add_all([level, profile, template, shift])
    db.session.flush()
    onboarding = h.Onboarding(employee_id=person.id, template_id=template.id, started_on=day)
    # A last day still ahead whenever the walk runs: approving an offboarding whose last
    # day is over runs the last-day job at once, which would end the walk's own therapist
    # login half-way (a fixed date in late 2026 went past on 2026-12-03).
    offboarding = h.Offboarding(employee_id=person.id,
                                last_day=date.today() + timedelta(days=365))
    run = h.PayrollRun(month=date(2026, 10 - n, 1), scope="all")
    db.session.add_all([onboarding, offboarding, run])
    db.session.flush()
    zero = Decimal("0.00")
    money = dict.fromkeys((
        "base", "overtime", "commission", "card_commission", "meal", "full_attendance_bonus",
        "rewards", "fines", "late_deduction", "adjustment", "gross", "si_pension",
        "si_medical", "si_unemployment", "si_housing_fund", "si_total", "taxable",
        "cum_income", "cum_deductible", "cum_taxable", "cum_tax", "iit", "net"), zero)
    objects = {
        "template_item_id": h.ChecklistTemplateItem(template_id=template.id, title="身份证复印件"),
        "checklist_item_id": h.ChecklistItem(employee_id=person.id, onboarding_id=onboarding.id,
                                             title="身份证复印件"),
        "issued_item_id": h.IssuedItem(employee_id=person.id, name="工服", issued_on=day),
        "change_id": h.EmployeeChange(employee_id=person.id, kind="transfer", effective_on=day,
                                      new_store_id=company.stores[1 - n].id),
        "schedule_entry_id": h.ScheduleEntry(employee_id=person.id, store_id=store.id,
                                             work_date=day, shift_template_id=shift.id,
                                             starts_at=starts, ends_at=starts + timedelta(hours=8)),
        "clock_id": h.ClockRecord(employee_id=person.id, store_id=store.id, kind="in", at=starts),
        "leave_id": h.LeaveRequest(employee_id=person.id, store_id=store.id, kind="personal",
                                   starts_on=day, ends_on=day, days=Decimal("1")),
        "overtime_id": h.OvertimeRequest(employee_id=person.id, store_id=store.id, work_date=day,
                                         hours=Decimal("2")),
        "sheet_id": h.AttendanceSheet(store_id=store.id, month=date(2026, 11, 1)),
        "reward_id": h.RewardPenalty(employee_id=person.id, store_id=store.id, kind="reward",
                                     amount=Decimal("100.00"), effective_on=day),
        "payslip_id": h.Payslip(run_id=run.id, employee_id=person.id, month=run.month,
                                store_id=store.id, **money),
        "tax_request_id": h.TaxOpeningRequest(employee_id=person.id, year=2026,
                                              cumulative_taxable=zero, cumulative_tax=zero),
    }
    db.session.add_all(objects.values())
    db.session.flush()
    return {
        **objects, "template_id": template, "onboarding_id": onboarding,
        "offboarding_id": offboarding, "shift_id": shift, "shift_template_id": shift,
        "run_id": run,
        "pay_profile_id": profile, "therapist_level_id": level, "person": person,
    }


def _technical_discipline_objects(company, n: int, person, desk: dict) -> dict:
    """违纪: one pending verbal warning about store ``n``'s therapist, from a complaint."""
    from app.blueprints.technical.models import DisciplineRecord

    record = DisciplineRecord(employee_id=person.id, store_id=company.stores[n].id,
                              category="lateness", occurred_on=date(2026, 11, 3),
                              description="迟到 20 分钟", step="verbal", repeat_no=1,
                              complaint_id=desk["complaint_id"].id)
    db.session.add(record)
    db.session.flush()
    return {"discipline_id": record}
def _technical_training_objects(company, n: int, person) -> dict:
    """A held pre-job training in store ``n`` with the store's therapist attending."""
    from app.blueprints.technical.models import TrainingAttendance, TrainingSession

    session = TrainingSession(topic=f"岗前培训{n}", kind="pre_job", status="held",
                              store_id=company.stores[n].id, trainer_name="外聘老师",
                              starts_at=datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    db.session.add(session)
    db.session.flush()
    attendance = TrainingAttendance(session_id=session.id, employee_id=person.id,
                                    attended=True, passed=True)
    db.session.add(attendance)
    db.session.flush()
    return {"training_id": session, "attendance_id": attendance}
def _technical_assessment_objects(company, n: int, therapist) -> dict:
    """技能评定: a run of store ``n`` and a pending promotion of its therapist."""
    from app.blueprints.technical.models import AssessmentRun, SkillAssessment

    store = company.stores[n]
    run = AssessmentRun(period_start=date(2026, 10, 1), period_end=date(2026, 10, 31),
                        store_id=store.id, status="done", summary={"therapists": 1})
    db.session.add(run)
    db.session.flush()
    row = SkillAssessment(run_id=run.id, employee_id=therapist.id, store_id=store.id,
                          period_start=run.period_start, period_end=run.period_end,
                          completed_jobs=25, score=Decimal("85.00"), recommendation="keep",
                          status="no_action", inputs={})
    db.session.add(row)
    db.session.flush()
    return {"assessment_run_id": run, "assessment_id": row}
