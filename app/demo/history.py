"""90 days of front-desk history for a demo company: catalogue, guests, orders with
their lines and therapists' jobs, payments, member cards, feedback, complaints, and
each past business day closed (日结) with its snapshot.

The same generator builds the small chain (yuezu, ``flask demo load``) and the
50-store scale (app/demo/scale.py).  It follows the desk's rules so the history
reads like a real one:

* a therapist never has two overlapping jobs: each has a ``free_at`` and a place
  in the day's rotation queue; a 轮钟 goes to the first free qualified therapist
  in queue order, who then goes to the tail; a 点钟 (about 30%) keeps the place;
  a guest waits when nobody qualified is free; a 加钟 follows the job it extends;
  a 退钟 (within the first minutes) hands the line to the next therapist;
* every paid order's payments (refunds aside) sum to its total; member discounts
  are per line, rounded half up, as at checkout;
* stored-value cards carry their ledger (top-up, bonus, spend) in time order
  across stores, and the card's cached balance equals the ledger's sum;
* every generated day is locked with ``closing_summary`` computed by the real
  closing code (app/blueprints/store/closing_figures.py).
* a 退钟's line remembers the therapist returned (``returned_therapist_ids``);
* 团购 vouchers, gender wishes, early finishes with their reason, therapists'
  card sales and one 停牌: history_extras.py (its docstring has the shares), so
  the 日结 of every demo day (and finance's closings) shows a 团购 figure.

The catalogue, qualifications and guests are set up by history_setup.py; the
generator plans each day here and writes it with history_writer.py.
Rows are written with bulk ``insert(Model)`` statements (tenant id given
explicitly: bulk inserts skip the tenant stamp), one round of statements per
day for all stores, ids taken back with ``RETURNING`` in parameter order.
Fixed seed: the same data on every machine (dates are counted back from today).
"""

from __future__ import annotations

import bisect
import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from app.blueprints.store.closing_figures import compute_closing
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import (
    BoardSuspension,
    BusinessDay,
    MemberCard,
    Order,
    StoreServicePrice,
)
from app.demo.history_extras import SUSPENSION_REASON, HistoryExtras
from app.demo.history_setup import (
    ADDONS,
    CATALOGUE,
    ItemInfo,
    StorePlan,
    add_customers,
    add_qualifications,
    ensure_catalogue,
)
from app.demo.history_writer import HistoryWriter
from app.demo.rows import bulk_insert, money
from app.extensions import db
from app.models import Account, Employee, Position, Room, Store
from app.tenancy import tenant_context

SEED = 2026

# Arrivals per opening hour (11:00 … 01:00 next morning): evenings are busy.
HOUR_WEIGHTS = ((11, 2), (12, 3), (13, 4), (14, 4), (15, 4), (16, 4), (17, 5), (18, 6),
                (19, 9), (20, 11), (21, 12), (22, 10), (23, 7), (24, 4), (25, 2))
PAY_METHODS = (("wechat", 50), ("alipay", 30), ("cash", 10), ("bank_card", 10))
TOPUPS = ((Decimal("1000"), Decimal("100")), (Decimal("2000"), Decimal("300")),
          (Decimal("3000"), Decimal("500")), (Decimal("5000"), Decimal("1000")))
REFUND_REASONS = ("客人对服务不满意，退部分款", "收银多收，退差价", "项目未做完，退部分款")


@dataclass
class CardState:
    id: int | None
    customer_id: int
    store_id: int
    balance: Decimal = Decimal("0.00")


@dataclass
class GuestPlan:
    item: ItemInfo
    requested: int | None
    addon: ItemInfo | None
    returned: bool
    gender_wish: str | None = None  # 指定女技师 / 男技师 (rotation lines only)


@dataclass
class HistoryResult:
    days: int = 0
    orders: int = 0
    rows: int = 0
    skipped: bool = False


# --- the day generator ------------------------------------------------------------------


