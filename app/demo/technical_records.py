"""Technical-department demo data, the records beside the exams (app/demo/technical.py):
training, discipline, complaint investigations and new-technique proposals.

* Training: a monthly technique training per store (its technical supervisor teaches;
  most of its therapists attend, a few are absent with a reason; this month's is
  planned if still ahead), one 技术交流 (the first store hosts the fourth), the 岗前培训
  of each therapist in onboarding (held and passed when their 入职技师审核 is ticked,
  planned otherwise), and one corrective session ordered by a complaint.
* Discipline, all in the first store (where the demo's logins work): the 停牌 / demoted
  therapist's 服务规范 ladder within the window (verbal → written → ¥50 fine, each
  approved by the technical director; the fine is an approved 奖惩 fine effective in
  last month, so last month's payroll deducts it), two single verbal warnings of other
  kinds, and one record pending in the director's approval inbox.  The recorder is the
  store's technical supervisor or manager, never the decider, never the subject.
* Investigations: every complaint case of the history has one; all concluded but the
  newest.  水温 complaints are the desk's, attributed to nobody; the others are
  attributed to the therapist the desk named and substantiated about two times in five
  (at most once per therapist last month: the assessment deducts 10 points each, see
  technical.py), each substantiated one with a corrective action (the store's next
  training, or the re-exam / fine of the demoted therapist) and the guest called back.
* Proposals: one pending; one approved that became a draft service item (unpriced for
  the desk: ``is_draft``, inactive) for the head office to release.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import update

from app.blueprints.hr.models import RewardPenalty
from app.blueprints.store.models import ServiceItem
from app.blueprints.technical.models import (
    ComplaintInvestigation,
    DisciplineRecord,
    TechniqueProposal,
    TrainingAttendance,
    TrainingSession,
)
from app.demo.rows import bulk_insert
from app.extensions import db

# (topic, item code) of the monthly training, by month.
TOPICS = (("足疗手法统一：反射区定位与力度", "ZL60"), ("中式推拿基本手法复训", "TN60"),
          ("精油开背流程与卫生规范", "JY90"), ("服务礼仪与钟点时间把控", None))
ABSENT = ("请假", "轮休", "病假")
SUBSTANTIATED_SHARE = 0.4
# Complaint text (history_writer.COMPLAINTS) -> (findings if substantiated, if not).
FINDINGS = {
    "看手机": ("调取监控确认技师服务中多次看手机，与客人反映一致。",
               "技师称接到家人急电，仅一次，时间很短；已提醒服务中手机静音。"),
    "钟点时间不足": ("核对起钟、下钟记录，实际服务时间比项目少约 10 分钟。",
                     "核对起钟、下钟记录，服务足钟，客人感受有偏差。"),
    "态度冷淡": ("同班技师和领班证实技师当天情绪不佳，服务中与客人沟通少。",
                 "回放监控未见不当言行，技师按流程服务；已提醒多与客人沟通。"),
}
WATER = ("水温", "足浴水温由前台统一调配，与技师手法无关；已提醒前台控制水温。")
GUEST_FEEDBACK = ("已电话回访，客人接受道歉，表示还会再来。", "已电话回访，客人表示理解。",
                  "客人到店时当面致歉，赠送一次采耳，客人满意。")


def _key(description: str) -> str | None:
    return next((k for k in FINDINGS if k in description), None)


def plan_investigations(ctx) -> None:
    """Decide each complaint's attribution and whether it is substantiated (before the
    assessment is planned: a substantiated one last month costs 10 points)."""
    rng = ctx.rng
    newest = max((c["created_at"], c["id"]) for c in ctx.complaints)[1] \
        if ctx.complaints else None
    for c in ctx.complaints:
        key = _key(c["description"])
        c["open"] = c["id"] == newest
        c["attributed"] = c["therapist_id"] if key else None
        c["substantiated"] = None if c["open"] else (
            True if key is None else rng.random() < SUBSTANTIATED_SHARE)
        last_month = ctx.period_start <= c["date"] <= ctx.period_end
        if c["substantiated"] and c["attributed"] and last_month:
            if ctx.substantiated_last_month.get(c["attributed"]):
                c["substantiated"] = False  # at most one a therapist last month
            else:
                ctx.substantiated_last_month[c["attributed"]] = 1


def substantiate_demoted(ctx) -> None:
    """The demoted therapist's complaints last month (two at most) were substantiated."""
    cases = [c for c in ctx.complaints if c["attributed"] == ctx.demoted and not c["open"]
             and ctx.period_start <= c["date"] <= ctx.period_end][:2]
    for c in cases:
        c["substantiated"] = True
    if cases:
        ctx.substantiated_last_month[ctx.demoted] = len(cases)


