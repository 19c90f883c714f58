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
  closing code (app/blueprints/store/closing.py).

Rows are written with bulk ``insert(Model)`` statements (tenant id given
explicitly: bulk inserts skip the tenant stamp), one round of statements per
day for all stores, ids taken back with ``RETURNING`` in parameter order.
Fixed seed: the same data on every machine (dates are counted back from today).
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from app.blueprints.store.closing import compute_closing
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import (
    BusinessDay,
    CardLedgerEntry,
    ComplaintCase,
    Customer,
    Feedback,
    MemberCard,
    MembershipLevel,
    Order,
    OrderLine,
    Payment,
    Product,
    Refund,
    ServiceItem,
    ServiceJob,
    StoreServicePrice,
    TherapistQualification,
)
from app.extensions import db
from app.models import Account, Employee, Position, Room, Store
from app.tenancy import tenant_context

SEED = 2026
CENT = Decimal("0.01")
BATCH = 10_000

# (code, name, category, minutes, price, rotation commission, requested commission, share)
CATALOGUE = (
    ("ZL60", "足疗 60 分钟", "foot", 60, "128.00", "38.00", "48.00", 30),
    ("ZL90", "足疗 90 分钟", "foot", 90, "178.00", "52.00", "65.00", 14),
    ("TN60", "中式推拿 60 分钟", "body", 60, "168.00", "50.00", "62.00", 14),
    ("TN90", "中式推拿 90 分钟", "body", 90, "238.00", "70.00", "86.00", 6),
    ("JY90", "精油开背 90 分钟", "spa", 90, "298.00", "90.00", "110.00", 9),
    ("JY120", "精油全身 120 分钟", "spa", 120, "398.00", "120.00", "145.00", 4),
    ("CE30", "采耳 30 分钟", "ear", 30, "68.00", "20.00", "25.00", 8),
    ("XJ45", "修脚 45 分钟", "other", 45, "88.00", "26.00", "32.00", 6),
    ("BG30", "拔罐 30 分钟", "body", 30, "78.00", "22.00", "28.00", 4),
    ("AJ60", "艾灸 60 分钟", "body", 60, "138.00", "40.00", "50.00", 5),
)
# 加钟: what a guest adds to a running job, and how often.
ADDONS = (("ZL60", 5), ("CE30", 3), ("BG30", 2), ("TN60", 2))
# Share of therapists qualified for each category (foot: everyone).
QUALIFIED_SHARE = {"foot": 1.0, "body": 0.7, "spa": 0.5, "ear": 0.35, "other": 0.3}
PRODUCTS = (("T01", "普洱茶", "壶", "18.00"), ("T02", "菊花茶", "壶", "15.00"),
            ("F01", "果盘", "份", "38.00"), ("W01", "矿泉水", "瓶", "6.00"),
            ("Y01", "足浴药包", "包", "28.00"), ("O01", "精油小瓶", "瓶", "98.00"))
LEVELS = (("普通会员", "1.000", 0), ("银卡", "0.950", 1), ("金卡", "0.880", 2),
          ("钻石卡", "0.800", 3))
LEVEL_SHARE = (0.55, 0.25, 0.14, 0.06)  # of members
# Arrivals per opening hour (11:00 … 01:00 next morning): evenings are busy.
HOUR_WEIGHTS = ((11, 2), (12, 3), (13, 4), (14, 4), (15, 4), (16, 4), (17, 5), (18, 6),
                (19, 9), (20, 11), (21, 12), (22, 10), (23, 7), (24, 4), (25, 2))
PAY_METHODS = (("wechat", 50), ("alipay", 30), ("cash", 10), ("bank_card", 10))
TOPUPS = ((Decimal("1000"), Decimal("100")), (Decimal("2000"), Decimal("300")),
          (Decimal("3000"), Decimal("500")), (Decimal("5000"), Decimal("1000")))
RATINGS = ((5, 70), (4, 22), (3, 5), (2, 2), (1, 1))
COMMENTS = {5: ("手法很好，力度合适", "非常舒服，下次还点她", "服务热情，很专业", ""),
            4: ("不错，就是等了一会儿", "挺舒服的", "力度稍微重了点", ""),
            3: ("一般", "水有点凉", "时间感觉不够"),
            2: ("技师一直看手机", "力度太轻，没感觉"),
            1: ("服务态度差", "明显缩短了时间")}
COMPLAINTS = ("客人反映技师服务中频繁看手机", "客人反映足浴水温过烫", "客人反映钟点时间不足",
              "客人反映技师态度冷淡")
