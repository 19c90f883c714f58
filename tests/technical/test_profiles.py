"""技师档案 (issue 11 §1): a therapist's figures for a period equal a recomputation from
the rows, by business day and in the tenant's time zone, with a 12-month trend."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from app.blueprints.technical import profiles
from app.extensions import db
from app.models import Employee, TherapistLevel
from app.tenancy import tenant_context
from tests.technical import profile_data as data

NOVEMBER = profiles.Period("custom", date(2026, 11, 1), date(2026, 11, 30))
TODAY = date(2026, 12, 4)


def _expected_jobs(made, therapist_id, start, end):
    """The contract's definitions, computed straight from what the test made."""
    mine = [j for j in made if j.therapist_id == therapist_id
            and start <= j.business_date <= end]
    finished = [j for j in mine if j.status == "finished"]
    requested = sum(1 for j in finished if j.job_type == "requested")
    addon = sum(1 for j in finished if j.addon)
    ratings = [j.rating for j in finished if j.rating is not None]
    return {
        "completed": len(finished),
        "rotation": sum(1 for j in finished if j.job_type == "rotation"),
        "requested": requested,
        "addon": addon,
        "returned": sum(1 for j in mine if j.status == "returned"),
        "requested_rate": (Decimal(requested) / len(finished)).quantize(Decimal("0.0001"))
        if finished else None,
        "addon_rate": (Decimal(addon) / (len(finished) - addon)).quantize(
            Decimal("0.0001"), ROUND_HALF_UP) if len(finished) > addon else None,
        "rating_count": len(ratings),
        "rating_mean": (Decimal(sum(ratings)) / len(ratings)).quantize(
            Decimal("0.01"), ROUND_HALF_UP) if ratings else None,
    }


def _figures(jobs: profiles.JobFigures) -> dict:
    return {name: getattr(jobs, name) for name in (
        "completed", "rotation", "requested", "addon", "returned", "requested_rate",
        "addon_rate", "rating_count", "rating_mean")}


