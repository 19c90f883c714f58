"""The demo data: 悦足连锁 (yuezu, 6 stores, 131 people) and 清溪足道 (qingxi, 1 store).

Everything is generated from fixed lists and a fixed random seed, so every
machine gets the same names, phones and hire dates.  Companies are created
through the same services as a real sign-up (:func:`app.tenants.create_company`,
:func:`app.blueprints.auth.services.create_account`); the rest is plain ORM
inside the company's tenant scope.  Loading is idempotent by company code: a
company that already exists is left exactly as it is.

Adds and flushes; the caller commits (``flask demo load`` does).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import select

from app.blueprints.auth.services import create_account
from app.extensions import db
from app.models import Employee, PlatformAdmin, Position, Room, Store
from app.permissions import ROLES, role_label
from app.security import hash_password
from app.tenancy import tenant_context
from app.tenants import create_company, find_tenant_by_code

DEMO_PASSWORD = "muzu2026"
PLATFORM_ADMIN = "platform"
SEED = 2026
# Hire dates are drawn before this day, so the demo looks the same every year.
DEMO_TODAY = date(2026, 11, 1)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵"
    "覃莫严欧"
)
GIVEN_FEMALE = (
    "丽", "芳", "娟", "敏", "静", "燕", "艳", "霞", "婷", "雪", "琳", "倩", "玲", "颖", "慧",
    "晓燕", "秀英", "春梅", "海燕", "小红", "美玲", "丽娟", "雅婷", "思琪", "佳怡", "梦瑶",
    "欣怡", "晓琳", "月华", "桂芳", "翠萍", "玉兰", "凤霞", "淑珍", "嘉欣", "紫萱", "雨彤",
)
GIVEN_MALE = (
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华",
    "志强", "建国", "俊杰", "海涛", "文博", "子轩", "浩然", "宇航", "家豪", "建华", "国庆",
    "振东", "永康", "立新", "晓东", "德明", "嘉俊", "锦荣", "伟雄", "志明", "国强", "少华",
)

# (code, name, city, address, phone, opens, closes, rooms, extra posts, therapists)
# ``extra`` adds a second foreman / cashier and a trainee supervisor to the big stores.
STORES = (
    ("GZ01", "悦足·天河旗舰店", "广州", "广州市天河区天河路 385 号天汇广场北座 2 楼",
     "020-3862 7788", time(11, 0), time(2, 0), 14, ("foreman", "cashier", "trainee_supervisor"),
     11),
    ("GZ02", "悦足·北京路店", "广州", "广州市越秀区北京路 216 号骑楼商厦 3 楼",
     "020-8331 5566", time(11, 0), time(1, 30), 10, (), 10),
    ("GZ03", "悦足·番禺万博店", "广州", "广州市番禺区汉溪大道东 290 号万博中心 B 座 2 楼",
     "020-3482 9900", time(12, 0), time(2, 0), 9, (), 10),
    ("SZ01", "悦足·福田车公庙店", "深圳", "深圳市福田区深南大道 7008 号阳光大厦裙楼 3 楼",
     "0755-8321 6688", time(11, 0), time(2, 0), 12, ("foreman", "trainee_supervisor"), 11),
    ("SZ02", "悦足·南山科技园店", "深圳", "深圳市南山区科苑南路 2666 号创智大厦 2 楼",
     "0755-2655 3322", time(11, 30), time(2, 0), 11, (), 10),
    ("SZ03", "悦足·宝安西乡店", "深圳", "深圳市宝安区西乡大道 288 号宝源商业中心 4 楼",
     "0755-2790 1188", time(11, 0), time(1, 0), 8, (), 10),
)

# Every store has one of each of these, in this order (工号 order too).
STORE_POSTS = (
    "store_manager", "supervisor", "foreman", "cashier", "dispatcher", "receptionist",
    "greeter", "cleaner", "technical_supervisor",
)
# Head office: (role, how many).
HEAD_OFFICE = (
    ("owner", 1), ("general_manager", 1), ("finance_manager", 1), ("finance_staff", 2),
    ("hr_manager", 1), ("hr_staff", 1), ("service_manager", 1), ("technical_director", 1),
    ("logistics_head", 1),
)
# Posts mostly held by women / men in the trade; the rest are drawn 50/50.
FEMALE_SHARE = {"cashier": 0.9, "receptionist": 0.9, "greeter": 1.0, "cleaner": 0.8,
                "therapist": 0.6, "hr_staff": 0.8, "finance_staff": 0.8}
# Years of service drawn for each post (min, max).
SENIORITY = {"owner": (8, 10), "general_manager": (5, 8), "store_manager": (3, 7),
             "technical_director": (5, 8), "therapist": (0, 6), "trainee_supervisor": (1, 2)}

# (code, name, city, address, phone, rooms) of the second, small company.
QINGXI_STORE = ("HZ01", "清溪足道·海珠店", "广州", "广州市海珠区江南大道中 118 号 2 楼",
                "020-8445 2233", 8)
QINGXI_STAFF = ("store_manager", "cashier", "receptionist", "therapist", "therapist",
                "therapist", "therapist", "therapist")


@dataclass
class DemoLogin:
    company: str
    username: str
    role: str
    password: str = DEMO_PASSWORD

    @property
    def role_label(self) -> str:
        return role_label(self.role)


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)  # company codes created now
    existing: list[str] = field(default_factory=list)  # company codes left as they were
    platform_admin_created: bool = False
    logins: list[DemoLogin] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created) or self.platform_admin_created


def demo_logins() -> list[DemoLogin]:
    """The logins the demo provides: one per role in yuezu, two in qingxi."""
    logins = [DemoLogin("yuezu", role, role) for role in ROLES]
    logins += [DemoLogin("qingxi", "owner", "owner"), DemoLogin("qingxi", "store_manager",
                                                                "store_manager")]
    return logins


def load_demo() -> DemoResult:
    """Create the demo companies and platform admin that do not exist yet."""
    result = DemoResult(logins=demo_logins())
    for code, build in (("yuezu", _build_yuezu), ("qingxi", _build_qingxi)):
        if find_tenant_by_code(code) is not None:
            result.existing.append(code)
            continue
        build()
        result.created.append(code)
    if db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.username == PLATFORM_ADMIN)) \
            is None:
        db.session.add(PlatformAdmin(username=PLATFORM_ADMIN,
                                     password_hash=hash_password(DEMO_PASSWORD)))
        result.platform_admin_created = True
    db.session.flush()
    return result


class _People:
    """Seeded generator of unique names, phones and hire dates."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.names: set[str] = set()
        self.phones: set[str] = set()

    def person(self, role: str) -> tuple[str, str, str, date]:
        gender = "female" if self.rng.random() < FEMALE_SHARE.get(role, 0.5) else "male"
        given = GIVEN_FEMALE if gender == "female" else GIVEN_MALE
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(given)
            if name not in self.names:
                self.names.add(name)
                break
        while True:
            phone = f"13{self.rng.randint(0, 9)}{self.rng.randint(0, 99_999_999):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                break
        low, high = SENIORITY.get(role, (1, 5))
        hired = DEMO_TODAY - timedelta(days=self.rng.randint(low * 365 + 20, high * 365 + 300))
        return name, gender, phone, hired