class HistoryGenerator(HistoryWriter, HistoryExtras):
    """Generates and writes the history of a company's stores, day by day."""

    def __init__(self, tenant_id: int, stores: list[StorePlan], items: list[ItemInfo],
                 products: list[tuple[int, Decimal]], levels: dict[int, Decimal],
                 customers: dict[int, dict], seed: int = SEED, timezone: str = "Asia/Shanghai"):
        self.tenant_id = tenant_id
        self.stores = stores
        self.items = items
        self.by_code = {i.code: i for i in items}
        main = [(self.by_code[c], share) for c, *_x, share in CATALOGUE if c in self.by_code]
        self.main_items = [i for i, _s in main] or items
        self.main_weights = [s for _i, s in main] or [1] * len(items)
        addons = [(self.by_code[c], w) for c, w in ADDONS if c in self.by_code]
        self.addon_items = [i for i, _w in addons] or items[:1]
        self.addon_weights = [w for _i, w in addons] or [1]
        self.products = products
        self.levels = levels
        self.customers = customers
        self.customer_ids = list(customers)
        self.cards: dict[int, CardState] = {}
        self.rng = random.Random(seed)
        self.tz = ZoneInfo(timezone)
        self.result = HistoryResult()
        self.card_seq = db.session.scalar(select(func.count(MemberCard.id))) or 0
        self._card_created: dict[int, datetime] = {}
        self._product_names: dict[int, str] = {}
        self._setup_extras(seed)

    # One business date, every store: generate, insert, close.
    def run_day(self, business_date: date) -> None:
        t = self.tenant_id
        days = []
        for store in self.stores:
            day = BusinessDay(store_id=store.id, business_date=business_date, tenant_id=t)
            days.append(day)
        db.session.add_all(days)
        db.session.flush()
        plans = []  # per store: list of order dicts
        new_cards: list[CardState] = []
        for store, day in zip(self.stores, days, strict=True):
            plans.append(self._plan_store_day(store, day, business_date, new_cards))
        card_ids = bulk_insert(MemberCard, [
            {"tenant_id": t, "card_no": f"V{self._next_card_no():06d}",
             "customer_id": c.customer_id, "kind": "stored_value", "issued_store_id": c.store_id,
             "status": "active", "balance": Decimal("0.00"), "remaining_count": 0,
             "created_at": self._card_created[id(c)]} for c in new_cards], returning=True)
        for card, cid in zip(new_cards, card_ids, strict=True):
            card.id = cid
        orders = [o for plan in plans for o in plan]
        order_ids = bulk_insert(Order, [o["row"] for o in orders], returning=True)
        for o, oid in zip(orders, order_ids, strict=True):
            o["id"] = oid
        self._write_children(orders)
        for day, plan in zip(days, plans, strict=True):
            day.last_order_seq = len(plan)
        db.session.flush()
        with closing_plans():
            for store, day in zip(self.stores, days, strict=True):
                start = datetime.combine(business_date, time(2, 30), tzinfo=self.tz)
                day.locked_at = (start + timedelta(days=1)).astimezone(UTC)
                day.locked_by_account_id = store.closer_account_id
                summary = compute_closing(day)
                summary["locked_at"] = day.locked_at.isoformat(timespec="seconds")
                summary["locked_by"] = "演示数据" if store.closer_account_id is None else "收银员"
                day.closing_summary = summary
            db.session.flush()
        self.result.days += 1
        self.result.orders += len(orders)

    def _next_card_no(self) -> int:
        self.card_seq += 1
        return self.card_seq

    def _local(self, business_date: date, minutes: float) -> datetime:
        """Business date + minutes after midnight (may run past 24:00), aware."""
        base = datetime.combine(business_date, time(0, 0), tzinfo=self.tz)
        # In UTC, as the app writes them (SQLite keeps the wall time, not the offset).
        return (base + timedelta(minutes=minutes)).astimezone(UTC)

    def _plan_store_day(self, store: StorePlan, day: BusinessDay, business_date: date,
                        new_cards: list[CardState]) -> list[dict]:
        rng = self.rng
        weekend = business_date.weekday() >= 5 or business_date.weekday() == 4 and \
            rng.random() < 0.5
        low, high = store.orders_per_day
        count = rng.randint(low, high)
        if weekend:
            count = int(count * rng.uniform(1.25, 1.45))
        count = max(low, min(store.cap, count))
        hours = [h for h, _w in HOUR_WEIGHTS]
        weights = [w for _h, w in HOUR_WEIGHTS]
        arrivals = sorted(h * 60 + rng.uniform(0, 60)
                          for h in rng.choices(hours, weights=weights, k=count))
        queue = list(store.therapists)
        rng.shuffle(queue)  # clock-in order of the day
        free_at = dict.fromkeys(store.therapists, 10 * 60.0)
        room_free = dict.fromkeys(store.rooms, 0.0)
        orders = []
        for seq, arrival in enumerate(arrivals, start=1):
            orders.append(self._plan_order(store, day, business_date, seq, arrival, queue,
                                           free_at, room_free, new_cards))
        return orders

    def _pick_customer(self, store: StorePlan) -> int | None:
        rng = self.rng
        if rng.random() < 0.38 or not store.customers:
            return None  # a walk-in (散客)
        if rng.random() < 0.1:
            return rng.choice(self.customer_ids)  # a member of another store
        x = rng.random() * store.customer_weights[-1]
        return store.customers[bisect.bisect_left(store.customer_weights, x)]

    def _guest_plan(self, store: StorePlan, customer: int | None) -> GuestPlan:
        rng = self.rng
        item = rng.choices(self.main_items, weights=self.main_weights)[0]
        requested = None
        if rng.random() < 0.30:
            favourite = self.customers.get(customer, {}).get("favourite") if customer else None
            if favourite in store.qualified and item.id in store.qualified[favourite]:
                requested = favourite
            else:
                able = [t for t in store.therapists if item.id in store.qualified[t]]
                # Some therapists are asked for more than others.
                requested = rng.choices(able, weights=[1 + (t % 5) for t in able])[0]
        addon = rng.choices(self.addon_items, weights=self.addon_weights)[0] \
            if rng.random() < 0.12 else None
        returned = requested is None and rng.random() < 0.015
        wish = self._gender_wish(store, item) if requested is None else None
        return GuestPlan(item, requested, addon, returned, wish)

    def _plan_order(self, store, day, business_date, seq, arrival, queue, free_at, room_free,
                    new_cards) -> dict:
        rng, t = self.rng, self.tenant_id
        customer = self._pick_customer(store)
        first_visit = self._first_visit(customer)
        party = 1 if rng.random() < 0.8 else (2 if rng.random() < 0.85 else 3)
        room = min(store.rooms, key=lambda r: (max(room_free[r], arrival), r))
        start = max(arrival, room_free[room])
        level = self.customers[customer]["level"] if customer else None
        rate = self.levels.get(level, Decimal("1.000")) if level else Decimal("1.000")
        lines, jobs = [], []
        end = start
        cancelled = rng.random() < 0.006
        for guest_no in range(1, party + 1):
            plan = self._guest_plan(store, customer if guest_no == 1 else None)
            price = store.prices.get(plan.item.id, plan.item.price)
            line = {"kind": "service", "item": plan.item, "price": price, "guest_no": guest_no,
                    "requested": plan.requested, "addon_of": None, "status": "active",
                    "gender_wish": plan.gender_wish, "returned": []}
            lines.append(line)
            if cancelled:
                line["status"] = "cancelled"
                continue
            job_end = self._dispatch(store, plan, line, start, queue, free_at, jobs)
            if plan.addon is not None:
                addon_price = store.prices.get(plan.addon.id, plan.addon.price)
                addon_line = {"kind": "service", "item": plan.addon, "price": addon_price,
                              "guest_no": guest_no, "requested": plan.requested,
                              "addon_of": line, "status": "active"}
                lines.append(addon_line)
                main_job = jobs[-1]
                therapist = main_job["therapist"]
                addon_end = job_end + plan.addon.minutes
                jobs.append({"line": addon_line, "therapist": therapist,
                             "type": main_job["type"], "addon_of": main_job, "start": job_end,
                             "end": addon_end, "status": "finished"})
                free_at[therapist] = addon_end + 5
                job_end = addon_end
            end = max(end, job_end)
        if not cancelled and rng.random() < 0.25:
            product_id, product_price = rng.choice(self.products)
            qty = rng.choice((1, 1, 1, 2))
            lines.append({"kind": "product", "product": product_id, "price": product_price,
                          "qty": qty, "status": "active", "guest_no": 1, "addon_of": None,
                          "requested": None})
        room_free[room] = end + 10  # cleaning
        opened = self._local(business_date, arrival)
        closed = self._local(business_date, end + rng.uniform(2, 8))
        subtotal = sum((ln["price"] * ln.get("qty", 1) for ln in lines
                        if ln["status"] == "active"), Decimal("0.00"))
        total = sum((money(ln["price"] * rate) if ln["kind"] == "service" else
                     ln["price"] * ln.get("qty", 1) for ln in lines if ln["status"] == "active"),
                    Decimal("0.00"))
        row = {"tenant_id": t, "store_id": store.id, "business_day_id": day.id, "seq": seq,
               "customer_id": customer, "guest_name": "" if customer else "散客",
               "party_size": party, "room_id": room,
               "status": "cancelled" if cancelled else "paid", "opened_at": opened,
               "closed_at": closed, "last_tea_at": None, "membership_level_id": level,
               "subtotal": subtotal if not cancelled else Decimal("0.00"),
               "discount": (subtotal - total) if not cancelled else Decimal("0.00"),
               "total": total if not cancelled else Decimal("0.00"),
               "notes": "", "opened_by_account_id": None, "closed_by_account_id": None}
        order = {"row": row, "lines": lines, "jobs": jobs, "store": store, "closed": closed,
                 "date": business_date,
                 "total": total, "customer": customer, "payments": [], "ledger": [],
                 "refund": None, "card_seller": None}
        if not cancelled:
            self._plan_payments(order, new_cards, rate, first_visit)
        return order

    def _dispatch(self, store, plan: GuestPlan, line, start, queue, free_at, jobs) -> float:
        """Give the line a therapist (rotation or requested); return when the job ends."""
        item = plan.item
        if plan.requested is not None:
            therapist = plan.requested
            job_start = max(start, free_at[therapist])
            job_type = "requested"
        else:
            able = [t for t in queue if item.id in store.qualified[t]] or list(queue)
            if plan.gender_wish is not None:
                able = [t for t in able if store.genders.get(t) == plan.gender_wish] or able
            ready = [t for t in able if free_at[t] <= start]
            therapist = ready[0] if ready else min(able, key=lambda x: free_at[x])
            job_start = max(start, free_at[therapist])
            job_type = "rotation"
            if plan.returned:
                # 退钟 within minutes: back to their place, the next one takes the line.
                jobs.append({"line": line, "therapist": therapist, "type": job_type,
                             "addon_of": None, "start": job_start, "end": job_start + 6,
                             "status": "returned"})
                line["returned"].append(therapist)
                free_at[therapist] = job_start + 6
                others = [x for x in able if x != therapist] or [therapist]
                ready = [x for x in others if free_at[x] <= job_start + 6]
                therapist = ready[0] if ready else min(others, key=lambda x: free_at[x])
                job_start = max(job_start + 6, free_at[therapist])
            queue.remove(therapist)
            queue.append(therapist)  # 轮钟: to the tail
        early = self._early_finish(item) if plan.addon is None else None
        end = job_start + item.minutes - (early[0] if early else 0)
        jobs.append({"line": line, "therapist": therapist, "type": job_type, "addon_of": None,
                     "start": job_start, "end": end, "status": "finished", "early": early})
        free_at[therapist] = end + 5
        return end

    def _plan_payments(self, order: dict, new_cards: list[CardState], rate: Decimal,
                       first_visit: bool) -> None:
        rng, total = self.rng, order["total"]
        customer, store = order["customer"], order["store"]
        card = self.cards.get(customer) if customer else None
        wants = customer and self.customers[customer]["wants_card"]
        if customer and card is None and wants and rng.random() < 0.5:
            card = CardState(None, customer, store.id)
            self.cards[customer] = card
            new_cards.append(card)
            self._card_created[id(card)] = order["closed"]
        if card is not None and total > 0:
            if card.balance < total and rng.random() < 0.8:
                amount, bonus = rng.choice(TOPUPS)
                method = rng.choices(("wechat", "alipay", "cash", "bank_card"),
                                     weights=(45, 25, 15, 15))[0]
                card.balance += amount
                order["ledger"].append(("topup", card, amount, method, card.balance))
                order["card_seller"] = self._card_seller(order)
                card.balance += bonus
                order["ledger"].append(("bonus", card, bonus, None, card.balance))
            if card.balance >= total:
                card.balance -= total
                order["ledger"].append(("spend", card, -total, None, card.balance))
                order["payments"].append(("stored_value", total, card, None))
                return
        method = rng.choices([m for m, _w in PAY_METHODS], weights=[w for _m, w in PAY_METHODS])[0]
        if total >= 100 and rng.random() < 0.08:
            part = money(total * Decimal(rng.choice(("0.3", "0.5", "0.6"))))
            order["payments"].append(("cash", part, None, None))
            order["payments"].append((method if method != "cash" else "wechat",
                                      total - part, None, None))
        else:
            order["payments"].append((method, total, None, None))
        vouchers = self._vouchers(order, rate, first_visit)
        if vouchers:
            # 团购 pays the deal lines; the guest pays the rest by cash / 微信 / 支付宝.
            rest = total - sum((amount for _m, amount, _c, _v in vouchers), Decimal("0.00"))
            by = method if method in ("cash", "wechat", "alipay") else "wechat"
            order["payments"] = vouchers + ([(by, rest, None, None)] if rest > 0 else [])
        if total >= 100 and rng.random() < 0.004:
            method, paid, _card, _voucher = order["payments"][-1]
            refund = money(total * Decimal("0.3"))
            reason = rng.choice(REFUND_REASONS)
            if method != "voucher" and paid >= refund:  # voucher money: never at the desk
                order["refund"] = (method, refund, reason)


