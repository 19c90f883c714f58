"""The time pages end to end: permission and store scope, the week grid, 我的考勤, the
clock page, foreman entry, leave approvals and the monthly sheet with its lock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.blueprints.hr.models.time import (
    AttendanceSheet,
    ClockRecord,
    LeaveRequest,
    ScheduleEntry,
    ShiftTemplate,
)
from app.blueprints.hr.time import clocks, leave
from app.blueprints.store.models import BoardEntry
from app.extensions import db
from app.models import Employee
from tests.hr.time.helpers import first_of_month, local, make_shifts, monday, plan, staff


def _shifts(company, in_tenant) -> dict:
    with in_tenant(company):
        made = make_shifts(company.store.id)
        db.session.commit()
        return {name: shift.id for name, shift in made.items()}


def test_a_foreman_sees_only_their_stores_pages(app, client, auth, company_a):
    auth.login_as(company_a, "foreman")
    own, other = company_a.stores[0].id, company_a.stores[1].id
    for page in ("schedule", "shifts", "clocks", "attendance", "kiosk"):
        assert client.get(f"/hr/time/stores/{own}/{page}").status_code == 200, page
        assert client.get(f"/hr/time/stores/{other}/{page}").status_code == 404, page
    # The desk's menu shows the time pages beside the board.
    page = client.get(f"/hr/time/stores/{own}/schedule").get_data(as_text=True)
    assert 'data-subnav="hr.time_schedule"' in page and 'data-subnav="hr.time_kiosk"' in page
    assert client.get("/hr/time/schedule").status_code == 302
    # No lock, no leave approval for a foreman.
    assert client.post(f"/hr/time/stores/{own}/attendance/lock",
                       data={"month": "2026-01"}).status_code == 403
    assert client.get("/hr/time/leave").status_code == 403


def test_a_therapist_gets_only_their_own_pages(app, client, auth, company_a):
    auth.login_as(company_a, "therapist")
    store = company_a.store.id
    assert client.get(f"/hr/time/stores/{store}/schedule").status_code == 403
    assert client.get(f"/hr/time/stores/{store}/kiosk").status_code == 403
    assert client.get("/hr/time/my/attendance").status_code == 200
    assert client.get("/hr/time/my/schedule").status_code == 200
    me = client.get("/me").get_data(as_text=True)
    assert "/hr/time/my/attendance" in me and "/hr/time/my/schedule" in me


def test_the_week_grid_saves_drafts_publishes_and_copies(app, client, auth, company_a,
                                                         in_tenant):
    shifts = _shifts(company_a, in_tenant)
    store = company_a.store.id
    person = company_a.employees["therapist"].id
    last_week, this_week = monday(1), monday(0)
    auth.login_as(company_a, "store_manager")
    url = f"/hr/time/stores/{store}/schedule?week={last_week.isoformat()}"
    page = client.get(url).get_data(as_text=True)
    assert f'name="cell-{person}-{last_week.isoformat()}"' in page
    response = client.post(url, data={
        f"cell-{person}-{last_week.isoformat()}": str(shifts["early"]),
        f"cell-{person}-{(last_week + timedelta(days=1)).isoformat()}": "rest"})
    assert response.status_code == 302
    bad = client.post(url, data={f"cell-{person}-{last_week.isoformat()}": "99999"})
    assert bad.status_code == 422 and "没有这个班次" in bad.get_data(as_text=True)
    with in_tenant(company_a):
        assert db.session.scalar(select(ScheduleEntry.published_at).where(
            ScheduleEntry.work_date == last_week)) is None
    published = client.post(f"/hr/time/stores/{store}/schedule/publish?week="
                             f"{last_week.isoformat()}", follow_redirects=True)
    assert "已发布本周排班 2 格" in published.get_data(as_text=True)
    copied = client.post(f"/hr/time/stores/{store}/schedule/copy?week={this_week.isoformat()}",
                         follow_redirects=True)
    assert "已从上周复制 2 格" in copied.get_data(as_text=True)
    with in_tenant(company_a):
        days = db.session.scalars(select(ScheduleEntry.work_date).where(
            ScheduleEntry.employee_id == person).order_by(ScheduleEntry.work_date)).all()
        assert days == [last_week, last_week + timedelta(days=1), this_week,
                        this_week + timedelta(days=1)]


def test_my_schedule_shows_only_published_weeks(app, client, auth, company_a, in_tenant):
    week = monday(0)
    with in_tenant(company_a):
        made = make_shifts(company_a.store.id)
        me = db.session.get(Employee, company_a.employees["therapist"].id)
        plan(company_a.store.id, {(me, week): made["early"]}, None)
        plan(company_a.store.id, {(me, week + timedelta(days=1)): made["late"]}, None,
             publish=False)
        db.session.commit()
    auth.login_as(company_a, "therapist")
    page = client.get(f"/hr/time/my/schedule?week={week.isoformat()}").get_data(as_text=True)
    assert "早班" in page and "10:00–18:00" in page
    assert "晚班" not in page  # a draft


def test_my_attendance_clock_in_puts_a_therapist_on_the_board(app, client, auth, company_a,
                                                              in_tenant):
    auth.login_as(company_a, "therapist")
    response = client.post("/hr/time/my/clock", data={"kind": "in"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "上班打卡成功" in page and "已上牌" in page
    assert 'data-testid="today-punches"' in page
    with in_tenant(company_a):
        therapist = company_a.employees["therapist"].id
        assert db.session.scalar(select(ClockRecord.source).where(
            ClockRecord.employee_id == therapist)) == "self"
        assert db.session.scalar(select(BoardEntry.id).where(
            BoardEntry.therapist_id == therapist)) is not None


def test_my_leave_and_pin_from_my_attendance(app, client, auth, company_a, in_tenant):
    auth.login_as(company_a, "therapist")
    start = monday(-1)
    response = client.post("/hr/time/my/leave", data={
        "kind": "annual", "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=4)).isoformat(), "reason": "探亲"},
        follow_redirects=True)
    assert "5 天" in response.get_data(as_text=True) and "人力资源" in response.get_data(
        as_text=True)
    overlap = client.post("/hr/time/my/leave", data={
        "kind": "sick", "starts_on": start.isoformat(), "ends_on": start.isoformat()})
    assert overlap.status_code == 422 and "重叠" in overlap.get_data(as_text=True)
    wrong = client.post("/hr/time/my/pin", data={"pin": "1234", "confirm": "1234",
                                                 "password": "nope"})
    assert wrong.status_code == 422 and "登录密码不正确" in wrong.get_data(as_text=True)
    assert client.post("/hr/time/my/pin", data={"pin": "1234", "confirm": "1234",
                                                "password": "password123"}).status_code == 302
    with in_tenant(company_a):
        mine = db.session.scalar(select(LeaveRequest))
        assert mine.needs_hr and mine.days == 5
        assert db.session.get(Employee, company_a.employees["therapist"].id).clock_pin_hash
        other = leave.request_leave(company_a.employees["cashier"], "sick", monday(-3),
                                    monday(-3), False, "", company_a.accounts["cashier"])
        db.session.commit()
        other_id, mine_id = other.id, mine.id
    # Someone else's request is not found from 我的考勤.
    assert client.post(f"/hr/time/my/leave/{other_id}/cancel").status_code == 404
    assert client.post(f"/hr/time/my/leave/{mine_id}/cancel").status_code == 302


def test_the_kiosk_punches_with_pin_and_refuses_wrong_ones(app, client, auth, company_a,
                                                           in_tenant):
    with in_tenant(company_a):
        person = db.session.get(Employee, company_a.employees["cashier"].id)
        clocks.set_clock_pin(person, "4321", None)
        number = person.employee_no
        db.session.commit()
    auth.login_as(company_a, "receptionist")
    url = f"/hr/time/stores/{company_a.store.id}/kiosk"
    assert "工号" in client.get(url).get_data(as_text=True)
    wrong = client.post(url, data={"employee_no": number, "pin": "0000", "kind": "in"})
    assert wrong.status_code == 422 and "工号或打卡密码不正确" in wrong.get_data(as_text=True)
    right = client.post(url, data={"employee_no": number, "pin": "4321", "kind": "in"})
    assert right.status_code == 200
    assert "上班打卡成功" in right.get_data(as_text=True)
    for _n in range(5):
        client.post(url, data={"employee_no": number, "pin": "9999", "kind": "out"})
    locked = client.post(url, data={"employee_no": number, "pin": "4321", "kind": "out"})
    assert locked.status_code == 429 and "错误次数过多" in locked.get_data(as_text=True)
    with in_tenant(company_a):
        assert db.session.scalars(select(ClockRecord.source)).all() == ["kiosk"]


def test_foreman_entry_and_void_on_the_store_day(app, client, auth, company_a, in_tenant):
    auth.login_as(company_a, "foreman")
    store = company_a.store.id
    person = company_a.employees["cashier"].id
    when = local(monday(1), 10, 2)
    url = f"/hr/time/stores/{store}/clocks/record"
    missing = client.post(url, data={"employee_id": person, "kind": "in",
                                     "at": when.strftime("%Y-%m-%dT%H:%M"), "reason": ""})
    assert missing.status_code == 422
    done = client.post(url, data={"employee_id": person, "kind": "in",
                                  "at": when.strftime("%Y-%m-%dT%H:%M"), "reason": "忘打卡"},
                       follow_redirects=True)
    assert "补卡" in done.get_data(as_text=True)
    with in_tenant(company_a):
        record = db.session.scalar(select(ClockRecord))
        assert record.source == "correction"
        record_id = record.id
    page = client.get(f"/hr/time/stores/{store}/clocks?date={monday(1).isoformat()}")
    assert "10:02" in page.get_data(as_text=True)
    client.post(f"/hr/time/clocks/{record_id}/void", data={"reason": "记错人"})
    with in_tenant(company_a):
        record = db.session.get(ClockRecord, record_id)
        assert record.voided_at is not None and record.void_reason == "记错人"
    # Another store's employee cannot be picked.
    with in_tenant(company_a):
        stranger = staff(company_a.stores[1], 1, start=960)[0]
        db.session.commit()
        stranger_id = stranger.id
    refused = client.post(url, data={"employee_id": stranger_id, "kind": "in",
                                     "at": when.strftime("%Y-%m-%dT%H:%M"), "reason": "x"})
    assert refused.status_code == 422


def test_leave_approval_routes_long_leave_to_hr(app, client, auth, company_a, in_tenant):
    with in_tenant(company_a):
        me = company_a.employees["cashier"]
        start = monday(-2)
        short = leave.request_leave(me, "sick", start, start, False, "发烧",
                                    company_a.accounts["cashier"])
        long = leave.request_leave(me, "marriage", start + timedelta(days=3),
                                   start + timedelta(days=9), False, "",
                                   company_a.accounts["cashier"])
        db.session.commit()
        short_id, long_id = short.id, long.id
    auth.login_as(company_a, "store_manager")
    page = client.get("/hr/time/leave").get_data(as_text=True)
    assert f"/hr/time/leave/{short_id}/approve" in page
    assert f"/hr/time/leave/{long_id}/approve" not in page and 'data-testid="needs-hr"' in page
    client.post(f"/hr/time/leave/{short_id}/approve", data={"note": "好好休息"})
    refused = client.post(f"/hr/time/leave/{long_id}/approve", data={},
                          follow_redirects=True)
    assert "人力资源审批" in refused.get_data(as_text=True)
    auth.logout()
    auth.login_as(company_a, "hr_manager")
    client.post(f"/hr/time/leave/{long_id}/approve", data={})
    with in_tenant(company_a):
        statuses = dict(db.session.execute(select(LeaveRequest.id, LeaveRequest.status)).all())
        assert statuses == {short_id: "approved", long_id: "approved"}


def test_the_sheet_shows_the_month_and_hr_locks_it(app, client, auth, company_a, in_tenant):
    month = first_of_month(1)
    day = month + timedelta(days=4)
    with in_tenant(company_a):
        made = make_shifts(company_a.store.id)
        person = db.session.get(Employee, company_a.employees["cashier"].id)
        plan(company_a.store.id, {(person, day): made["early"],
                                  (person, day + timedelta(days=1)): made["early"]}, None)
        clocks.record_punch(person, "in", local(day, 10, 20), "补", None)
        clocks.record_punch(person, "out", local(day, 18), "补", None)
        db.session.commit()
        person_id = person.id
    auth.login_as(company_a, "hr_manager")
    url = f"/hr/time/stores/{company_a.store.id}/attendance?month={month.strftime('%Y-%m')}"
    page = client.get(url).get_data(as_text=True)
    row = page[page.index(f'data-employee-id="{person_id}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-fact="attended">1<' in row and 'data-fact="absent">1<' in row
    assert 'data-fact="late">1<' in row
    detail = client.get(f"/hr/time/stores/{company_a.store.id}/attendance/employees/"
                        f"{person_id}?month={month.strftime('%Y-%m')}").get_data(as_text=True)
    assert "10:20" in detail and "absent: no punch" in detail

    locked = client.post(f"/hr/time/stores/{company_a.store.id}/attendance/lock?month="
                         f"{month.strftime('%Y-%m')}", data={"month": month.isoformat()},
                         follow_redirects=True)
    assert 'data-testid="sheet-locked"' in locked.get_data(as_text=True)
    with in_tenant(company_a):
        sheet_id = db.session.scalar(select(AttendanceSheet.id))
    # The foreman can no longer enter a punch in that month.
    auth.logout()
    auth.login_as(company_a, "foreman")
    refused = client.post(f"/hr/time/stores/{company_a.store.id}/clocks/record", data={
        "employee_id": person_id, "kind": "in",
        "at": local(day + timedelta(days=1), 10).strftime("%Y-%m-%dT%H:%M"), "reason": "补"})
    assert refused.status_code == 422 and "已锁定" in refused.get_data(as_text=True)
    auth.logout()
    auth.login_as(company_a, "hr_manager")
    client.post(f"/hr/time/sheets/{sheet_id}/unlock", data={"reason": "补录"})
    with in_tenant(company_a):
        assert db.session.get(AttendanceSheet, sheet_id).status == "open"


def test_shift_pages_create_edit_and_deactivate(app, client, auth, company_a, in_tenant):
    auth.login_as(company_a, "store_manager")
    store = company_a.store.id
    url = f"/hr/time/stores/{store}/shifts"
    assert client.post(url, data={"name": "通宵", "starts_at": "22:00",
                                  "ends_at": "06:00"}).status_code == 302
    assert client.post(url, data={"name": "通宵", "starts_at": "21:00",
                                  "ends_at": "05:00"}).status_code == 422
    with in_tenant(company_a):
        shift_id = db.session.scalar(select(ShiftTemplate.id))
    page = client.get(url).get_data(as_text=True)
    assert "22:00–06:00" in page and "跨夜" in page
    client.post(f"/hr/time/shifts/{shift_id}/edit", data={"name": "大夜", "starts_at": "23:00",
                                                          "ends_at": "07:00"})
    client.post(f"/hr/time/shifts/{shift_id}/active", data={"active": "0"})
    with in_tenant(company_a):
        shift = db.session.get(ShiftTemplate, shift_id)
        assert shift.name == "大夜" and not shift.is_active


def test_hr_sets_a_clock_pin(app, client, auth, company_a, in_tenant):
    person = company_a.employees["therapist"].id
    auth.login_as(company_a, "hr_staff")
    url = f"/hr/time/employees/{person}/clock-pin"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"pin": "12", "confirm": "12"}).status_code == 422
    assert client.post(url, data={"pin": "5678", "confirm": "5678"}).status_code == 302
    with in_tenant(company_a):
        assert db.session.get(Employee, person).clock_pin_hash is not None