def _employee(people: _People, positions: dict[str, Position], role: str, number: str,
              store: Store | None) -> Employee:
    name, gender, phone, hired = people.person(role)
    # Hired in the last three months: still on probation (试用期).
    status = "probation" if (DEMO_TODAY - hired).days < 90 else "active"
    return Employee(employee_no=number, name=name, gender=gender, phone=phone,
                    store_id=store.id if store is not None else None,
                    position_id=positions[role].id, status=status, hire_date=hired)


def _rooms(rng: random.Random, store: Store, count: int, floor: int) -> list[Room]:
    """8–14 rooms: mostly 单人间 and 双人间, the last ones 贵宾房."""
    vip = max(1, count // 5)
    rooms = []
    for n in range(1, count + 1):
        kind = "vip" if n > count - vip else rng.choice(("single", "double"))
        rooms.append(Room(store_id=store.id, number=f"{floor}{n:02d}", type=kind,
                          beds=1 if kind == "single" else 2, status="free"))
    return rooms


def _build_yuezu() -> None:
    new = create_company("yuezu", "悦足连锁", "owner", DEMO_PASSWORD, owner_name="owner")
    people = _People(SEED)
    with tenant_context(new.tenant.id):
        positions = {p.role: p for p in db.session.scalars(select(Position))}
        stores = [Store(code=code, name=name, city=city, address=address, phone=phone,
                        opens_at=opens, closes_at=closes, status="open")
                  for code, name, city, address, phone, opens, closes, *_ in STORES]
        db.session.add_all(stores)
        db.session.flush()

        employees: list[Employee] = []
        n = 0
        for role, count in HEAD_OFFICE:
            for _ in range(count):
                n += 1
                employees.append(_employee(people, positions, role, f"{n:04d}", None))
        for index, (store, spec) in enumerate(zip(stores, STORES, strict=True), start=1):
            rooms, extra, therapists = spec[7], spec[8], spec[9]
            db.session.add_all(_rooms(people.rng, store, rooms, floor=index))
            posts = [*STORE_POSTS, *extra]
            posts.sort(key=lambda role: (*STORE_POSTS, "trainee_supervisor").index(role))
            for number, role in enumerate(posts, start=1):
                employees.append(_employee(people, positions, role, f"{index}{number:03d}", store))
            # Therapists' numbers (技师号, the number a guest asks for) start at x101.
            for number in range(1, therapists + 1):
                employees.append(_employee(people, positions, "therapist",
                                           f"{index}{100 + number:03d}", store))
        db.session.add_all(employees)
        db.session.flush()

        # One login per role: the first employee holding it (store roles: store 1).
        first: dict[str, Employee] = {}
        role_of = {p.id: p.role for p in positions.values()}
        for employee in employees:
            first.setdefault(role_of[employee.position_id], employee)
        new.owner.employee_id = first["owner"].id
        new.owner.display_name = first["owner"].name
        for role in ROLES:
            if role != "owner":
                create_account(role, DEMO_PASSWORD, role, employee=first[role])
        db.session.flush()


def _build_qingxi() -> None:
    new = create_company("qingxi", "清溪足道", "owner", DEMO_PASSWORD, owner_name="owner")
    people = _People(SEED + 1)
    with tenant_context(new.tenant.id):
        positions = {p.role: p for p in db.session.scalars(select(Position))}
        code, name, city, address, phone, rooms = QINGXI_STORE
        store = Store(code=code, name=name, city=city, address=address, phone=phone,
                      opens_at=time(12, 0), closes_at=time(1, 0), status="open")
        db.session.add(store)
        db.session.flush()
        db.session.add_all(_rooms(people.rng, store, rooms, floor=2))
        owner = _employee(people, positions, "owner", "0001", None)
        staff = [_employee(people, positions, role, f"{n:03d}", store)
                 for n, role in enumerate(QINGXI_STAFF, start=1)]
        db.session.add_all([owner, *staff])
        db.session.flush()
        new.owner.employee_id = owner.id
        new.owner.display_name = owner.name
        create_account("store_manager", DEMO_PASSWORD, "store_manager", employee=staff[0])
        db.session.flush()


def login_table(logins: list[DemoLogin]) -> str:
    """The logins as an aligned text table (CJK characters count double)."""
    header = ("企业编号", "用户名", "角色", "密码")
    rows = [header] + [(x.company, x.username, x.role_label, x.password) for x in logins]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(
            row, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