REFUND_REASONS = ("客人对服务不满意，退部分款", "收银多收，退差价", "项目未做完，退部分款")
RETURN_REASONS = ("客人要求换技师", "力度不合适", "客人要求换女技师")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
TITLES = ("先生", "女士", "小姐", "哥", "姐")


@dataclass
class ItemInfo:
    id: int
    code: str
    name: str
    category: str
    minutes: int
    price: Decimal


@dataclass
class StorePlan:
    """A store as the generator sees it."""

    id: int
    code: str
    rooms: list[int]
    therapists: list[int]
    qualified: dict[int, set[int]]  # therapist -> item ids
    prices: dict[int, Decimal]  # item id -> this store's price
    orders_per_day: tuple[int, int]  # weekday (low, high); weekends × 1.35, capped
    cap: int
    closer_account_id: int | None = None
    customers: list[int] = field(default_factory=list)
    customer_weights: list[float] = field(default_factory=list)


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


@dataclass
class HistoryResult:
    days: int = 0
    orders: int = 0
    rows: int = 0
    skipped: bool = False


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


def _insert(model, rows: list[dict], returning: bool = False) -> list[int]:
    """Bulk insert (explicit tenant_id in every row); ids back in row order if asked."""
    if not rows:
        return []
    # render_nulls: rows whose None values differ stay in one batch (by default the
    # ORM splits a bulk insert wherever the set of non-None keys changes).
    statement = insert(model).execution_options(render_nulls=True)
    if returning:
        ids: list[int] = []
        for start in range(0, len(rows), BATCH):
            ids.extend(db.session.scalars(
                statement.returning(model.id, sort_by_parameter_order=True),
                rows[start:start + BATCH]))
        return ids
    for start in range(0, len(rows), BATCH):
        db.session.execute(statement, rows[start:start + BATCH])
    return []


# --- catalogue, guests ----------------------------------------------------------------


def ensure_catalogue(tenant_id: int) -> tuple[list[ItemInfo], list[tuple[int, Decimal]],
                                               list[tuple[int, Decimal]]]:
    """The demo catalogue (kept if the company already has service items)."""
    existing = {i.code: i for i in db.session.scalars(select(ServiceItem))}
    new = [ServiceItem(code=c, name=n, category=cat, duration_minutes=m, price=Decimal(p),
                       commission_rotation=Decimal(cr), commission_requested=Decimal(cq))
           for c, n, cat, m, p, cr, cq, _share in CATALOGUE if c not in existing]
    codes = {p.code for p in db.session.scalars(select(Product))}
    products = [Product(code=c, name=n, unit=u, price=Decimal(p))
                for c, n, u, p in PRODUCTS if c not in codes]
    names = {lv.name for lv in db.session.scalars(select(MembershipLevel))}
    levels = [MembershipLevel(name=n, discount=Decimal(d), sort_order=s)
              for n, d, s in LEVELS if n not in names]
    db.session.add_all([*new, *products, *levels])
    db.session.flush()
    items = [ItemInfo(i.id, i.code, i.name, i.category, i.duration_minutes, i.price)
             for i in db.session.scalars(select(ServiceItem).where(ServiceItem.is_active)
                                         .order_by(ServiceItem.id))]
    product_rows = [(p.id, p.price) for p in db.session.scalars(
        select(Product).where(Product.is_active).order_by(Product.id))]
    level_rows = [(lv.id, lv.discount) for lv in db.session.scalars(
        select(MembershipLevel).order_by(MembershipLevel.sort_order, MembershipLevel.id))]
    return items, product_rows, level_rows


def add_qualifications(tenant_id: int, rng: random.Random, therapist_ids: list[int],
                       items: list[ItemInfo]) -> dict[int, set[int]]:
    """Who may do what (technical department's list); foot items: every therapist."""
    have = defaultdict(set)
    for emp, item in db.session.execute(select(TherapistQualification.employee_id,
                                               TherapistQualification.service_item_id)):
        have[emp].add(item)
    rows = []
    for therapist in therapist_ids:
        for item in items:
            if item.id in have[therapist]:
                continue
            if rng.random() < QUALIFIED_SHARE.get(item.category, 0.5):
                have[therapist].add(item.id)
                rows.append({"tenant_id": tenant_id, "employee_id": therapist,
                             "service_item_id": item.id})
    _insert(TherapistQualification, rows)
    return {t: have[t] for t in therapist_ids}