@contextmanager
def closing_plans():
    """PostgreSQL plans the day's closing without bitmap scans.

    The load is one transaction and the app's role owns no table, so ``ANALYZE``
    (analyze_tables) is skipped there ("only table or database owner can analyze
    it") and the tables have no statistics.  The planner then takes ``tenant_id = ?``
    (row-level security and the tenant scope add it to every query) for a selective
    condition and ANDs a bitmap of the whole tenant's index into each lookup by order
    or by day: the closing's payments per order cost ~50 ms a day-store instead of
    ~3 ms, a third of the 90 days' load.  Plain index scans on the lookup's own index
    need no statistics.  Only for these queries, back to the default afterwards.
    """
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("SET LOCAL enable_bitmapscan = off"))
    try:
        yield
    finally:
        if postgres:
            db.session.execute(text("SET LOCAL enable_bitmapscan TO DEFAULT"))


def analyze_tables() -> None:
    """Refresh the planner's statistics (maintenance, not a tenant query).

    Without them SQLite picks the ``tenant_id`` index for every tenant-scoped
    query (the scoping adds ``tenant_id = ?`` everywhere) and scans the tenant's
    whole table instead of one business day; PostgreSQL plans a table it has
    just filled as if it were empty.
    """
    db.session.execute(text("ANALYZE"))