def build_november(company):
    """One therapist's November with every kind of row, and rows just outside it."""
    store = company.stores[0]
    who = data.therapist(store, "801", health_cert_no="粤卫健 2026-0801",
                         health_cert_expires_on=TODAY + timedelta(days=10))
    other = data.therapist(store, "802")
    item_a, item_b = data.item("ZL60", "足疗 60 分钟"), data.item("AM90", "全身按摩 90 分钟")
    jobs = data.Jobs(store, item_a)
    # First and last business day of the month, and the days either side.
    for day, rating in ((date(2026, 11, 1), 5), (date(2026, 11, 30), 4),
                        (date(2026, 10, 31), 1), (date(2026, 12, 1), 1)):
        jobs.add(who, day, "rotation", rating=rating)
    jobs.add(who, date(2026, 11, 5), "rotation")
    jobs.add(who, date(2026, 11, 5), "rotation", rating=3)
    jobs.add(who, date(2026, 11, 6), "requested", rating=5)
    jobs.add(who, date(2026, 11, 6), "requested")
    jobs.add(who, date(2026, 11, 7), "rotation", addon=True, rating=4)
    jobs.add(who, date(2026, 11, 7), "requested", addon=True)
    jobs.add(who, date(2026, 11, 8), "rotation", status="returned", rating=1)  # not a rating
    jobs.add(who, date(2026, 11, 9), "requested", status="returned")
    jobs.add(who, date(2026, 11, 9), "rotation", status="cancelled")
    jobs.add(other, date(2026, 11, 9), "requested", rating=2)
    # Earlier months, for the trend.
    jobs.add(who, date(2026, 6, 15), "requested", rating=5)
    jobs.add(who, date(2026, 6, 16), "rotation", status="returned")
    jobs.add(who, date(2025, 12, 1), "rotation")  # the trend's first month
    jobs.add(who, date(2025, 11, 30), "rotation")  # 13 months back: outside the trend

    # Complaints: created 00:30 on 1 November in China is 31 October in UTC.
    data.complaint(store, who, data.local(date(2026, 11, 1), 0, 30), investigated=True,
                   concluded=True, substantiated=True)
    data.complaint(store, who, investigated=True, concluded=True, substantiated=False)
    data.complaint(store, who, investigated=True)  # open
    data.complaint(store, who)  # no investigation yet
    # Named someone else, the investigation found it was this therapist.
    data.complaint(store, other, investigated=True, concluded=True, substantiated=True,
                   attributed=who)
    # Named this therapist, substantiated against someone else: not against this one.
    data.complaint(store, who, investigated=True, concluded=True, substantiated=True,
                   attributed=other)
    data.complaint(store, other, investigated=True, concluded=True, substantiated=True)
    # 23:30 on 30 November in UTC is 1 December in China: outside.
    data.complaint(store, who, data.local(date(2026, 12, 1), 7, 30), investigated=True,
                   concluded=True, substantiated=True)

    data.exam(who, item_a, date(2026, 9, 1), "70.00", False)
    data.exam(who, item_a, date(2026, 11, 3), "85.00", True, kind="re_exam")
    data.exam(who, item_b, date(2026, 11, 20), "60.00", False)
    data.exam(who, item_b, date(2026, 12, 2), "90.00", True)  # after the period

    data.training(who, data.local(date(2026, 11, 1), 0, 30))  # counted: 1 Nov in China
    data.training(who, data.local(date(2026, 11, 12), 10), attended=False)
    data.training(who, data.local(date(2026, 11, 13), 10), status="planned")
    data.training(who, data.local(date(2026, 11, 14), 10), kind="pre_job")
    data.training(who, data.local(date(2026, 12, 1), 7, 30))  # 1 Dec in China: outside
    data.training(other, data.local(date(2026, 11, 14), 10))

    data.discipline(who, date(2026, 11, 18), status="pending")
    data.discipline(who, date(2026, 10, 30))

    junior = TherapistLevel(name="初级", rank=1)
    middle = TherapistLevel(name="中级", rank=2)
    db.session.add_all([junior, middle])
    db.session.flush()
    data.level_change(who, junior, None, date(2026, 3, 1))
    data.level_change(who, middle, junior, date(2026, 9, 1))
    data.level_change(who, junior, middle, date(2026, 12, 20), status="pending")
    who.level_id = middle.id
    from app.blueprints.store.models import TherapistQualification
    first_pass = data.exam(who, item_a, date(2026, 5, 1), "80.00", True, kind="qualification")
    db.session.add(TherapistQualification(employee_id=who.id, service_item_id=item_a.id,
                                          exam_id=first_pass.id, granted_on=date(2026, 5, 1)))
    db.session.add(TherapistQualification(employee_id=who.id, service_item_id=item_b.id))
    db.session.flush()
    return {"who": who, "other": other, "jobs": jobs, "item_a": item_a, "item_b": item_b}


@pytest.mark.both_backends
def test_figures_equal_a_recomputation_from_the_rows(app, company_a):
    with tenant_context(company_a.tenant_id):
        built = build_november(company_a)
        db.session.commit()
        who = db.session.get(Employee, built["who"].id)
        profile = profiles.therapist_profile(who, NOVEMBER, TODAY)

        expected = _expected_jobs(built["jobs"].made, who.id, NOVEMBER.start, NOVEMBER.end)
        assert _figures(profile.jobs) == expected
        # Spelled out once, so the recomputation itself is checked:
        assert (expected["completed"], expected["rotation"], expected["requested"],
                expected["addon"], expected["returned"]) == (8, 5, 3, 2, 2)
        assert expected["requested_rate"] == Decimal("0.3750")  # 3 / 8
        assert expected["addon_rate"] == Decimal("0.3333")  # 2 / 6
        assert expected["rating_mean"] == Decimal("4.20")  # (5 + 4 + 3 + 5 + 4) / 5

        assert profile.complaints.counts == {
            "substantiated": 2, "not_substantiated": 2, "open": 1, "uninvestigated": 1}

        assert [(x.item_name, x.score) for x in profile.exams.latest_by_item] == [
            ("全身按摩 90 分钟", Decimal("60.00")), ("足疗 60 分钟", Decimal("85.00"))]
        assert [x.score for x in profile.exams.history] == [Decimal("60.00"),
                                                            Decimal("85.00")]
        assert profile.exams.mean_score == Decimal("72.50") and profile.exams.failed == 1

        assert sorted(t.kind for t in profile.trainings) == ["pre_job", "regular"]
        assert profile.training_minutes == 180
        assert [(d.occurred_on, d.status) for d in profile.discipline] == [
            (date(2026, 11, 18), "pending")]

        assert [(s.effective_on, s.old_level, s.new_level) for s in profile.level_history] == [
            (date(2026, 3, 1), None, "初级"), (date(2026, 9, 1), "初级", "中级")]
        assert profile.level.name == "中级"
        why = {q.item_name: (q.exam_score, q.granted_on) for q in profile.qualifications}
        assert why == {"足疗 60 分钟": (Decimal("80.00"), date(2026, 5, 1)),
                       "全身按摩 90 分钟": (None, None)}
        assert profile.health_certificate.state == "expiring"