def add_customers(tenant_id: int, rng: random.Random, stores: list[StorePlan], count: int,
                  level_ids: list[int], created: datetime, phone_prefix: str = "15"
                  ) -> dict[int, dict]:
    """``count`` guests spread over the stores (home store, level, favourite therapist)."""
    taken = set(db.session.scalars(select(Customer.phone)))
    rows, meta = [], []
    for n in range(count):
        store = stores[n % len(stores)]
        while True:
            phone = f"{phone_prefix}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"
            if phone not in taken:
                taken.add(phone)
                break
        gender = "female" if rng.random() < 0.35 else "male"
        title = "女士" if gender == "female" else rng.choice(("先生", "哥"))
        level = None
        if rng.random() < 0.35:
            level = rng.choices(level_ids, weights=LEVEL_SHARE[:len(level_ids)])[0]
        favourite = rng.choice(store.therapists) if rng.random() < 0.4 else None
        rows.append({"tenant_id": tenant_id, "name": rng.choice(SURNAMES) + title,
                     "phone": phone, "phone_tail": phone[-4:], "gender": gender,
                     "preferences": rng.choice(("", "力度重一点", "水温高一点", "喜欢安静",
                                                "力度轻", "")),
                     "taboos": rng.choice(("", "", "", "腰椎间盘突出，避免重压", "对精油过敏")),
                     "notes": "", "favourite_therapist_id": favourite,
                     "membership_level_id": level, "first_store_id": store.id,
                     "created_at": created - timedelta(days=rng.randint(0, 700))})
        meta.append((store, level, favourite))
    ids = _insert(Customer, rows, returning=True)
    customers = {}
    for cid, (store, level, favourite) in zip(ids, meta, strict=True):
        customers[cid] = {"level": level, "favourite": favourite, "store": store.id,
                          "wants_card": rng.random() < 0.18}
        store.customers.append(cid)
    for store in stores:
        # A few regulars come often, most rarely (Zipf-like), cumulative for bisect.
        weights = [1 / (rank + 1) ** 0.8 for rank in range(len(store.customers))]
        store.customer_weights = list(itertools.accumulate(weights))
    return customers


# --- the day generator ------------------------------------------------------------------