# --- yuezu --------------------------------------------------------------------------------


def history_exists() -> bool:
    return db.session.scalar(select(Order.id).limit(1)) is not None


def load_history(company_code: str = "yuezu", days: int = 90, customers: int = 2000,
                 store_codes: tuple[str, ...] | None = None) -> HistoryResult:
    """Give the demo company ``days`` past business days of history (skip if it has orders).

    Adds and flushes; the caller commits.
    """
    from app.tenants import find_tenant_by_code

    tenant = find_tenant_by_code(company_code)
    if tenant is None:
        return HistoryResult(skipped=True)
    with tenant_context(tenant.id):
        if history_exists():
            return HistoryResult(skipped=True)
        rng = random.Random(SEED)
        store_rows = list(db.session.scalars(select(Store).order_by(Store.code)))
        if store_codes:
            store_rows = [s for s in store_rows if s.code in store_codes]
        therapist_rows = db.session.execute(
            select(Employee.id, Employee.store_id)
            .join(Position, Position.id == Employee.position_id)
            .where(Position.role == "therapist", Employee.store_id.is_not(None))
            .order_by(Employee.id)).all()
        genders = dict(db.session.execute(
            select(Employee.id, Employee.gender).where(Employee.id.in_(
                [e for e, _s in therapist_rows]))).all())
        dispatchers = dict(db.session.execute(
            select(Employee.store_id, Employee.name)
            .join(Position, Position.id == Employee.position_id)
            .where(Position.role == "dispatcher").order_by(Employee.employee_no.desc())).all())
        rooms = db.session.execute(select(Room.id, Room.store_id).order_by(Room.id)).all()
        cashier = db.session.scalar(select(Account.id).where(Account.role == "cashier"))
        items, products, levels = ensure_catalogue(tenant.id)
        qualified = add_qualifications(tenant.id, rng, [e for e, _s in therapist_rows], items)
        plans = []
        for index, store in enumerate(store_rows):
            therapists = [e for e, s in therapist_rows if s == store.id]
            store_rooms = [r for r, s in rooms if s == store.id]
            if not therapists or not store_rooms:
                continue
            prices = {}
            if store.city == "深圳":  # Shenzhen rents: ¥10 more for foot items
                for item in items:
                    if item.category == "foot":
                        prices[item.id] = item.price + 10
            size = len(store_rooms) / 12
            plans.append(StorePlan(
                id=store.id, code=store.code, rooms=store_rooms, therapists=therapists,
                qualified={t: qualified[t] for t in therapists}, prices=prices,
                orders_per_day=(28, max(36, int(50 * size))), cap=70,
                closer_account_id=cashier if index == 0 else None,
                genders={t: genders[t] for t in therapists},
                dispatcher_name=dispatchers.get(store.id, "")))
        bulk_insert(StoreServicePrice, [
            {"tenant_id": tenant.id, "store_id": p.id, "service_item_id": item_id,
             "price": price} for p in plans for item_id, price in p.prices.items()])
        today = today_for_store()
        first = today - timedelta(days=days)
        guest_ids = add_customers(tenant.id, rng, plans, customers,
                                  [lv for lv, _d in levels[1:]] or [lv for lv, _d in levels],
                                  datetime.combine(first, time(12), tzinfo=ZoneInfo(
                                      tenant.timezone)).astimezone(UTC))
        generator = HistoryGenerator(tenant.id, plans, items, products, dict(levels), guest_ids,
                                     timezone=tenant.timezone)
        for n in range(days):
            generator.run_day(first + timedelta(days=n))
            if n == 0:
                analyze_tables()
        generator.finish()
        if plans:
            suspend_a_therapist(tenant.id, plans[0], today, ZoneInfo(tenant.timezone))
        db.session.flush()
        analyze_tables()
        return generator.result


def suspend_a_therapist(tenant_id: int, store: StorePlan, today: date, tz: ZoneInfo) -> None:
    """停牌 the store's last therapist (by 工号) since yesterday evening, with the reason,
    as a dispatcher does on the board: the board lists them 停牌 until someone lifts it."""
    dispatcher = db.session.scalar(select(Account.id).where(Account.role == "dispatcher"))
    therapist = db.session.scalar(
        select(Employee.id).where(Employee.id.in_(store.therapists))
        .order_by(Employee.employee_no.desc()).limit(1))
    suspended = datetime.combine(today - timedelta(days=1), time(21, 40), tzinfo=tz)
    bulk_insert(BoardSuspension, [{
        "tenant_id": tenant_id, "store_id": store.id, "therapist_id": therapist,
        "reason": SUSPENSION_REASON, "suspended_at": suspended.astimezone(UTC),
        "suspended_by_account_id": dispatcher}])


__all__ = ["HistoryGenerator", "StorePlan", "load_history"]