def unsubstantiate(ctx, therapist: int) -> None:
    """Their complaints last month were not substantiated after all."""
    for c in ctx.complaints:
        if c["attributed"] == therapist and ctx.period_start <= c["date"] <= ctx.period_end:
            c["substantiated"] = False
    ctx.substantiated_last_month.pop(therapist, None)


def add_records(ctx, exams: list[dict], result) -> None:
    """Training, discipline, investigations (linking the first two and the exams), proposals."""
    sessions = add_training(ctx, result)
    discipline = add_discipline(ctx, result)
    add_investigations(ctx, exams, sessions, discipline, result)
    add_proposals(ctx, result)


# --- training ----------------------------------------------------------------------------


def add_training(ctx, result) -> dict[int, list[tuple[date, int]]]:
    """Write the sessions and attendance; store -> [(day, session id)] of the monthly ones."""
    rng, t = ctx.rng, ctx.tenant_id
    director = ctx.staff["technical_director"].get(None)
    by_store: dict[int, list] = {}
    for th in ctx.therapists:
        by_store.setdefault(th.store_id, []).append(th)
    sessions, lists = [], []  # session rows; [(employee, attended, passed, note)] each
    monthly: list[tuple[int, date]] = []
    month = ctx.first_day.replace(day=1)
    n = 0
    while month <= ctx.today:
        topic, code = TOPICS[n % len(TOPICS)]
        for index, (store_id, _code, _name) in enumerate(ctx.stores):
            day = month + timedelta(days=9 + index)
            if day < ctx.first_day:
                continue
            held = day < ctx.today
            trainer = ctx.staff["technical_supervisor"].get(store_id, director)
            sessions.append(_session(ctx, topic, "regular", store_id, None, trainer,
                                     code, day, time(14, 0), "held" if held else "planned",
                                     store_id))
            people = []
            for th in by_store.get(store_id, []):
                if th.hire_date > day:
                    continue
                absent = held and rng.random() < 0.08
                people.append((th.id, (not absent) if held else None, None,
                               rng.choice(ABSENT) if absent else ""))
            lists.append(people)
            monthly.append((store_id, day))
        month = (month + timedelta(days=32)).replace(day=1)
        n += 1
    # 技术交流: the fourth store's therapists visit the first.
    if len(ctx.stores) > 3:
        host, guest = ctx.stores[0], ctx.stores[3]
        day = ctx.first_day + timedelta(days=45)
        sessions.append(_session(
            ctx, f"技术交流：{guest[2]}到{host[2]}切磋足疗手法", "exchange", host[0], guest[0],
            director, "ZL90", day, time(15, 0), "held", None))
        people = [(th.id, True, None, "") for store in (host[0], guest[0])
                  for th in by_store.get(store, [])[:4]]
        lists.append(people)
    # 岗前培训 of the therapists in onboarding.
    for employee, reviewed in ctx.joiners:
        th = next(x for x in ctx.therapists if x.id == employee)
        trainer = ctx.staff["trainee_supervisor"].get(th.store_id) or \
            ctx.staff["technical_supervisor"].get(th.store_id, director)
        day = th.hire_date - timedelta(days=4) if reviewed else ctx.today + timedelta(days=3)
        sessions.append(_session(ctx, "新技师岗前培训：店规、卫生与足疗基本手法", "pre_job",
                                 th.store_id, None, trainer, "ZL60", day, time(9, 30),
                                 "held" if reviewed else "planned", th.store_id))
        lists.append([(employee, True if reviewed else None, True if reviewed else None,
                       "考核合格" if reviewed else "")])
    # A corrective session ordered by a substantiated 钟点 complaint.
    case = next((c for c in ctx.complaints if c["substantiated"] and c["attributed"]
                 and "钟点" in c["description"] and c["attributed"] != ctx.demoted
                 and c["date"] + timedelta(days=3) < ctx.today), None)
    if case is not None:
        row = _session(ctx, "钟点规范与时间把控复训（客诉整改）", "regular", case["store_id"],
                       None, ctx.staff["technical_supervisor"].get(case["store_id"], director),
                       None, case["date"] + timedelta(days=3), time(11, 0), "held",
                       case["store_id"])
        row["complaint_id"] = case["id"]
        sessions.append(row)
        lists.append([(case["attributed"], True, None, "")])
        case["training"] = "corrective"
    ids = bulk_insert(TrainingSession, sessions, returning=True)
    rows = []
    for session_id, row, people in zip(ids, sessions, lists, strict=True):
        for employee, attended, passed, note in people:
            rows.append({"tenant_id": t, "session_id": session_id, "employee_id": employee,
                         "attended": attended, "passed": passed, "note": note,
                         "recorded_by_account_id": row["created_by_account_id"]
                         if attended is not None else None,
                         "created_at": row["created_at"]})
        if row.get("complaint_id"):
            case["training_session_id"] = session_id
    bulk_insert(TrainingAttendance, rows)
    result.add("training sessions", len(sessions))
    result.add("attendance", len(rows))
    store_sessions: dict[int, list[tuple[date, int]]] = {}
    for (store_id, day), session_id in zip(monthly, ids, strict=False):
        store_sessions.setdefault(store_id, []).append((day, session_id))
    return store_sessions


