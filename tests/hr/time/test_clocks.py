"""打卡 as plain functions: own login, the store's clock page with PIN, foreman entry and
补卡, voiding, device import, and the therapist's clock-in onto the rotation board."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.blueprints.hr.models.time import ClockRecord
from app.blueprints.hr.time import TimeError, aware
from app.blueprints.hr.time import clocks as service
from app.blueprints.hr.time.sheets import month_records
from app.blueprints.store.days import get_business_day, today_for_store
from app.blueprints.store.models import BoardEntry
from app.extensions import db
from app.models import AuditEntry
from app.models.base import utcnow
from app.security import verify_password
from tests.hr.time.helpers import local, make_shifts, monday, plan, staff

# Also on SQLite: punch times: SQLite returns naive datetimes, PostgreSQL aware ones.
pytestmark = pytest.mark.both_backends


def _audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_own_punch_at_the_persons_store_and_no_double_tap(app, company_a, in_tenant):
    with in_tenant(company_a):
        cashier = company_a.accounts["cashier"]
        at = local(monday(1), 9, 58)
        result = service.clock_self(cashier, "in", now=at)
        assert result.record.source == "self"
        assert result.record.store_id == company_a.store.id
        assert result.record.employee_id == cashier.employee_id
        assert result.board is None  # not a therapist
        assert "上班打卡成功 09:58" in result.message
        with pytest.raises(TimeError) as error:
            service.clock_self(cashier, "in", now=at + timedelta(seconds=30))
        assert error.value.field == "kind"
        service.clock_self(cashier, "out", now=at + timedelta(seconds=30))
        # Head office: a punch without a store.
        hr = service.clock_self(company_a.accounts["hr_staff"], "in", now=at)
        assert hr.record.store_id is None
        with pytest.raises(TimeError) as error:  # the owner has no employee file
            service.clock_self(company_a.accounts["owner"], "in")
        assert error.value.field == "employee_id"


def test_kiosk_punch_needs_the_right_pin_of_an_employee_of_this_store(app, company_a,
                                                                      in_tenant):
    with in_tenant(company_a):
        store, other = company_a.stores
        desk = company_a.accounts["cashier"]
        person = staff(store, 1, role="cashier")[0]
        stranger = staff(other, 1, start=950, role="cashier")[0]
        service.set_clock_pin(person, "2468", company_a.accounts["hr_manager"])
        service.set_clock_pin(stranger, "1357", company_a.accounts["hr_manager"])
        assert person.clock_pin_hash != "2468" and verify_password(person.clock_pin_hash,
                                                                   "2468")
        audit = _audits("clock.pin_set")[0]
        assert "2468" not in str(audit.after) + str(audit.before)

        with pytest.raises(service.WrongPinError) as error:
            service.clock_kiosk(store.id, person.employee_no, "1111", "in", desk)
        assert error.value.field == "pin"
        with pytest.raises(service.WrongPinError):  # right PIN, wrong store
            service.clock_kiosk(store.id, stranger.employee_no, "1357", "in", desk)
        with pytest.raises(service.WrongPinError):  # unknown number: the same answer
            service.clock_kiosk(store.id, "no-such", "1357", "in", desk)
        with pytest.raises(TimeError) as error:
            service.clock_kiosk(store.id, person.employee_no, "", "in", desk)
        assert error.value.field == "pin"

        result = service.clock_kiosk(store.id, f" {person.employee_no} ", "2468", "in", desk)
        assert result.record.source == "kiosk"
        assert result.record.recorded_by_account_id == desk.id
        assert result.record.store_id == store.id
        with pytest.raises(TimeError) as error:
            service.set_clock_pin(person, "12ab", None)
        assert error.value.field == "pin"


def test_repeated_wrong_pins_lock_that_employee_number_for_a_while(app, company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.store
        desk = company_a.accounts["cashier"]
        person, neighbour = staff(store, 2, role="cashier")
        service.set_clock_pin(person, "2468", None)
        service.set_clock_pin(neighbour, "1357", None)
        for _attempt in range(service.KIOSK_PIN_FAILURES):
            with pytest.raises(service.WrongPinError):
                service.clock_kiosk(store.id, person.employee_no, "0000", "in", desk)
        with pytest.raises(service.PinLockedError) as error:
            service.clock_kiosk(store.id, person.employee_no, "2468", "in", desk)
        assert "5 分钟" in error.value.message
        assert db.session.scalar(select(func.count(ClockRecord.id))) == 0
        # Another number is not affected.
        assert service.clock_kiosk(store.id, neighbour.employee_no, "1357", "in", desk).record


def test_foreman_entry_needs_a_reason_and_is_audited_as_punch_or_correction(app, company_a,
                                                                           in_tenant):
    with in_tenant(company_a):
        foreman = company_a.accounts["foreman"]
        person = staff(company_a.store, 1, role="cashier")[0]
        now = utcnow()
        with pytest.raises(TimeError) as error:
            service.record_punch(person, "in", now, "  ", foreman)
        assert error.value.field == "reason"
        with pytest.raises(TimeError) as error:
            service.record_punch(person, "in", now + timedelta(hours=1), "忘带手机", foreman)
        assert error.value.field == "at"
        with pytest.raises(TimeError) as error:
            service.record_punch(person, "in", now.replace(tzinfo=None), "忘带手机", foreman)
        assert error.value.field == "at"

        punch = service.record_punch(person, "in", now - timedelta(minutes=5), "忘带手机", foreman)
        assert punch.source == "foreman" and punch.reason == "忘带手机"
        correction = service.record_punch(person, "out", now - timedelta(hours=30),
                                          "昨天下班漏打卡", foreman)
        assert correction.source == "correction"
        assert [a.object_id for a in _audits("clock.record")] == [str(punch.id)]
        audit = _audits("clock.correction")[0]
        assert audit.object_id == str(correction.id)
        assert audit.after["reason"] == "昨天下班漏打卡"

        person.last_day = date.today() - timedelta(days=10)
        with pytest.raises(TimeError) as error:
            service.record_punch(person, "in", now - timedelta(minutes=1), "离职后", foreman)
        assert error.value.field == "employee_id"


def test_a_voided_punch_is_kept_and_no_longer_counts(app, company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.store
        made = make_shifts(store.id)
        person = staff(store, 1, role="cashier")[0]
        day = monday(1)
        plan(store.id, {(person, day): made["early"]}, None)
        foreman = company_a.accounts["foreman"]
        wrong = service.record_punch(person, "in", local(day, 9, 55), "补打上班卡", foreman)
        service.record_punch(person, "out", local(day, 18, 5), "补打下班卡", foreman)
        before = {d.work_date: d for d in month_records(store.id, day)[person.id].facts().days}
        assert before[day].attended == 1

        service.void_punch(wrong, "打错了人", foreman)
        kept = db.session.get(ClockRecord, wrong.id)
        assert kept is not None and kept.voided_at is not None
        assert kept.void_reason == "打错了人" and kept.voided_by_account_id == foreman.id
        inputs = month_records(store.id, day)[person.id]
        assert inputs.punches[day].first_in is None
        judged = {d.work_date: d for d in inputs.facts().days}[day]
        assert judged.absent == 1 and "missing punch" in judged.note
        with pytest.raises(TimeError):
            service.void_punch(wrong, "再作废一次", foreman)
        with pytest.raises(TimeError) as error:
            service.void_punch(service.record_punch(person, "in", local(day, 10), "x", foreman),
                               "", foreman)
        assert error.value.field == "reason"
        assert [a.object_id for a in _audits("clock.void")] == [str(wrong.id)]


def test_device_import_is_idempotent_and_reports_bad_rows(app, company_a, in_tenant):
    with in_tenant(company_a):
        person = staff(company_a.store, 1, role="cashier")[0]
        day = monday(1)
        rows = [
            {"employee_no": person.employee_no, "at": local(day, 9, 58).isoformat(),
             "kind": "in", "device_id": "ZK-01", "device_record_id": "1001"},
            {"employee_no": person.employee_no, "at": local(day, 18, 2).isoformat(),
             "kind": "out", "device_id": "ZK-01", "device_record_id": 1002},
            {"employee_no": "nobody", "at": local(day, 9).isoformat(), "kind": "in",
             "device_id": "ZK-01", "device_record_id": "1003"},
            {"employee_no": person.employee_no, "at": "2026-11-02T09:00:00", "kind": "in",
             "device_id": "ZK-01", "device_record_id": "1004"},
            {"employee_no": person.employee_no, "at": local(day, 9).isoformat(),
             "kind": "sideways", "device_id": "ZK-01", "device_record_id": "1005"},
            {"employee_no": person.employee_no, "at": local(day, 9, 58).isoformat(),
             "kind": "in", "device_id": "ZK-01", "device_record_id": "1001"},  # repeated
        ]
        first = service.import_punches(rows, company_a.accounts["hr_staff"], scope=None)
        assert (first.created, first.duplicates) == (2, 1)
        assert [(e["index"], e["field"]) for e in first.errors] == [
            (2, "employee_no"), (3, "at"), (4, "kind")]
        again = service.import_punches(rows, company_a.accounts["hr_staff"], scope=None)
        assert (again.created, again.duplicates) == (0, 3)
        stored = db.session.scalars(select(ClockRecord).order_by(ClockRecord.at)).all()
        assert [(r.source, r.kind, r.device_record_id) for r in stored] == [
            ("device", "in", "1001"), ("device", "out", "1002")]
        assert aware(stored[0].at) == local(day, 9, 58)  # the offset was honoured
        # A store-scoped caller cannot import for another store's people.
        other = staff(company_a.stores[1], 1, start=960, role="cashier")[0]
        scoped = service.import_punches(
            [{"employee_no": other.employee_no, "at": local(day, 9).isoformat(), "kind": "in",
              "device_id": "ZK-02", "device_record_id": "1"}],
            company_a.accounts["store_manager"], scope={company_a.store.id})
        assert scoped.created == 0 and scoped.errors[0]["field"] == "employee_no"


# --------------------------------------------------------------------------- the board rule


def _on_board(store_id: int, employee_id: int) -> bool:
    day = get_business_day(store_id, today_for_store(), create=False)
    return day is not None and db.session.scalar(select(BoardEntry.id).where(
        BoardEntry.business_day_id == day.id, BoardEntry.therapist_id == employee_id)) is not None


def test_a_therapists_clock_in_puts_them_on_the_board(app, company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.store
        therapist = company_a.accounts["therapist"]
        employee_id = therapist.employee_id
        result = service.clock_self(therapist, "in")
        assert result.board == "joined" and "已上牌" in result.message
        assert _on_board(store.id, employee_id)
        again = service.clock_self(therapist, "in", now=utcnow() + timedelta(seconds=90))
        assert again.board == "already"
        out = service.clock_self(therapist, "out", now=utcnow() + timedelta(seconds=100))
        assert out.board is None and _on_board(store.id, employee_id)  # 下牌 is the desk's

        # At the kiosk too.
        colleague = staff(store, 1, start=870)[0]
        service.set_clock_pin(colleague, "8080", None)
        kiosk = service.clock_kiosk(store.id, colleague.employee_no, "8080", "in",
                                    company_a.accounts["cashier"])
        assert kiosk.board == "joined" and _on_board(store.id, colleague.id)


def test_the_punch_counts_when_the_board_refuses_the_therapist(app, company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.store
        expired, new_hire = staff(store, 2, start=880)
        expired.health_cert_expires_on = date.today() - timedelta(days=3)
        new_hire.status = "onboarding"  # dispatch takes on-staff therapists only
        for person in (expired, new_hire):
            service.set_clock_pin(person, "2580", None)
        desk = company_a.accounts["cashier"]

        result = service.clock_kiosk(store.id, expired.employee_no, "2580", "in", desk)
        assert result.board == "refused" and "健康证已过期" in result.message
        assert not _on_board(store.id, expired.id)

        result = service.clock_kiosk(store.id, new_hire.employee_no, "2580", "in", desk)
        assert result.board == "refused" and "未上牌" in result.message
        assert "不是本店在职技师" in result.message
        assert not _on_board(store.id, new_hire.id)
        db.session.commit()
        punches = db.session.scalars(select(ClockRecord.employee_id)).all()
        assert sorted(punches) == sorted([expired.id, new_hire.id])  # both punches stored


def test_no_board_when_the_business_day_is_closed(app, company_a, in_tenant):
    with in_tenant(company_a):
        store = company_a.store
        person = staff(store, 1, start=890)[0]
        day = get_business_day(store.id, today_for_store())
        day.locked_at = utcnow()
        service.set_clock_pin(person, "1234", None)
        result = service.clock_kiosk(store.id, person.employee_no, "1234", "in",
                                     company_a.accounts["cashier"])
        assert result.board == "refused" and "日结" in result.message
        assert result.record.id is not None
