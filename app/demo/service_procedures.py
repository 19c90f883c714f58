"""The service department's procedures (服务规范) and service-skill evaluations for the
head-office demo (app/demo/head_office.py): a procedure each for the greeter, the
receptionist, the cashier (two versions: the second added member-card, 团购 and hand-over
steps), the cleaner and the therapist; most staff have read the current version (a few
have not, so the service manager's list has names); and last month's and this month's
evaluations of every greeter, receptionist, cashier and cleaner.

Adds what is missing and nothing twice: a procedure is found by its position and
first title, an acknowledgement by (version, employee), an evaluation by (employee,
month).  Who has not read is a fixed rule on the ids, not a draw.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app.blueprints.service import evaluations, procedures
from app.blueprints.service.models_procedures import (
    Procedure,
    ProcedureAcknowledgement,
    ProcedureVersion,
    ServiceEvaluation,
)
from app.blueprints.service.rubrics import rubric_for
from app.extensions import db
from app.models import Position
from app.models.people import EMPLOYED_STATUSES

SEED = 1303

# position -> (title, steps, [(later title, later steps, change note)]).
PROCEDURES: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
    "greeter": ("迎宾接待流程", """1. 营业前 10 分钟到岗，检查仪容：工服整洁、工牌戴在左胸、淡妆
2. 客人距门口三米时微笑注视，五米内主动问候“您好，欢迎光临悦足！”
3. 主动为客人开门，雨天递上伞套
4. 询问是否有预订、几位客人、是否指定技师
5. 引导客人至前台，走在客人左前方一到两步，转弯时用手势示意
6. 客满时请客人在休息区就座，奉上茶水，告知大约等候时间
7. 客人离店时送至门口，道别“请慢走，欢迎再次光临”""", []),
    "receptionist": ("前台接待开单规范", """1. 客人到前台起身相迎，会员称呼姓氏
2. 查询会员信息，确认卡内余额与可用套餐
3. 了解客人需求（疲劳、肩颈、失眠等），推荐合适的项目与时长
4. 询问是否点钟；未点钟按轮牌派钟，并告知技师工号
5. 核对项目、房间、技师、手牌号后开单，复述一遍请客人确认
6. 发放手牌与拖鞋，安排带位至房间
7. 预订客人提前 15 分钟留房，超时 15 分钟电话确认""", []),
    "cashier": ("收银结账规范", """1. 客人到收银台，微笑问候，收回手牌
2. 打印消费明细，逐项与客人核对
3. 唱收唱付：“收您 xx 元，找您 xx 元”
4. 双手递还银行卡、零钱与小票
5. 道别并邀请客人再次光临""", [("收银结账规范", """1. 客人到收银台，微笑问候，收回手牌
2. 打印消费明细，逐项与客人核对项目、时长与技师工号
3. 会员客人先告知卡内余额，征得同意后扣卡
4. 唱收唱付：“收您 xx 元，找您 xx 元”；现金当面验钞
5. 团购券当场核销，核销码记在单据备注
6. 双手递还银行卡、零钱与小票，提醒客人带好随身物品
7. 交班前清点备用金，现金、微信、支付宝分别对账""", "新增会员扣卡确认、团购券核销与交班对账")]),
    "cleaner": ("房间清洁与消毒规范", """1. 客人离房后 10 分钟内进房翻房，戴好口罩与手套
2. 撤下用过的毛巾、浴巾、床单，分类放入布草车
3. 足浴盆倒水后用含氯消毒液（500 mg/L）浸泡 30 分钟，冲净擦干，套一次性足浴袋
4. 按摩床、沙发、茶几用消毒湿巾擦拭，地面拖净无水渍
5. 更换干净床单、毛巾，摆放整齐
6. 开窗或开新风通风 10 分钟，检查空调、电视、灯光
7. 在消毒记录上登记房号、时间与消毒方式，通知前台房间可用""", []),
    "therapist": ("技师服务流程", """1. 上钟前检查仪容：指甲修剪、不戴首饰、工服整洁