def _session(ctx, topic, kind, store_id, partner, trainer, code, day, at, status,
             creator_store) -> dict:
    item = ctx.items.get(code, (None,))[0] if code else None
    return {"tenant_id": ctx.tenant_id, "topic": topic, "kind": kind, "status": status,
            "store_id": store_id, "partner_store_id": partner,
            "trainer_employee_id": trainer, "trainer_name": "", "service_item_id": item,
            "starts_at": ctx.utc(day, at), "duration_minutes": 120 if kind != "pre_job" else 240,
            "notes": "", "complaint_id": None,
            "created_by_account_id": ctx.examiner(creator_store),
            "created_at": ctx.utc(min(day, ctx.today) - timedelta(days=7), time(10, 0))}


# --- discipline --------------------------------------------------------------------------


def add_discipline(ctx, result) -> dict[str, int]:
    """Write the records and the approved fine; name -> id ("fine", ...)."""
    t = ctx.tenant_id
    store = ctx.stores[0][0]
    director = ctx.accounts.get("technical_director")
    supervisor = ctx.accounts.get("technical_supervisor")
    manager = ctx.accounts.get("store_manager")
    subject = next((x for x in ctx.therapists if x.id == ctx.demoted), None)
    others = [x for x in ctx.therapists if x.store_id == store and x.id != ctx.demoted
              and x.id not in {e for e, _d in ctx.joiners}]
    case = next((c for c in ctx.complaints if c["attributed"] == ctx.demoted
                 and c["substantiated"] and ctx.period_start <= c["date"] <= ctx.period_end),
                None)
    fine_day = case["date"] if case else ctx.period_start + timedelta(days=14)
    verbal_day = ctx.first_day + timedelta(days=7)
    written_day = verbal_day + (fine_day - verbal_day) / 2
    plan = []  # (name, therapist, category, day, step, n, fine, status, recorder, text, case)
    if subject is not None:
        plan += [
            ("verbal", subject, "service", verbal_day, "verbal", 1, None, "approved", supervisor,
             "服务中途离开房间接电话，钟点不足约 8 分钟，口头警告。", None),
            ("written", subject, "service", written_day, "written", 2, None, "approved",
             supervisor, "再次缩短钟点，被客人发现，书面警告。", None),
            ("fine", subject, "service", fine_day, "fine", 3, Decimal("50.00"), "approved",
             supervisor, "第三次缩短钟点，客诉属实，罚款 50 元。",
             case["id"] if case else None)]
    if len(others) >= 3:
        plan += [
            ("late", others[0], "lateness", ctx.period_start + timedelta(days=6), "verbal", 1,
             None, "approved", manager, "晚班迟到 25 分钟，未提前报备，口头警告。", None),
            ("grooming", others[1], "grooming", ctx.first_day + timedelta(days=30), "verbal",
             1, None, "approved", manager, "上钟未穿工服外套、未戴工牌，口头警告。", None),
            ("pending", others[2], "hygiene", ctx.today - timedelta(days=2), "verbal", 1, None,
             "pending", supervisor, "用过的毛巾未按规定送洗，直接叠放回毛巾柜。", None)]
    rows = []
    for _name, th, category, day, step, n, fine, status, recorder, text, complaint in plan:
        decided = status == "approved"
        rows.append({
            "tenant_id": t, "employee_id": th.id, "store_id": th.store_id,
            "category": category, "occurred_on": day, "description": text, "step": step,
            "repeat_no": n, "fine_amount": fine, "effective_on": day if fine else None,
            "complaint_id": complaint, "reward_id": None, "status": status,
            "requested_by_account_id": recorder,
            "decided_by_account_id": director if decided else None,
            "decided_at": ctx.utc(day + timedelta(days=1), time(16, 0)) if decided else None,
            "decision_note": "同意" if decided else "",
            "created_at": ctx.utc(day, time(22, 0))})
    ids = dict(zip([p[0] for p in plan], bulk_insert(DisciplineRecord, rows, returning=True),
                   strict=True))
    if "fine" in ids:
        fine = rows[2]
        reward = bulk_insert(RewardPenalty, [{
            "tenant_id": t, "employee_id": subject.id, "store_id": subject.store_id,
            "kind": "fine", "amount": fine["fine_amount"], "effective_on": fine_day,
            "reason": f"违纪处理罚款（违纪记录 #{ids['fine']}，服务规范，第 3 次，"
                      f"{fine_day.isoformat()}）",
            "status": "approved", "requested_by_account_id": supervisor,
            "decided_by_account_id": director, "decided_at": fine["decided_at"],
            "created_at": fine["decided_at"]}], returning=True)[0]
        db.session.execute(update(DisciplineRecord), [
            {"tenant_id": t, "id": ids["fine"], "reward_id": reward}])
        ids["reward"] = reward
    result.add("discipline records", len(rows))
    return ids


