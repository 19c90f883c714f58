"""采购: a store's purchase request, approved through the one approval flow (kind
``purchase``, approval_kinds_purchases.py) and received into the store's stock at the
actual cost.  Plain functions: add and flush, never commit.

Rules chosen where the issue is silent:

* Who requests: ``purchase.request`` — a store manager for their own stores, the
  logistics head (head office) for any store.
* A line is a stock item of the company (received into stock) or, with no item, a
  described thing (a new asset, a repair part: received, never stocked).  At most
  :data:`MAX_LINES` lines; the estimated total is Σ quantity × estimated unit cost,
  exact to the cent (Decimal).
* The steps: 后勤 always; 财务 when the estimated total is above the tenant's
  ``purchase_finance`` (default ¥2,000.00); 总经理 above ``purchase_gm`` (default
  ¥10,000.00).  Each approval moves to the next step that applies, else approved.
  The thresholds are read when the previous step approves: a request already
  waiting at a step stays there when the owner changes them.
* Rejecting needs a note; the requester may withdraw (撤回) while any step waits.
* Receiving (收货入库): once, by ``purchase.request`` or ``stock.manage`` holders of
  the store, of an approved request: per line the quantity that came (0: none) and
  the actual unit cost.  A stock line posts one ``receipt`` movement (source
  ``purchase_line``) at the actual cost; the actual total is Σ received × actual.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import approvals
from app.audit import record_audit, register_audit_actions
from app.blueprints.logistics import stock as stock_rules
from app.blueprints.logistics.fields import clean_text
from app.blueprints.logistics.labels import PURCHASE_STATUS_LABELS
from app.blueprints.logistics.models import (
    PURCHASE_APPROVED,
    PURCHASE_CANCELLED,
    PURCHASE_PENDING,
    PURCHASE_PENDING_FINANCE,
    PURCHASE_PENDING_GM,
    PURCHASE_RECEIVED,
    PURCHASE_REJECTED,
    PurchaseLine,
    PurchaseRequest,
    StockItem,
)
from app.blueprints.store.catalogue import parse_money
from app.extensions import db
from app.models import Store
from app.models.base import utcnow
from app.permissions import store_scope
from app.validation import InputError

register_audit_actions({
    "purchase.request": _l("提交采购申请"),
    "purchase.approve": _l("批准采购申请"),
    "purchase.reject": _l("驳回采购申请"),
    "purchase.cancel": _l("撤回采购申请"),
    "purchase.receive": _l("采购收货入库"),
})

KIND = "purchase"
# The waiting states in the order the steps come.
PENDING_STATES = (PURCHASE_PENDING, PURCHASE_PENDING_FINANCE, PURCHASE_PENDING_GM)
MAX_LINES = 30
LIMITS = {"supplier": 64, "reason": 2000}
CENT = Decimal("0.01")


class PurchaseError(InputError):
    """Bad purchase input or a refused step (names the field: ``lines.0.quantity`` …)."""


def status_label(status: str) -> str:
    return str(PURCHASE_STATUS_LABELS.get(status, status))


def requestable_stores(actor) -> list[Store]:
    """Stores ``actor`` may request for: their stores (head office: every open store)."""
    scope = store_scope(actor)
    stmt = select(Store).where(Store.status != "closed").order_by(Store.code)
    if scope is not None:
        stmt = stmt.where(Store.id.in_(sorted(scope) or [-1]))
    return list(db.session.scalars(stmt))


def purchase_query(scope: set[int] | None, status: str | None = None,
                   store_id: int | None = None):
    """Requests of the stores in ``scope`` (None: all), newest first."""
    stmt = select(PurchaseRequest).order_by(PurchaseRequest.id.desc())
    if scope is not None:
        stmt = stmt.where(PurchaseRequest.store_id.in_(sorted(scope) or [-1]))
    if status:
        stmt = stmt.where(PurchaseRequest.status == status)
    if store_id:
        stmt = stmt.where(PurchaseRequest.store_id == store_id)
    return stmt


def lines_of(request: PurchaseRequest) -> list[PurchaseLine]:
    return list(db.session.scalars(select(PurchaseLine).where(
        PurchaseLine.request_id == request.id).order_by(PurchaseLine.id)))


# --------------------------------------------------------------------------- request


def _text(values: dict, name: str, errors: dict, *, required: bool = False) -> str:
    return clean_text(values, name, errors, LIMITS.get(name, 64), required=required)


def _int_or_none(value):
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueError
    return int(str(value).strip())


def _clean_lines(raw_lines, errors: dict) -> list[dict]:
    if not isinstance(raw_lines, list | tuple) or not raw_lines:
        errors["lines"] = _("请至少填写一行采购内容")
        return []
    if len(raw_lines) > MAX_LINES:
        errors["lines"] = _("最多 %(n)d 行", n=MAX_LINES)
        return []
    item_ids = set()
    for raw in raw_lines:
        try:
            item_ids.add(_int_or_none((raw or {}).get("stock_item_id")))
        except (TypeError, ValueError, AttributeError):
            pass
    items = {i.id: i for i in db.session.scalars(select(StockItem).where(
        StockItem.id.in_(sorted(i for i in item_ids if i) or [-1])))}
    cleaned = []
    for n, raw in enumerate(raw_lines):
        prefix = f"lines.{n}."
        raw = raw if isinstance(raw, dict) else {}
        line: dict = {}
        try:
            item_id = _int_or_none(raw.get("stock_item_id"))
        except (TypeError, ValueError):
            item_id = None
            errors[prefix + "stock_item_id"] = _("没有这个物料")
        item = items.get(item_id) if item_id else None
        if item_id and (item is None or not item.is_active):
            errors[prefix + "stock_item_id"] = _("没有这个物料")
        name = raw.get("name")
        name = name.strip() if isinstance(name, str) else ""
        if not name and item is not None:
            name = item.name
        if not name and not item_id:
            errors[prefix + "name"] = _("请选择物料或填写采购内容")
        elif len(name) > 64:
            errors[prefix + "name"] = _("不能超过 %(n)d 个字符", n=64)
        try:
            line["quantity"] = stock_rules.clean_quantity(raw.get("quantity"))
        except InputError as exc:
            errors[prefix + "quantity"] = exc.message
        try:
            line["estimated_unit_cost"] = parse_money(raw.get("estimated_unit_cost"),
                                                      "estimated_unit_cost",
                                                      error=PurchaseError)
        except PurchaseError as exc:
            errors[prefix + "estimated_unit_cost"] = exc.message
        line.update(stock_item_id=item.id if item is not None else None, name=name)
        cleaned.append(line)
    return cleaned


def estimated_total(lines) -> Decimal:
    """Σ quantity × estimated unit cost, to the cent."""
    total = sum((Decimal(line["quantity"]) * Decimal(line["estimated_unit_cost"])
                 for line in lines), Decimal("0"))
    return total.quantize(CENT, ROUND_HALF_UP)


def create_request(values: dict, actor) -> PurchaseRequest:
    """提交采购申请: waits for logistics (``pending``)."""
    errors: dict[str, str] = {}
    try:
        store_id = _int_or_none(values.get("store_id"))
    except (TypeError, ValueError):
        store_id = None
    store = db.session.get(Store, store_id) if store_id else None
    scope = store_scope(actor)
    if store is None or store.status == "closed" or (scope is not None
                                                     and store.id not in scope):
        errors["store_id"] = _("请选择您管理的门店")
    supplier = _text(values, "supplier", errors)
    reason = _text(values, "reason", errors, required=True)
    lines = _clean_lines(values.get("lines"), errors)
    if errors:
        raise PurchaseError(errors)
    request = PurchaseRequest(store_id=store.id, status=PURCHASE_PENDING, supplier=supplier,
                              reason=reason, estimated_total=estimated_total(lines),
                              requested_by_account_id=getattr(actor, "id", None))
    db.session.add(request)
    db.session.flush()
    for line in lines:
        db.session.add(PurchaseLine(request_id=request.id, **line))
    db.session.flush()
    record_audit("purchase.request", KIND, request.id, after=_snapshot(request), actor=actor)
    return request


def _snapshot(request: PurchaseRequest) -> dict:
    return {"store_id": request.store_id, "status": request.status,
            "supplier": request.supplier,
            "estimated_total": str(request.estimated_total),
            "actual_total": str(request.actual_total)
            if request.actual_total is not None else None}


# --------------------------------------------------------------------------- decisions


# The threshold that sends a request to each later step (app/approvals.py
# ``register_threshold``; registered in approval_kinds_purchases.py).
THRESHOLD_OF_STATE = {PURCHASE_PENDING_FINANCE: "purchase_finance",
                      PURCHASE_PENDING_GM: "purchase_gm"}


def _next_status(request: PurchaseRequest, after: str) -> str:
    """The next waiting state whose threshold the estimated total is above, else approved.

    Routing is decided here, when the previous step approves: a request already
    waiting at a step stays there if the owner changes a threshold meanwhile (its
    decider still sees it; it never waits for nobody)."""
    thresholds = approvals.approval_settings().thresholds
    for state in PENDING_STATES[PENDING_STATES.index(after) + 1:]:
        threshold = thresholds.get(THRESHOLD_OF_STATE[state])
        if threshold is None or request.estimated_total > threshold:
            return state
    return PURCHASE_APPROVED


def _decide(request: PurchaseRequest, actor, verdict: str, note: str) -> PurchaseRequest:
    if request.status not in PENDING_STATES:
        raise PurchaseError.on("status", _("这条采购申请不在待审批状态"))
    before = request.status

    def effect(_step):
        if verdict == approvals.APPROVED:
            request.status = _next_status(request, before)
        else:
            request.status = PURCHASE_REJECTED
        if request.status in (PURCHASE_APPROVED, PURCHASE_REJECTED):
            request.decided_at = utcnow()
        db.session.flush()
        record_audit(f"purchase.{'approve' if verdict == approvals.APPROVED else 'reject'}",
                     KIND, request.id, before={"status": before},
                     after={"status": request.status, "note": note}, actor=actor)

    approvals.decide(KIND, request, actor, verdict, note, effect)
    return request


def approve(request: PurchaseRequest, actor, note: str = "") -> PurchaseRequest:
    """批准 this step: on to the next step that applies, else approved (待收货)."""
    return _decide(request, actor, approvals.APPROVED, approvals.clean_note(note))


def reject(request: PurchaseRequest, actor, note: str = "") -> PurchaseRequest:
    """驳回 (a note is required: the store learns why)."""
    return _decide(request, actor, approvals.REJECTED,
                   approvals.clean_note(note, required=True))


def cancel(request: PurchaseRequest, actor) -> PurchaseRequest:
    """撤回 by the requester while a step waits (kept, status ``cancelled``)."""
    if request.status not in PENDING_STATES:
        raise PurchaseError.on("status", _("只能撤回待审批的采购申请"))
    if getattr(actor, "id", None) != request.requested_by_account_id:
        raise PurchaseError.on("status", _("只有申请人可以撤回"))
    before = request.status
    request.status = PURCHASE_CANCELLED
    db.session.flush()
    record_audit("purchase.cancel", KIND, request.id, before={"status": before},
                 after={"status": PURCHASE_CANCELLED}, actor=actor)
    return request


# --------------------------------------------------------------------------- receiving


def receive(request: PurchaseRequest, received: dict, actor,
            received_on: date) -> PurchaseRequest:
    """收货入库, once: ``received`` maps each line id to ``{"received_quantity",
    "actual_unit_cost"}`` (every line must be named).  Stock lines post a receipt at
    the actual cost; nothing is posted when any line is refused."""
    if request.status != PURCHASE_APPROVED:
        raise PurchaseError.on("status", _("已收货或未批准的采购申请不能收货")
                               if request.status != PURCHASE_RECEIVED
                               else _("这条采购申请已收货，不能重复入库"))
    lines = lines_of(request)
    errors: dict[str, str] = {}
    cleaned: list[tuple[PurchaseLine, Decimal, Decimal]] = []
    for n, line in enumerate(lines):
        prefix = f"lines.{n}."
        values = received.get(line.id) or received.get(str(line.id))
        if not isinstance(values, dict):
            errors[prefix + "received_quantity"] = _("请填写实收数量")
            continue
        quantity = cost = None
        try:
            quantity = stock_rules.clean_quantity(values.get("received_quantity"),
                                                  allow_zero=True)
        except InputError as exc:
            errors[prefix + "received_quantity"] = exc.message
        try:
            cost = parse_money(values.get("actual_unit_cost"), "actual_unit_cost",
                               error=PurchaseError)
        except PurchaseError as exc:
            errors[prefix + "actual_unit_cost"] = exc.message
        if quantity is not None and cost is not None:
            cleaned.append((line, quantity, cost))
    if not errors and not any(q > 0 for _line, q, _c in cleaned):
        errors["lines.0.received_quantity"] = _("至少一行实收数量大于 0")
    if errors:
        raise PurchaseError(errors)
    total = Decimal("0")
    for line, quantity, cost in cleaned:
        line.received_quantity = quantity
        line.actual_unit_cost = cost
        total += quantity * cost
        if line.stock_item_id is not None and quantity > 0:
            stock_rules.post_movement(
                request.store_id, line.stock_item_id, "receipt", quantity,
                moved_on=received_on, unit_cost=cost, source="purchase_line",
                source_id=line.id, note=_("采购入库 #%(id)s", id=request.id), actor=actor)
    request.actual_total = total.quantize(CENT, ROUND_HALF_UP)
    request.status = PURCHASE_RECEIVED
    request.received_on = received_on
    request.received_by_account_id = getattr(actor, "id", None)
    db.session.flush()
    record_audit("purchase.receive", KIND, request.id, before={"status": PURCHASE_APPROVED},
                 after=_snapshot(request), actor=actor)
    return request