class HistoryGenerator:
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
        card_ids = _insert(MemberCard, [
            {"tenant_id": t, "card_no": f"V{self._next_card_no():06d}",
             "customer_id": c.customer_id, "kind": "stored_value", "issued_store_id": c.store_id,
             "status": "active", "balance": Decimal("0.00"), "remaining_count": 0,
             "created_at": self._card_created[id(c)]} for c in new_cards], returning=True)
        for card, cid in zip(new_cards, card_ids, strict=True):
            card.id = cid
        orders = [o for plan in plans for o in plan]
        order_ids = _insert(Order, [o["row"] for o in orders], returning=True)
        for o, oid in zip(orders, order_ids, strict=True):
            o["id"] = oid
        self._write_children(orders)
        for day, plan in zip(days, plans, strict=True):
            day.last_order_seq = len(plan)
        db.session.flush()
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
        return GuestPlan(item, requested, addon, returned)

    def _plan_order(self, store, day, business_date, seq, arrival, queue, free_at, room_free,
                    new_cards) -> dict:
        rng, t = self.rng, self.tenant_id
        customer = self._pick_customer(store)
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
                    "requested": plan.requested, "addon_of": None, "status": "active"}
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
                 "refund": None}
        if not cancelled:
            self._plan_payments(order, new_cards)
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
            ready = [t for t in able if free_at[t] <= start]
            therapist = ready[0] if ready else min(able, key=lambda x: free_at[x])
            job_start = max(start, free_at[therapist])
            job_type = "rotation"
            if plan.returned:
                # 退钟 within minutes: back to their place, the next one takes the line.
                jobs.append({"line": line, "therapist": therapist, "type": job_type,
                             "addon_of": None, "start": job_start, "end": job_start + 6,
                             "status": "returned"})
                free_at[therapist] = job_start + 6
                others = [x for x in able if x != therapist] or [therapist]
                ready = [x for x in others if free_at[x] <= job_start + 6]
                therapist = ready[0] if ready else min(others, key=lambda x: free_at[x])
                job_start = max(job_start + 6, free_at[therapist])
            queue.remove(therapist)
            queue.append(therapist)  # 轮钟: to the tail
        end = job_start + item.minutes
        jobs.append({"line": line, "therapist": therapist, "type": job_type, "addon_of": None,
                     "start": job_start, "end": end, "status": "finished"})
        free_at[therapist] = end + 5
        return end

    def _plan_payments(self, order: dict, new_cards: list[CardState]) -> None:
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
                card.balance += bonus
                order["ledger"].append(("bonus", card, bonus, None, card.balance))
            if card.balance >= total:
                card.balance -= total
                order["ledger"].append(("spend", card, -total, None, card.balance))
                order["payments"].append(("stored_value", total, card))
                return
        method = rng.choices([m for m, _w in PAY_METHODS], weights=[w for _m, w in PAY_METHODS])[0]
        if total >= 100 and rng.random() < 0.08:
            part = money(total * Decimal(rng.choice(("0.3", "0.5", "0.6"))))
            order["payments"].append(("cash", part, None))
            order["payments"].append((method if method != "cash" else "wechat",
                                      total - part, None))
        else:
            order["payments"].append((method, total, None))
        if total >= 100 and rng.random() < 0.004:
            method, _amount, _card = order["payments"][-1]
            order["refund"] = (method, money(total * Decimal("0.3")), rng.choice(REFUND_REASONS))

    def _write_children(self, orders: list[dict]) -> None:
        t, rng = self.tenant_id, self.rng
        # Lines: main lines and products first, then 加钟 lines that point at them.
        for phase in (False, True):
            rows, refs = [], []
            for o in orders:
                for ln in o["lines"]:
                    if (ln["addon_of"] is not None) != phase:
                        continue
                    is_product = ln["kind"] == "product"
                    qty = ln.get("qty", 1)
                    rows.append({
                        "tenant_id": t, "order_id": o["id"], "store_id": o["store"].id,
                        "kind": ln["kind"],
                        "service_item_id": None if is_product else ln["item"].id,
                        "product_id": ln["product"] if is_product else None,
                        "name": self._product_name(ln["product"]) if is_product
                        else ln["item"].name,
                        "quantity": qty, "unit_price": ln["price"], "amount": ln["price"] * qty,
                        "guest_no": ln["guest_no"], "requested_therapist_id": ln["requested"],
                        "addon_of_line_id": ln["addon_of"]["id"] if phase else None,
                        "status": ln["status"], "created_at": o["row"]["opened_at"]})
                    refs.append(ln)
            for ln, lid in zip(refs, _insert(OrderLine, rows, returning=True), strict=True):
                ln["id"] = lid
        # Jobs: main (and returned) jobs, then add-on jobs with their parent.
        for phase in (False, True):
            rows, refs = [], []
            for o in orders:
                day_id = o["row"]["business_day_id"]
                for job in o["jobs"]:
                    if (job["addon_of"] is not None) != phase:
                        continue
                    start = self._local(o["date"], job["start"])
                    end = self._local(o["date"], job["end"])
                    planned = start + timedelta(minutes=job["line"]["item"].minutes)
                    rows.append({
                        "tenant_id": t, "store_id": o["store"].id, "business_day_id": day_id,
                        "order_id": o["id"], "order_line_id": job["line"]["id"],
                        "therapist_id": job["therapist"], "room_id": o["row"]["room_id"],
                        "job_type": job["type"], "is_addon": phase,
                        "parent_job_id": job["addon_of"]["id"] if phase else None,
                        "status": job["status"], "started_at": start, "planned_end_at": planned,
                        "ended_at": end, "addon_token": None,
                        "addon_confirmed_at": end if phase else None,
                        "return_reason": rng.choice(RETURN_REASONS)
                        if job["status"] == "returned" else ""})
                    refs.append(job)
            for job, jid in zip(refs, _insert(ServiceJob, rows, returning=True), strict=True):
                job["id"] = jid
        self._write_money(orders)
        self._write_feedback(orders)

    def _product_name(self, product_id: int) -> str:
        if not self._product_names:
            self._product_names = dict(db.session.execute(select(Product.id, Product.name)).all())
        return self._product_names[product_id]

    def _write_money(self, orders: list[dict]) -> None:
        t = self.tenant_id
        refunds, refund_orders = [], []
        for o in orders:
            if o["refund"]:
                method, amount, reason = o["refund"]
                decided = o["closed"] + timedelta(minutes=20)
                refunds.append({"tenant_id": t, "store_id": o["store"].id, "order_id": o["id"],
                                "amount": amount, "method": method, "reason": reason,
                                "status": "approved", "requested_by_account_id": None,
                                "requested_at": o["closed"] + timedelta(minutes=10),
                                "decided_by_account_id": o["store"].closer_account_id,
                                "decided_at": decided, "decision_note": "店长同意"})
                refund_orders.append(o)
        refund_ids = _insert(Refund, refunds, returning=True)
        payments, ledger = [], []
        for o in orders:
            base = {"tenant_id": t, "store_id": o["store"].id, "order_id": o["id"],
                    "business_day_id": o["row"]["business_day_id"]}
            for method, amount, card in o["payments"]:
                cash = method == "cash"
                tendered = (amount / 50).to_integral_value(rounding="ROUND_CEILING") * 50 \
                    if cash else None
                payments.append({**base, "method": method, "amount": amount,
                                 "tendered": tendered,
                                 "change": (tendered - amount) if cash else Decimal("0.00"),
                                 "card_id": card.id if card else None, "refund_id": None,
                                 "reference": "" if cash or card else f"T{o['id']:010d}",
                                 "created_at": o["closed"], "created_by_account_id": None})
            for kind, card, amount, method, after in o["ledger"]:
                ledger.append({"tenant_id": t, "card_id": card.id, "store_id": o["store"].id,
                               "kind": kind, "amount": amount, "count_delta": 0,
                               "balance_after": after, "count_after": 0,
                               "order_id": o["id"] if kind == "spend" else None,
                               "payment_method": method, "note": "",
                               "created_at": o["closed"], "created_by_account_id": None})
        for o, rid in zip(refund_orders, refund_ids, strict=True):
            method, amount, _reason = o["refund"]
            payments.append({"tenant_id": t, "store_id": o["store"].id, "order_id": o["id"],
                             "business_day_id": o["row"]["business_day_id"], "method": method,
                             "amount": -amount, "tendered": None, "change": Decimal("0.00"),
                             "card_id": None, "refund_id": rid, "reference": "",
                             "created_at": o["closed"] + timedelta(minutes=20),
                             "created_by_account_id": None})
        _insert(Payment, payments)
        _insert(CardLedgerEntry, ledger)

    def _write_feedback(self, orders: list[dict]) -> None:
        t, rng = self.tenant_id, self.rng
        rows, complaints = [], []
        for o in orders:
            if o["row"]["status"] != "paid":
                continue
            for job in o["jobs"]:
                if job["status"] != "finished" or job["addon_of"] is not None:
                    continue
                if rng.random() > 0.35:
                    continue
                rating = rng.choices([r for r, _w in RATINGS], weights=[w for _r, w in RATINGS])[0]
                rows.append({"tenant_id": t, "store_id": o["store"].id, "order_id": o["id"],
                             "job_id": job["id"], "therapist_id": job["therapist"],
                             "rating": rating, "comment": rng.choice(COMMENTS[rating]),
                             "created_at": o["closed"], "created_by_account_id": None})
                complaints.append((o, job, rating))
        ids = _insert(Feedback, rows, returning=True)
        cases = []
        for (o, job, rating), fid in zip(complaints, ids, strict=True):
            if rating > 2:
                continue
            status = rng.choice(("resolved", "closed", "closed"))
            cases.append({"tenant_id": t, "store_id": o["store"].id, "order_id": o["id"],
                          "therapist_id": job["therapist"], "customer_id": o["customer"],
                          "feedback_id": fid, "description": rng.choice(COMPLAINTS),
                          "status": status, "owner_account_id": None,
                          "resolution": "已与技师谈话，记入考核",
                          "reply_to_guest": "已致电客人致歉",
                          "guest_confirmed_at": o["closed"] + timedelta(days=1),
                          "created_at": o["closed"],
                          "closed_at": o["closed"] + timedelta(days=2)})
        _insert(ComplaintCase, cases)

    def finish(self) -> None:
        """Write each card's cached balance (equal to its ledger's sum)."""
        from sqlalchemy import update

        # Bulk UPDATE by primary key: the key is (tenant_id, id).
        rows = [{"tenant_id": self.tenant_id, "id": c.id, "balance": c.balance}
                for c in self.cards.values() if c.id]
        for start in range(0, len(rows), BATCH):
            db.session.execute(update(MemberCard), rows[start:start + BATCH])


def analyze_tables() -> None:
    """Refresh the planner's statistics (maintenance, not a tenant query).

    Without them SQLite picks the ``tenant_id`` index for every tenant-scoped
    query (the scoping adds ``tenant_id = ?`` everywhere) and scans the tenant's
    whole table instead of one business day; PostgreSQL plans a table it has
    just filled as if it were empty.
    """
    from sqlalchemy import text

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
                closer_account_id=cashier if index == 0 else None))
        _insert(StoreServicePrice, [
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
        db.session.flush()
        analyze_tables()
        return generator.result


__all__ = ["HistoryGenerator", "StorePlan", "load_history"]