# --- investigations ----------------------------------------------------------------------


def add_investigations(ctx, exams: list[dict], sessions: dict[int, list[tuple[date, int]]],
                       discipline: dict[str, int], result) -> None:
    rng = ctx.rng
    re_exams = {e["complaint"]: e["id"] for e in exams if e.get("complaint")}
    rows = []
    for c in ctx.complaints:
        key = _key(c["description"])
        base = {"tenant_id": ctx.tenant_id, "complaint_id": c["id"], "store_id": c["store_id"],
                "therapist_id": c["attributed"], "training_session_id": None,
                "exam_id": None, "discipline_id": None,
                "investigator_account_id": ctx.examiner(c["store_id"]),
                "created_at": c["created_at"] + timedelta(hours=14)}
        if c["open"]:
            rows.append({**base, "substantiated": None, "findings": "正在调取监控、询问同班人员。",
                         "corrective_action": "none", "corrective_note": "",
                         "guest_feedback": "", "guest_feedback_at": None, "status": "open",
                         "concluded_on": None})
            continue
        findings = WATER[1] if key is None else FINDINGS[key][0 if c["substantiated"] else 1]
        action, note = "none", ""
        if c["substantiated"] and c["attributed"]:
            if c["attributed"] == ctx.demoted and c["id"] in re_exams:
                action, note = "re_exam", "技术复考（未通过，继续跟进）；同类违纪已升级处理。"
                base["exam_id"] = re_exams[c["id"]]
                base["discipline_id"] = discipline.get("fine")
            elif c["attributed"] == ctx.demoted and discipline.get("fine"):
                action, note = "penalty", "同类违纪第三次，罚款 50 元。"
                base["discipline_id"] = discipline["fine"]
            else:
                action = "training"
                base["training_session_id"] = c.get("training_session_id") or next(
                    (sid for day, sid in sessions.get(c["store_id"], []) if day > c["date"]),
                    None)
                note = "参加复训，督导跟班检查一周。" if c.get("training_session_id") \
                    else "参加门店当月技术培训，督导跟班检查。"
        concluded = min(c["date"] + timedelta(days=2), ctx.today)
        rows.append({**base, "substantiated": c["substantiated"], "findings": findings,
                     "corrective_action": action, "corrective_note": note,
                     "guest_feedback": rng.choice(GUEST_FEEDBACK),
                     "guest_feedback_at": ctx.utc(concluded, time(15, 0)),
                     "status": "concluded", "concluded_on": concluded})
    bulk_insert(ComplaintInvestigation, rows)
    result.add("investigations", len(rows))