@pytest.mark.both_backends
def test_trend_is_twelve_months_to_the_period_end(app, company_a):
    with tenant_context(company_a.tenant_id):
        built = build_november(company_a)
        db.session.commit()
        who = db.session.get(Employee, built["who"].id)
        profile = profiles.therapist_profile(who, NOVEMBER, TODAY)

        months = [point.month for point in profile.trend]
        assert months[0] == date(2025, 12, 1) and months[-1] == date(2026, 11, 1)
        assert len(months) == 12
        for point in profile.trend:
            last = (point.month.replace(day=28) + timedelta(days=4)).replace(day=1)
            expected = _expected_jobs(built["jobs"].made, who.id, point.month,
                                      last - timedelta(days=1))
            assert _figures(point.figures) == expected, point.label
        by_month = {point.label: point.figures for point in profile.trend}
        assert by_month["2025-12"].completed == 1  # 30 Nov 2025 is outside the trend
        assert (by_month["2026-06"].completed, by_month["2026-06"].returned) == (1, 1)
        chart = profile.trend_chart()
        assert chart["labels"][-1] == "2026-11" and chart["completed"][-1] == 8
        assert chart["requested_rate"][-1] == 37.5 and chart["rating_mean"][-1] == 4.2
        assert chart["rating_mean"][1] is None  # January: no rating, a gap in the line


def test_named_periods_from_the_tenant_today():
    today = date(2026, 3, 15)
    assert profiles.resolve_period("this_month", today=today) == profiles.Period(
        "this_month", date(2026, 3, 1), today)
    assert profiles.resolve_period("last_month", today=today) == profiles.Period(
        "last_month", date(2026, 2, 1), date(2026, 2, 28))
    assert profiles.resolve_period("last_90_days", today=today).start == date(2025, 12, 16)
    assert profiles.resolve_period(None, "2026-01-01", "2026-01-31", today).key == "custom"
    assert profiles.resolve_period("last_month", today=date(2026, 1, 5)).start == date(2025,
                                                                                         12, 1)


@pytest.mark.parametrize(("start", "end", "field"), [
    ("2026-13-01", "2026-12-31", "start"),
    ("2026-01-01", "", "end"),
    ("2026-02-01", "2026-01-31", "end"),
    ("2020-01-01", "2026-01-31", "end"),
    ("0001-01-01", "2026-01-31", "start"),
])
def test_a_bad_custom_period_names_its_field(start, end, field):
    with pytest.raises(profiles.ProfileError) as caught:
        profiles.resolve_period("custom", start, end, date(2026, 3, 15))
    assert caught.value.field == field


def test_health_certificate_states():
    today = date(2026, 12, 4)

    def state(number, expires):
        return profiles.health_certificate(
            Employee(health_cert_no=number, health_cert_expires_on=expires), today).state

    assert state("", None) == "missing"
    assert state("A1", today - timedelta(days=1)) == "expired"
    assert state("A1", today) == "expiring"
    assert state("A1", today + timedelta(days=30)) == "expiring"
    assert state("A1", today + timedelta(days=31)) == "ok"
