"""消毒记录: the gaps rule (two periods, required rounds per item, deadlines), the
cleaner's round through the page, the log page, permissions and tenancy."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.blueprints.service import disinfection as rules
from app.extensions import db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.both_backends
def test_gaps_follow_the_required_rounds_and_deadlines(company_a, in_tenant):
    day = date(2026, 3, 10)
    with in_tenant(company_a):
        store = company_a.store
        # 开店前: everything but slippers; 午后: basins and towels, no cups.
        rules.record_round(store=store, items=["basin", "towel", "cup", "linen"],
                           method="steam", done_at=_at(day, 9, 30))
        rules.record_round(store=store, items=["basin", "towel"], method="chlorine",
                           done_at=_at(day, 14, 0))
        db.session.flush()
        found = rules.gaps([store.id], day, day, now=_at(day + timedelta(days=1), 8))
        assert {(g.period, g.item) for g in found} == {("opening", "slippers"),
                                                       ("afternoon", "cup")}
        # The same day seen at 13:00: the afternoon round is not due yet.
        early = rules.gaps([store.id], day, day, now=_at(day, 13))
        assert {(g.period, g.item) for g in early} == {("opening", "slippers")}
        # At 11:00 nothing is due yet.
        assert rules.gaps([store.id], day, day, now=_at(day, 11)) == []
        # A store that needs slippers twice a day and cups not at all.
        rules.set_requirements(store, {**rules.DEFAULT_ROUNDS, "slippers": 2, "cup": 0})
        later = rules.gaps([store.id], day, day, now=_at(day + timedelta(days=1), 8))
        assert {(g.period, g.item) for g in later} == {("opening", "slippers"),
                                                       ("afternoon", "slippers")}
        # A day with no round at all misses every required item in both periods.
        empty = rules.gaps([company_a.stores[1].id], day, day,
                           now=_at(day + timedelta(days=1), 8))
        assert len(empty) == 3 + 5  # basin, towel, cup twice; linen, slippers once
        with pytest.raises(rules.DisinfectionError) as refused:
            rules.set_requirements(store, {"towel": 3})
        assert "towel" in refused.value.fields


def test_a_round_needs_items_and_a_method_and_a_room_of_the_store(company_a, in_tenant):
    with in_tenant(company_a):
        other_room = next(r for r in company_a.rooms if r.store_id == company_a.stores[1].id)
        with pytest.raises(rules.DisinfectionError) as refused:
            rules.record_round(store=company_a.store, items=[], method="laser",
                               room_id=other_room.id)
        assert set(refused.value.fields) == {"items", "method", "room_id"}


def test_the_cleaner_records_a_round_and_the_manager_sees_gaps(client, auth, company_a,
                                                               in_tenant):
    store = company_a.store
    with in_tenant(company_a):
        yesterday = rules.local_today() - timedelta(days=1)
        rules.record_round(store=store, items=["basin", "towel", "cup", "linen", "slippers"],
                           method="steam", done_at=_at(yesterday, 9))
        db.session.commit()
    auth.login_as(company_a, "cleaner")
    page = client.get(f"/service/disinfection/record?store_id={store.id}")
    assert page.status_code == 200 and "保存本轮消毒" in page.get_data(as_text=True)
    # A fresh form shows no error (a dict's ``items`` method once showed up as one).
    assert 'data-error="items"' not in page.get_data(as_text=True)
    bad = client.post(f"/service/disinfection/record?store_id={store.id}",
                      data={"method": "uv"})
    assert bad.status_code == 422 and "请选择消毒的物品" in bad.get_data(as_text=True)
    done = client.post(f"/service/disinfection/record?store_id={store.id}",
                       data={"items": ["towel", "cup"], "method": "uv",
                             "room_id": company_a.rooms[0].id})
    assert done.status_code == 302
    after = client.get(done.location).get_data(as_text=True)
    assert "毛巾、茶杯" in after and "紫外线" in after
    # The cleaner has no desk for the log of the store.
    assert client.get("/service/disinfection").status_code == 403
    auth.logout()
    auth.login_as(company_a, "store_manager")
    log = client.get(f"/service/disinfection?store_id={store.id}").get_data(as_text=True)
    # Yesterday: the afternoon round of basins, towels and cups is missing.
    assert f'data-day="{yesterday.isoformat()}"' in log
    assert 'data-gap="afternoon-cup"' in log and 'data-gap="opening-towel"' not in \
        log.split(f'data-day="{yesterday.isoformat()}"')[1].split('data-testid="day-log"')[0]
    desk = client.get(f"/service/follow-ups?store_id={store.id}").get_data(as_text=True)
    assert 'data-testid="disinfection-gaps"' in desk
    assert f'data-gap="{yesterday.isoformat()}-afternoon-basin"' in desk


def test_the_service_manager_reads_every_store_and_sets_requirements(client, auth, company_a,
                                                                     company_b, in_tenant):
    auth.login_as(company_a, "service_manager")
    overview = client.get("/service/disinfection").get_data(as_text=True)
    assert all(f'data-store-id="{s.id}"' in overview for s in company_a.stores)
    response = client.post(f"/service/disinfection/settings?store_id={company_a.store.id}",
                           data={"basin": "2", "towel": "2", "cup": "1", "linen": "0",
                                 "slippers": "0"})
    assert response.status_code == 302
    with in_tenant(company_a):
        assert rules.requirements([company_a.store.id])[company_a.store.id]["linen"] == 0
    # Another company's store is a 404.
    assert client.get(f"/service/disinfection?store_id={company_b.store.id}").status_code == 404
    assert client.get(f"/service/disinfection/record?store_id={company_b.store.id}") \
        .status_code in (403, 404)
