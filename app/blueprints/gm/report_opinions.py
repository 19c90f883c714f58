"""月度经营分析报告 — guests' opinions: average rating and its distribution, complaint
kinds, the lowest-rated service items and therapists of each store.

Ratings come from the guests' feedback (one row per therapist's job), complaints from
the complaint cases opened in the month (company time).  A complaint has no kind
column: its kind is read from the words of its description (``COMPLAINT_KINDS``, first
match wins), else 技师服务 when it names a therapist, else 其他.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.blueprints.gm.report_sales import add_months
from app.blueprints.store.models.feedback import ComplaintCase, Feedback
from app.blueprints.store.models.orders import OrderLine, ServiceJob
from app.extensions import db
from app.models import Employee

# (kind, words in the description that mark it): the trade's usual complaint reasons.
COMPLAINT_KINDS = (
    (_l("技师手法"), ("力度", "手法", "按得", "疼", "不专业", "偷钟", "时间不够")),
    (_l("服务态度"), ("态度", "不理", "冷淡", "语气", "不耐烦", "推销")),
    (_l("卫生环境"), ("卫生", "脏", "毛巾", "异味", "味道", "蟑螂", "不干净")),
    (_l("水温设施"), ("水温", "烫", "太冷", "空调", "设施", "漏水", "噪音")),
    (_l("等候时间"), ("等了", "等候", "排队", "太慢", "久")),
    (_l("价格收费"), ("价格", "收费", "太贵", "多收", "扣费", "乱收")),
)
LOWEST = 3


def complaint_kind(description: str, therapist_id: int | None, kind: str | None = None) -> str:
    """The kind the service department gave the case (服务部 classifies each one); for a
    case not classified yet, the kind its description's words suggest."""
    if kind:
        from app.blueprints.service.labels import COMPLAINT_KIND_LABELS

        return str(COMPLAINT_KIND_LABELS.get(kind, kind))
    text = description or ""
    for kind, words in COMPLAINT_KINDS:
        if any(word in text for word in words):
            return str(kind)
    return _("技师服务") if therapist_id else _("其他")


def month_bounds(month: date):
    """The month as aware datetimes in the company's time zone."""
    from app.blueprints.hr.time import day_bounds, tenant_zone

    zone = tenant_zone()
    return day_bounds(month, zone)[0], day_bounds(add_months(month, 1), zone)[0]


def complaints_of_month(month: date, store_ids: set[int] | None) -> list:
    start, end = month_bounds(month)
    stmt = (select(ComplaintCase.store_id, ComplaintCase.description,
                   ComplaintCase.therapist_id, ComplaintCase.status, ComplaintCase.kind)
            .where(ComplaintCase.created_at >= start, ComplaintCase.created_at < end)
            .order_by(ComplaintCase.id))
    if store_ids is not None:
        stmt = stmt.where(ComplaintCase.store_id.in_(sorted(store_ids) or [-1]))
    return list(db.session.execute(stmt))


def complaint_counts(month: date, store_ids: set[int] | None) -> dict[int, int]:
    start, end = month_bounds(month)
    stmt = (select(ComplaintCase.store_id, func.count())
            .where(ComplaintCase.created_at >= start, ComplaintCase.created_at < end)
            .group_by(ComplaintCase.store_id))
    if store_ids is not None:
        stmt = stmt.where(ComplaintCase.store_id.in_(sorted(store_ids) or [-1]))
    return {store_id: n for store_id, n in db.session.execute(stmt)}


def _avg(total, n) -> str:
    return str((Decimal(total) / n).quantize(Decimal("0.01"), ROUND_HALF_UP))


