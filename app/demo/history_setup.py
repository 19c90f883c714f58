"""Front-desk demo history, the setup: catalogue and prices, qualifications, guests."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.store.models import (
    Customer,
    MembershipLevel,
    Product,
    ServiceItem,
    TherapistQualification,
)
from app.demo.rows import bulk_insert
from app.extensions import db

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
    # therapist -> "female" / "male": a guest's gender wish picks among them (empty: no
    # wishes are generated, as in the scale company).
    genders: dict[int, str] = field(default_factory=dict)
    # Who the dispatch log names for the store's 下钟 (its dispatcher).
    dispatcher_name: str = ""


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
    bulk_insert(TherapistQualification, rows)
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
    ids = bulk_insert(Customer, rows, returning=True)
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