2. 进房敲门三下，自我介绍“您好，我是 xx 号技师，很高兴为您服务”
3. 调好水温（40–42℃）请客人试水，泡脚时询问力度与禁忌（孕期、伤口、静脉曲张）
4. 按项目流程操作，不缩短时间，每 15 分钟询问力度是否合适
5. 服务中不接打私人电话、不与同事闲聊
6. 下钟前 5 分钟告知客人，询问是否加钟
7. 服务结束为客人整理衣物，提醒带好随身物品，报钟下钟""", []),
}


def _has_not_read(employee_id: int, version_id: int) -> bool:
    """About one in seven has not read a version yet (a fixed rule: loads agree)."""
    return (employee_id * 3 + version_id) % 7 == 0


def load(demo) -> None:
    manager = demo.accounts.get("service_manager")
    if manager is None:
        return
    positions = {p.role: p for p in db.session.scalars(select(Position))}
    _procedures(demo, manager, positions)
    _acknowledgements(demo, positions)
    _evaluations(demo, manager, positions)


def _procedures(demo, manager, positions) -> None:
    added = 0
    for role, (title, body, later) in PROCEDURES.items():
        position = positions.get(role)
        if position is None:
            continue
        found = db.session.scalar(
            select(Procedure.id).join(ProcedureVersion,
                                      ProcedureVersion.procedure_id == Procedure.id)
            .where(Procedure.position_id == position.id, ProcedureVersion.number == 1,
                   ProcedureVersion.title == title))
        if found is not None:
            continue
        procedure = procedures.create_procedure(
            {"position_id": position.id, "title": title, "body": body, "publish": True},
            manager)
        first = procedures.current_version(procedure)
        # Published two months ago; a later version a fortnight ago.
        first.published_at = first.created_at = first.created_at - timedelta(days=60)
        for new_title, new_body, note in later:
            version = procedures.edit_procedure(
                procedure, {"title": new_title, "body": new_body, "change_note": note},
                manager)
            version.published_at = version.created_at = version.created_at - timedelta(days=14)
            first.archived_at = version.published_at
        added += 1
    db.session.flush()
    demo.add("service procedures", added)


def _acknowledgements(demo, positions) -> None:
    versions = db.session.execute(
        select(ProcedureVersion, Procedure.position_id)
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
        .where(ProcedureVersion.status.in_(("published", "archived")))).all()
    done = {(v, e) for v, e in db.session.execute(
        select(ProcedureAcknowledgement.version_id, ProcedureAcknowledgement.employee_id))}
    staff = [e for e in demo.employees if e.status in EMPLOYED_STATUSES]
    added = 0
    for version, position_id in versions:
        for employee in staff:
            if employee.position_id != position_id or (version.id, employee.id) in done \
                    or _has_not_read(employee.id, version.id):
                continue
            read_at = (version.published_at or version.created_at) + timedelta(
                hours=2 + employee.id % 48)
            db.session.add(ProcedureAcknowledgement(version_id=version.id,
                                                    employee_id=employee.id,
                                                    acknowledged_at=read_at))
            added += 1
    db.session.flush()
    demo.add("procedure acknowledgements", added)


def _evaluations(demo, manager, positions) -> None:
    """Last month's and (from the 3rd on) this month's evaluation of each greeter,
    receptionist, cashier and cleaner of every store."""
    roles = {p.id: role for role, p in positions.items() if rubric_for(role)}
    this_month = demo.today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    months = [last_month] + ([this_month] if demo.today.day >= 3 else [])
    seen = {(employee_id, day.replace(day=1)) for employee_id, day in db.session.execute(
        select(ServiceEvaluation.employee_id, ServiceEvaluation.evaluated_on))}
    store_ids = {s.id for s in demo.stores}
    added = 0
    for employee in demo.employees:
        role = roles.get(employee.position_id)
        if role is None or employee.store_id not in store_ids \
                or employee.status not in EMPLOYED_STATUSES:
            continue
        for month in months:
            if (employee.id, month) in seen:
                continue
            rng = random.Random(SEED * 100_003 + employee.id * 13 + month.month)
            last_day = demo.today.day - 1 if month == this_month else 25
            day = month.replace(day=rng.randint(min(2, last_day), last_day))
            # A steady hand scores 4s and 5s, a newer one 3s with the odd 2.
            skill = rng.choice((3, 4, 4, 5))
            scores = {c.code: max(1, min(5, skill + rng.choice((-1, 0, 0, 1))))
                      for c in rubric_for(role)}
            evaluations.record_evaluation(
                {"store_id": employee.store_id, "employee_id": employee.id,
                 "evaluated_on": day, "scores": scores,
                 "notes": _note(rng, min(scores.values()))}, manager)
            added += 1
    db.session.flush()
    demo.add("service evaluations", added)


def _note(rng: random.Random, lowest: int) -> str:
    if lowest <= 2:
        return rng.choice(("问候不够主动，需加强礼仪训练", "项目介绍不熟，安排复训"))
    if lowest == 3:
        return rng.choice(("整体合格，细节仍可提升", "高峰时段应变稍慢"))
    return rng.choice(("表现稳定，客人反馈好", "可作为新人带教"))