def opinions_by_store(month: date, store_ids: set[int] | None,
                      complaints: dict[int, list]) -> dict[int, dict]:
    """Per store: ratings count, average, distribution 1–5, complaint kinds, the
    LOWEST lowest-rated items and therapists (three grouped statements)."""
    start, end = month_bounds(month)

    def scoped(stmt):
        stmt = stmt.where(Feedback.created_at >= start, Feedback.created_at < end)
        if store_ids is not None:
            stmt = stmt.where(Feedback.store_id.in_(sorted(store_ids) or [-1]))
        return stmt

    result: dict[int, dict] = defaultdict(lambda: {
        "ratings": 0, "avg_rating": None, "distribution": {str(s): 0 for s in range(1, 6)},
        "complaint_kinds": {}, "lowest_items": [], "lowest_therapists": []})
    for store_id, rating, n in db.session.execute(scoped(
            select(Feedback.store_id, Feedback.rating, func.count())
            .group_by(Feedback.store_id, Feedback.rating))):
        part = result[store_id]
        if 1 <= rating <= 5:
            part["distribution"][str(rating)] += n
        part["ratings"] += n
    for part in result.values():
        total = sum(int(s) * n for s, n in part["distribution"].items())
        counted = sum(part["distribution"].values())
        part["avg_rating"] = _avg(total, counted) if counted else None
    items = db.session.execute(scoped(
        select(Feedback.store_id, OrderLine.name, func.sum(Feedback.rating), func.count())
        .join(ServiceJob, ServiceJob.id == Feedback.job_id)
        .join(OrderLine, OrderLine.id == ServiceJob.order_line_id)
        .group_by(Feedback.store_id, OrderLine.name)))
    _lowest(result, items, "lowest_items")
    therapists = db.session.execute(scoped(
        select(Feedback.store_id, Employee.name, func.sum(Feedback.rating), func.count())
        .join(Employee, Employee.id == Feedback.therapist_id)
        .group_by(Feedback.store_id, Employee.id, Employee.name)))
    _lowest(result, therapists, "lowest_therapists")
    for store_id, rows in complaints.items():
        kinds = Counter(complaint_kind(r.description, r.therapist_id, r.kind) for r in rows)
        result[store_id]["complaint_kinds"] = dict(kinds.most_common())
    return dict(result)


def _lowest(result: dict, rows, key: str) -> None:
    by_store: dict[int, list] = defaultdict(list)
    for store_id, name, total, n in rows:
        by_store[store_id].append((Decimal(int(total)) / n, -n, name, int(total), n))
    for store_id, found in by_store.items():
        found.sort()
        result[store_id][key] = [{"name": name, "avg_rating": _avg(total, n), "ratings": n}
                                 for _a, _n, name, total, n in found[:LOWEST]]


def chain_opinions(parts: dict[int, dict]) -> dict:
    distribution = {str(s): 0 for s in range(1, 6)}
    kinds: Counter = Counter()
    for part in parts.values():
        for s, n in part["distribution"].items():
            distribution[s] += n
        kinds.update(part["complaint_kinds"])
    counted = sum(distribution.values())
    total = sum(int(s) * n for s, n in distribution.items())
    items = sorted(((i["avg_rating"], i["name"], i["ratings"], store_id)
                    for store_id, p in parts.items() for i in p["lowest_items"]))
    therapists = sorted(((t["avg_rating"], t["name"], t["ratings"], store_id)
                         for store_id, p in parts.items() for t in p["lowest_therapists"]))
    return {"ratings": counted, "avg_rating": _avg(total, counted) if counted else None,
            "distribution": distribution, "complaint_kinds": dict(kinds.most_common()),
            "lowest_items": [{"name": n, "avg_rating": a, "ratings": c, "store_id": s}
                             for a, n, c, s in items[:LOWEST]],
            "lowest_therapists": [{"name": n, "avg_rating": a, "ratings": c, "store_id": s}
                                  for a, n, c, s in therapists[:LOWEST]]}


def empty_opinions() -> dict:
    return {"ratings": 0, "avg_rating": None,
            "distribution": {str(s): 0 for s in range(1, 6)}, "complaint_kinds": {},
            "lowest_items": [], "lowest_therapists": []}