# --- proposals ---------------------------------------------------------------------------


def add_proposals(ctx, result) -> None:
    store = ctx.stores[0][0]
    supervisor = ctx.accounts.get("technical_supervisor")
    director = ctx.accounts.get("technical_director")
    approved_on = ctx.today - timedelta(days=12)
    approved = TechniqueProposal(
        name="艾草盐包热敷足疗 75 分钟", category="foot", duration_minutes=75,
        process="泡脚 10 分钟 → 艾草盐包热敷足底、小腿 15 分钟 → 足疗标准手法 45 分钟 → "
                "温盐包敷腰 5 分钟",
        materials="艾草海盐包（每客一包）、加热箱、足浴药包", price_idea=Decimal("158.00"),
        rationale="入冬后客人常问热敷；商圈同类项目 148–168 元，复购率高。", store_id=store,
        status="approved", requested_by_account_id=supervisor,
        decided_by_account_id=director,
        decided_at=ctx.utc(approved_on, time(17, 0)), decision_note="同意试做，定价由总部核定。",
        created_at=ctx.utc(approved_on - timedelta(days=5), time(11, 0)))
    pending = TechniqueProposal(
        name="肩颈刮痧 30 分钟", category="body", duration_minutes=30,
        process="肩颈放松 5 分钟 → 刮痧油 → 沿膀胱经、肩井刮拭 20 分钟 → 热毛巾敷 5 分钟",
        materials="水牛角刮痧板（每客消毒）、刮痧油、热毛巾", price_idea=Decimal("68.00"),
        rationale="白领客人肩颈问题多，可作为加钟项目。", store_id=store, status="pending",
        requested_by_account_id=supervisor,
        created_at=ctx.utc(ctx.today - timedelta(days=3), time(11, 0)))
    db.session.add_all([approved, pending])
    db.session.flush()
    item = ServiceItem(code=f"NEW-{approved.id}", name=approved.name, category="foot",
                       duration_minutes=75, price=approved.price_idea, is_draft=True,
                       is_active=False)
    db.session.add(item)
    db.session.flush()
    approved.service_item_id = item.id
    result.add("proposals", 2)
