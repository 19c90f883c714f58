"""Demo inspections (门店检查) and the disinfection log (消毒记录) of yuezu's stores:
a hygiene and a safety checklist, last month's and this month's inspections with
varied scores, follow-up actions (some done, some overdue) and two weeks of
disinfection rounds with a few gaps.  Adds only what is missing: a second
``flask demo load`` changes nothing (the same day)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from app.blueprints.service import disinfection, inspections
from app.blueprints.service.models_inspections import (
    DisinfectionRound,
    Inspection,
    InspectionTemplate,
)
from app.extensions import db
from app.models import Employee

HYGIENE = ("门店卫生检查表", "hygiene", (
    ("足浴盆一客一换一消毒，盆套一次性", 15),
    ("毛巾、浴袍消毒后分类存放，无异味", 15),
    ("茶杯经消毒柜或洗碗机高温消毒", 10),
    ("地面、墙面、天花无污渍霉斑", 10),
    ("卫生间清洁无积水，有通风", 10),
    ("床单一客一换，无毛发", 15),
    ("拖鞋消毒后上架", 10),
    ("消毒记录完整、按时填写", 15),
))
SAFETY = ("门店安全检查表", "safety", (
    ("灭火器在有效期内，位置明显", 20),
    ("安全出口畅通，应急灯正常", 20),
    ("电器线路无裸露，插座不超负荷", 20),
    ("热水器、蒸汽设备定期检修记录", 20),
    ("地面防滑，台阶有提示", 20),
))
FOLLOW_UPS = ("足浴盆边水垢清除", "卫生间排风扇维修", "补齐本周消毒记录", "更换发黄毛巾",
              "灭火器年检")


def load(demo) -> None:
    templates = [_template(demo, *spec) for spec in (HYGIENE, SAFETY)]
    _inspections(demo, *templates)
    _rounds(demo)


def _template(demo, name, kind, items) -> InspectionTemplate:
    found = db.session.scalar(select(InspectionTemplate).where(
        InspectionTemplate.name == name, InspectionTemplate.status == "active"))
    if found is not None:
        return found
    demo.add("inspection templates", 1)
    return inspections.create_template(
        kind=kind, name=name, items=[inspections.ItemInput(t, p) for t, p in items])


def _inspections(demo, hygiene, safety) -> None:
    if db.session.scalar(select(func.count(Inspection.id))):
        return
    rng = demo.rng
    inspector = demo.accounts.get("service_manager")
    this_month = demo.today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    made = actions = 0
    for store_no, store in enumerate(demo.stores):
        staff = list(db.session.scalars(select(Employee.id).where(
            Employee.store_id == store.id, Employee.status == "active").order_by(Employee.id)))
        # Better stores lose fewer points: the ranking has a spread.
        care = 0.95 - 0.04 * (store_no % 6)
        for month, days in ((last_month, (4, 19)), (this_month, (3,))):
            for day_no in days:
                on = month + timedelta(days=day_no + store_no % 3)
                if on > demo.today:
                    continue
                for template in (hygiene, safety) if day_no == days[0] else (hygiene,):
                    items = inspections.template_items(template.id)
                    scores = {i.id: max(0, min(i.max_points, round(
                        i.max_points * (care + rng.uniform(-0.12, 0.05))))) for i in items}
                    notes = {i.id: "需整改" for i in items if scores[i.id] < i.max_points * 0.7}
                    inspection = inspections.record_inspection(
                        store=store, template=template, inspected_on=on, scores=scores,
                        notes=notes, overall="整体良好，细节需加强" if care > 0.85 else
                        "卫生死角较多，限期整改", inspector=inspector)
                    made += 1
                    if not staff or template is not hygiene:
                        continue
                    for n in range(1 + (store_no % 2)):
                        action = inspections.add_follow_up(
                            inspection, what=FOLLOW_UPS[(store_no + n) % len(FOLLOW_UPS)],
                            owner_employee_id=staff[(store_no + n) % len(staff)],
                            due_on=on + timedelta(days=7))
                        actions += 1
                        # Last month's mostly done; some left overdue.
                        if month == last_month and (store_no + n) % 3:
                            inspections.complete_follow_up(
                                action, note="已整改并拍照存档",
                                by=demo.accounts.get("store_manager"),
                                at=_local(on + timedelta(days=rng.randint(2, 6)), 16))
    demo.add("inspections", made)
    demo.add("inspection follow-ups", actions)


def _local(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=disinfection.zone())


def _rounds(demo) -> None:
    now = disinfection.local_now()
    cleaner = demo.accounts.get("cleaner")
    have = {(store_id, day) for store_id, day in db.session.execute(
        select(DisinfectionRound.store_id, DisinfectionRound.day).distinct()
        .where(DisinfectionRound.day >= demo.today - timedelta(days=13)))}
    added = 0
    for store_no, store in enumerate(demo.stores):
        for back in range(13, -1, -1):
            day = demo.today - timedelta(days=back)
            if (store.id, day) in have:
                continue
            # A few gaps: now and then the afternoon round forgets the cups, or is skipped.
            skip_afternoon = (back + store_no) % 9 == 4
            no_cups = (back + store_no) % 7 == 2
            rounds = [(_local(day, 9, 30 + store_no % 20), ["basin", "towel", "cup", "linen",
                                                            "slippers"], "steam")]
            if not skip_afternoon:
                rounds.append((_local(day, 14, 10 + store_no % 30),
                               ["basin", "towel"] + ([] if no_cups else ["cup"]),
                               "chlorine" if back % 2 else "uv"))
            for at, items, method in rounds:
                if at > now:
                    continue
                disinfection.record_round(store=store, items=items, method=method,
                                          done_at=at, by=cleaner)
                added += 1
    demo.add("disinfection rounds", added)
