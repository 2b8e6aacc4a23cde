"""Synthetic residential communities for demos, tests and benchmarks — realistic shape, no real person.

A community is buildings → units → floors → rooms; each room yields the sheet rows of the people
attached to it (owner, co-owner, family, tenants), exactly as ``services.sheet_reader`` would
produce them from a property company's spreadsheet.

Faker zh_CN is used only to seed pools of name parts: its addresses are no use for 小区, and
calling it per row is far too slow for the 100k-row benchmarks. Phones, ID numbers and plates are
built here from ``random.Random(seed)``; ID numbers carry a valid check digit and a region code
that ``stdnum.cn.ric.validate`` accepts for the birth year. Ages are relative to
``clock.today()`` (Beijing), so a seed reproduces the same community on the same day.
"""

from __future__ import annotations

import csv
import functools
import itertools
import math
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from faker import Faker
from stdnum.cn.ric import calc_check_digit

from ownerguard import clock
from ownerguard.domain.model import IdType, ResidencyRole
from ownerguard.domain.rows import PersonRow, RoomRow, VehicleRow

# --- community names ---------------------------------------------------------------------------

_DEVELOPERS = ("万科", "保利", "碧桂园", "金地", "龙湖", "中海", "华润", "绿地", "招商", "融创", "绿城", "旭辉")
_NAME_CORES = (
    "锦绣", "翠湖", "天悦", "和光尘樾", "凤凰", "御景", "阳光", "紫荆", "枫林", "星河", "滨江", "东方",
    "海棠", "云栖", "香山", "春江", "玉兰", "金域", "桃源", "观澜", "西溪", "明珠", "学府", "城市",
    "书香", "盛世", "尚都", "望京", "悦府", "璟园", "梧桐", "清华", "丽景", "水岸", "青秀", "怡景",
)
_NAME_SUFFIXES = ("花园", "苑", "华庭", "府", "湾", "公馆", "小区", "家园", "名苑", "城", "雅苑", "嘉园", "名邸")
_PHASES = ("一期", "二期", "三期")


def community_name(rng: random.Random) -> str:
    """A plausible 小区 name: [developer[·]] + poetic core + suffix [+ phase], e.g. "金地·天悦湾"."""
    name = rng.choice(_NAME_CORES) + rng.choice(_NAME_SUFFIXES)
    if rng.random() < 0.4:
        developer = rng.choice(_DEVELOPERS)
        name = f"{developer}·{name}" if rng.random() < 0.3 else developer + name
    if rng.random() < 0.2:
        name += " " + rng.choice(_PHASES)
    return name


# --- cities: where the community is, which decides local ID regions, plates and area code -------

@dataclass(frozen=True)
class _City:
    name: str
    area_code: str
    plate_prefixes: tuple[str, ...]
    # (6-digit region code, first birth year for which stdnum's numdb knows the code): real IDs of
    # people born before a district existed carry it too, but stdnum rejects them, and so might
    # our importer — so older people get a code valid for their birth year.
    regions: tuple[tuple[str, int], ...]


_CITIES = (
    _City("北京", "010", ("京A", "京B", "京C", "京E", "京F", "京G", "京H", "京J", "京K", "京L", "京N", "京P", "京Q"),
          (("110101", 0), ("110105", 0), ("110108", 0), ("110106", 0))),
    _City("上海", "021", ("沪A", "沪B", "沪C", "沪D", "沪E", "沪G", "沪H", "沪J", "沪K", "沪L", "沪M", "沪N"),
          (("310104", 0), ("310101", 0), ("310107", 0), ("310115", 1992))),
    _City("天津", "022", ("津A", "津B", "津C", "津D", "津E", "津F", "津G", "津H", "津J", "津K", "津L", "津M"),
          (("120101", 0), ("120104", 0))),
    _City("武汉", "027", ("鄂A",), (("420106", 1983), ("420111", 1983), ("420102", 1983))),
    _City("深圳", "0755", ("粤B",), (("440305", 1983), ("440304", 1983))),
    _City("广州", "020", ("粤A",), (("440106", 1985), ("440104", 1983))),
    _City("重庆", "023", ("渝A", "渝B", "渝C", "渝D", "渝F", "渝G", "渝H"), (("500103", 1997), ("500107", 1997))),
    _City("成都", "028", ("川A",), (("510107", 1990), ("510104", 1990), ("510105", 1990))),
    _City("南京", "025", ("苏A",), (("320102", 1983), ("320106", 1983))),
    _City("杭州", "0571", ("浙A",), (("330106", 1983), ("330102", 1983))),
    _City("西安", "029", ("陕A", "陕U"), (("610113", 1983), ("610103", 1983))),
)
_ALL_REGIONS = tuple(region for city in _CITIES for region in city.regions)
_ALL_PLATE_PREFIXES = tuple(prefix for city in _CITIES for prefix in city.plate_prefixes)

_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "170", "173", "175", "176", "177", "178", "180", "181",
    "182", "183", "184", "185", "186", "187", "188", "189", "191", "193", "195", "198", "199",
)

# --- rooms --------------------------------------------------------------------------------------

_STATUSES = ("已入住", "空置", "装修中")
_STATUS_WEIGHTS = (80, 12, 8)
# (building area below which, layouts to choose from)
_LAYOUTS = (
    (60, ("一室一厅",)),
    (75, ("两室一厅",)),
    (95, ("两室一厅", "两室两厅", "三室一厅")),
    (125, ("三室一厅", "三室两厅")),
    (150, ("三室两厅", "四室两厅")),
    (999, ("四室两厅", "五室两厅")),
)
_APARTMENT_LAYOUTS = ("开间", "一室一厅")

# --- vehicles -----------------------------------------------------------------------------------

# (brand, share of its cars with a green new-energy plate)
_CAR_BRANDS = (
    ("比亚迪", 0.8), ("大众", 0.03), ("丰田", 0.05), ("本田", 0.03), ("特斯拉", 1.0), ("理想", 1.0),
    ("蔚来", 1.0), ("小鹏", 1.0), ("吉利", 0.3), ("长安", 0.2), ("日产", 0.02), ("别克", 0.02),
    ("宝马", 0.05), ("奔驰", 0.03), ("奥迪", 0.03), ("哈弗", 0.0), ("五菱", 0.5),
)
_CAR_COLOURS = ("白色", "黑色", "银色", "灰色", "蓝色", "红色", "棕色", "绿色")
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: they read as 1 and 0

# --- companies owning shops ---------------------------------------------------------------------

_SHOP_TRADE_NAMES = ("鑫源", "恒达", "和盛", "万家", "佳禾", "润丰", "福满", "永兴", "嘉禾", "百汇", "聚宝", "康宁")
_SHOP_INDUSTRIES = ("商贸", "餐饮管理", "便利店", "医药连锁", "教育咨询", "美容美发", "洗衣服务", "烟酒")

_NAME_POOL_SIZE = 2000
_MAX_ROOMS_PER_BUILDING = 4 * 33 * 99  # 4 units, 33 floors, rooms numbered floor * 100 + 1..99
_MINOR_AGE = 14  # children under 14 are minors: their data is sensitive under PIPL art. 28


# --- state of one generation run ----------------------------------------------------------------

@dataclass(frozen=True)
class _NamePools:
    surnames: tuple[str, ...]   # drawn from Faker, so common surnames are common
    male: tuple[str, ...]
    female: tuple[str, ...]


@dataclass
class _Community:
    rng: random.Random
    names: _NamePools
    city: _City
    today: date
    parking: Iterator[str]
    rows: Iterator[int] = field(default_factory=lambda: itertools.count(2))  # header is row 1
    # Person keys must not collide, or the importer would merge two people into one.
    ids: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    plates: set[str] = field(default_factory=set)


class _Person(NamedTuple):
    name: str
    surname: str        # kept apart: children of 欧阳娜 are 欧阳, not 欧
    birth: date | None
    id_number: str | None
    phone: str | None


@dataclass(frozen=True)
class _Shape:
    elevator: bool
    floors: int
    units: int
    per_floor: int
    room_type: str      # 普通住宅 or 公寓 for the whole building
    shops: bool         # floor 1 is 商铺

    @property
    def capacity(self) -> int:
        return self.floors * self.units * self.per_floor


# --- public API ---------------------------------------------------------------------------------

def generate_rows(n_rooms: int, seed: int = 0, *, buildings: int | None = None) -> Iterator[PersonRow]:
    """Yield the sheet rows of a synthetic community of ``n_rooms`` rooms, deterministic per seed.

    Every room has exactly one 业主 row (a person or, for some shops, a company), sometimes a
    共有人; occupied rooms add family members or tenants. ``buildings`` fixes how many buildings
    the rooms are spread over (at most that many, when there are fewer rooms than buildings).
    Arguments are checked here, not at the first ``next()``.
    """
    if n_rooms < 0:
        raise ValueError("n_rooms must be ≥ 0")
    if buildings is not None and (buildings < 1 or math.ceil(n_rooms / buildings) > _MAX_ROOMS_PER_BUILDING):
        raise ValueError(f"buildings must be ≥ 1 and hold at most {_MAX_ROOMS_PER_BUILDING} rooms each")
    rng = random.Random(seed)
    community = _Community(
        rng=rng,
        names=_name_pools(seed),
        city=rng.choice(_CITIES),
        today=clock.today(),
        parking=_parking_spaces(rng, n_rooms),
    )
    return _community_rows(community, n_rooms, buildings)


def _community_rows(community: _Community, n_rooms: int, buildings: int | None) -> Iterator[PersonRow]:
    for room in _rooms(community, n_rooms, buildings):
        yield from _household(community, room)


CSV_HEADER = (
    "楼号", "单元", "房屋", "楼层", "总楼层", "电梯", "房屋类型", "户型", "建筑面积", "室内面积", "租金", "状态",
    "业主名称", "性别", "手机号", "证件类型", "身份证", "业主类型", "人员类型", "人员角色", "联系人", "联系人电话",
    "车牌号", "车辆品牌", "车辆颜色", "车位号",
)


def generate_csv(path: str | os.PathLike[str], n_rooms: int, seed: int = 0) -> int:
    """Write ``generate_rows(n_rooms, seed)`` in the import-template layout; return the row count.

    Plain UTF-8 without BOM, values already normalised, so reading the file back gives the rows.
    """
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for row in generate_rows(n_rooms, seed):
            writer.writerow(_csv_values(row))
            count += 1
    return count


def _csv_values(row: PersonRow) -> list[str]:
    room, vehicle = row.room, row.vehicle
    values = [
        room.building, room.unit, room.number, room.floor, room.total_floors,
        None if room.elevator is None else ("有" if room.elevator else "无"),
        room.room_type, room.layout, room.building_area, room.indoor_area, room.rent, room.status,
        row.name, row.gender, row.phone,
        "身份证" if row.id_type == IdType.RESIDENT_ID.value else None, row.id_number,
        row.owner_type, row.person_type, row.role.label_zh, row.contact_name, row.contact_phone,
        vehicle and vehicle.plate, vehicle and vehicle.brand, vehicle and vehicle.colour,
        vehicle and vehicle.parking_space,
    ]
    return ["" if value is None else str(value) for value in values]


# --- name pools ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=8)
def _name_pools(seed: int) -> _NamePools:
    """Name parts from Faker, drawn once per seed (Faker costs ~50 µs a name)."""
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    return _NamePools(
        surnames=tuple(fake.last_name() for _ in range(_NAME_POOL_SIZE)),
        male=_given_names(rng, [fake.first_name_male() for _ in range(_NAME_POOL_SIZE // 4)]),
        female=_given_names(rng, [fake.first_name_female() for _ in range(_NAME_POOL_SIZE // 4)]),
    )


def _given_names(rng: random.Random, faker_names: list[str]) -> tuple[str, ...]:
    """Faker knows only ~60 given names per gender; recombining their characters gives thousands."""
    chars = sorted({char for name in faker_names for char in name})
    recombined = [rng.choice(chars) + rng.choice(chars) for _ in range(len(faker_names) * 3)]
    return tuple(faker_names + recombined)


# --- buildings and rooms ------------------------------------------------------------------------

def _rooms(community: _Community, n_rooms: int, buildings: int | None) -> Iterator[RoomRow]:
    rng = community.rng
    building_word = rng.choice(("栋", "栋", "号楼"))
    remaining = n_rooms
    for index in itertools.count(1):
        if remaining <= 0:
            return
        wanted = math.ceil(remaining / (buildings - index + 1)) if buildings else None
        shape = _fitted_shape(rng, wanted) if wanted else _natural_shape(rng)
        take = min(remaining, wanted or shape.capacity)
        rooms = _building_rooms(community, f"{index}{building_word}", shape)
        yield from itertools.islice(rooms, take)
        remaining -= take


def _natural_shape(rng: random.Random) -> _Shape:
    """A building as they come: 30% six-floor walk-ups, the rest 11–33 floors with elevators."""
    if rng.random() < 0.3:
        return _Shape(False, 6, rng.randint(1, 4), 2, "普通住宅", rng.random() < 0.25)
    apartments = rng.random() < 0.1
    return _Shape(True, rng.randint(11, 33), rng.randint(1, 4), rng.randint(2, 4),
                  "公寓" if apartments else "普通住宅", not apartments and rng.random() < 0.25)


def _fitted_shape(rng: random.Random, wanted: int) -> _Shape:
    """A building holding at least ``wanted`` rooms without many unused ones."""
    shops = rng.random() < 0.25
    if wanted <= 6 * 4 * 2:
        return _Shape(False, 6, math.ceil(wanted / 12), 2, "普通住宅", shops)
    units, per_floor = rng.randint(1, 4), rng.randint(2, 4)
    floors = min(33, max(11, math.ceil(wanted / (units * per_floor))))
    if floors * units * per_floor < wanted:
        units, per_floor = 4, math.ceil(wanted / (33 * 4))
    return _Shape(True, floors, units, per_floor, "普通住宅", shops)


def _building_rooms(community: _Community, building: str, shape: _Shape) -> Iterator[RoomRow]:
    for unit in range(1, shape.units + 1):
        for floor in range(1, shape.floors + 1):
            for k in range(1, shape.per_floor + 1):
                yield _room(community.rng, building, f"{unit}单元", floor, floor * 100 + k, shape)


def _room(rng: random.Random, building: str, unit: str, floor: int, number: int, shape: _Shape) -> RoomRow:
    room_type = "商铺" if shape.shops and floor == 1 else shape.room_type
    area_cents = _area_cents(rng, room_type)
    status = rng.choices(_STATUSES, _STATUS_WEIGHTS)[0]
    rented = status == "已入住" and rng.random() < (0.5 if room_type == "商铺" else 0.19)  # ≈ 15% of all homes
    return RoomRow(
        building=building,
        unit=unit,
        number=str(number),
        floor=floor,
        total_floors=shape.floors,
        elevator=shape.elevator,
        room_type=room_type,
        layout=_layout(rng, room_type, area_cents),
        building_area=Decimal(area_cents).scaleb(-2),
        indoor_area=Decimal(round(area_cents * rng.uniform(0.75, 0.85))).scaleb(-2),
        rent=_monthly_rent(rng, room_type, area_cents) if rented else None,
        status=status,
    )


def _area_cents(rng: random.Random, room_type: str) -> int:
    """Building area in 0.01 m²: apartments are small, homes cluster around 95 m²."""
    if room_type == "公寓":
        return rng.randint(4500, 7000)
    if room_type == "商铺":
        return rng.randint(4500, 18000)
    return round(rng.triangular(45, 180, 95) * 100)


def _layout(rng: random.Random, room_type: str, area_cents: int) -> str | None:
    if room_type == "商铺":
        return None
    if room_type == "公寓":
        return rng.choice(_APARTMENT_LAYOUTS)
    return rng.choice(next(layouts for limit, layouts in _LAYOUTS if area_cents < limit * 100))


def _monthly_rent(rng: random.Random, room_type: str, area_cents: int) -> Decimal:
    per_m2 = rng.uniform(100, 300) if room_type == "商铺" else rng.uniform(30, 90)
    return Decimal(round(area_cents / 100 * per_m2, -2)).quantize(Decimal("1"))


# --- households ---------------------------------------------------------------------------------

def _household(community: _Community, room: RoomRow) -> Iterator[PersonRow]:
    """Owner first, then co-owner, then family or tenants: the order a property office keeps."""
    rng = community.rng
    shop = room.room_type == "商铺"
    rented = room.rent is not None
    if shop and rng.random() < 0.4:
        yield _company_owner_row(community, room)
        if rented:
            yield from _tenant_rows(community, room)
        return
    lives_in = room.status == "已入住" and not rented and not shop
    owner = _adult(community, 25, 80)
    co_owner = rng.random() < 0.08
    has_spouse = (lives_in or co_owner) and rng.random() < 0.75
    spouse = _adult(community, 22, 80, male=not _is_male(owner), near=owner) if has_spouse else None
    # A shop is worked in, not lived in: 人员类型 says nothing there.
    person_type = None if shop else ("常住" if lives_in else "不常住")
    contact = None if lives_in or rng.random() < 0.75 else _contact(community, owner)
    in_use = lives_in or (shop and room.status == "已入住" and not rented)
    vehicle = _vehicle(community) if in_use and rng.random() < 0.3 else None
    yield _row(community, room, owner, ResidencyRole.OWNER, person_type, "个人", contact, vehicle)
    if co_owner:
        partner = spouse or _adult(community, 22, 80)
        yield _row(community, room, partner, ResidencyRole.CO_OWNER, person_type, "个人")
    if lives_in:
        yield from _family_rows(community, room, owner, None if co_owner else spouse)
    if rented:
        yield from _tenant_rows(community, room)


def _family_rows(community: _Community, room: RoomRow, owner: _Person, spouse: _Person | None) -> Iterator[PersonRow]:
    rng = community.rng
    if spouse:
        yield _row(community, room, spouse, ResidencyRole.FAMILY, "常住")
    parents = [p for p in (owner, spouse) if p]
    # Children mostly carry the father's surname; a single mother's children carry hers.
    surname = next((p.surname for p in parents if _is_male(p)), owner.surname)
    youngest_parent = min(_age(community, p) for p in parents)
    if youngest_parent >= 23:
        for _ in range(rng.choices((0, 1, 2), (25, 50, 25))[0]):
            yield _child_row(community, room, surname, parents, youngest_parent)
    if _age(community, owner) <= 55 and rng.random() < 0.06:
        elder = _adult(community, _age(community, owner) + 22, _age(community, owner) + 35, surname=owner.surname)
        contact = _contact(community, owner) if rng.random() < 0.4 else None
        yield _row(community, room, elder, ResidencyRole.FAMILY, "常住", contact=contact)


def _child_row(community: _Community, room: RoomRow, surname: str, parents: list[_Person],
               youngest_parent: int) -> PersonRow:
    """A child born when the younger parent was at least 22; minors rarely have their own phone."""
    rng = community.rng
    max_days = (youngest_parent - 22) * 365
    birth = community.today - timedelta(days=rng.randint(30, max(30, max_days)))
    minor = birth > _years_before(community.today, _MINOR_AGE)
    has_phone = rng.random() < (0.08 if minor else 0.7)
    child = _person(community, birth, rng.random() < 0.5, surname, has_phone)
    guardian = rng.choice(parents)
    contact = (guardian.name, guardian.phone) \
        if minor and not has_phone and guardian.phone and rng.random() < 0.7 else None
    return _row(community, room, child, ResidencyRole.FAMILY, "常住", contact=contact)


def _tenant_rows(community: _Community, room: RoomRow) -> Iterator[PersonRow]:
    """One tenant, or two sharing (a couple or flatmates); the first may bring a car."""
    rng = community.rng
    person_type = None if room.room_type == "商铺" else "暂住"
    for index in range(1 if rng.random() < 0.7 else 2):
        tenant = _adult(community, 20, 55, phone_share=0.98)
        vehicle = _vehicle(community) if index == 0 and rng.random() < 0.3 else None
        yield _row(community, room, tenant, ResidencyRole.TENANT, person_type, vehicle=vehicle)


def _company_owner_row(community: _Community, room: RoomRow) -> PersonRow:
    """A shop owned by a company (业主类型 单位): no ID number, a landline and a contact person."""
    rng, city = community.rng, community.city
    name = city.name + rng.choice(_SHOP_TRADE_NAMES) + rng.choice(_SHOP_INDUSTRIES) + "有限公司"
    landline = f"{city.area_code}-{rng.randint(2, 8)}{rng.randrange(10 ** 7):07d}"
    company = _Person(name, "", None, None, landline)
    contact = _contact(community, None)
    return _row(community, room, company, ResidencyRole.OWNER, None, "单位", contact)


def _row(community: _Community, room: RoomRow, person: _Person, role: ResidencyRole, person_type: str | None,
         owner_type: str | None = None, contact: tuple[str, str | None] | None = None,
         vehicle: VehicleRow | None = None) -> PersonRow:
    id_number = person.id_number
    return PersonRow(
        row=next(community.rows),
        room=room,
        name=person.name,
        role=role,
        gender=None if id_number is None else ("男" if int(id_number[16]) % 2 else "女"),
        phone=person.phone,
        id_type=None if id_number is None else IdType.RESIDENT_ID.value,
        id_number=id_number,
        birth_date=person.birth,
        owner_type=owner_type,
        person_type=person_type,
        contact_name=contact[0] if contact else None,
        contact_phone=contact[1] if contact else None,
        vehicle=vehicle,
    )


def _contact(community: _Community, person: _Person | None) -> tuple[str, str]:
    """Someone to call instead: a relative with the person's surname, or anyone (an agent)."""
    rng = community.rng
    surname = person.surname if person and rng.random() < 0.6 else rng.choice(community.names.surnames)
    return surname + _given_name(community, rng.random() < 0.5), _mobile(community)


# --- people -------------------------------------------------------------------------------------

def _adult(community: _Community, min_age: int, max_age: int, *, male: bool | None = None,
           near: _Person | None = None, surname: str | None = None, phone_share: float = 0.9) -> _Person:
    """An adult aged min_age..max_age, or within 6 years of ``near`` (a spouse)."""
    rng = community.rng
    if near is not None:
        age = _age(community, near)
        min_age, max_age = max(min_age, age - 6), min(max_age, age + 6)
    days = rng.randint(min_age * 365 + 1, max_age * 365 + 364)
    birth = community.today - timedelta(days=days)
    return _person(community, birth, rng.random() < 0.5 if male is None else male, surname, rng.random() < phone_share)


def _person(community: _Community, birth: date, male: bool, surname: str | None, has_phone: bool) -> _Person:
    surname = surname or community.rng.choice(community.names.surnames)
    return _Person(
        name=surname + _given_name(community, male),
        surname=surname,
        birth=birth,
        id_number=_id_number(community, birth, male),
        phone=_mobile(community) if has_phone else None,
    )


def _given_name(community: _Community, male: bool) -> str:
    pools = community.names
    return community.rng.choice(pools.male if male else pools.female)


def _id_number(community: _Community, birth: date, male: bool) -> str:
    """An 18-digit resident ID: region + birth date + sequence (odd for men) + check digit."""
    rng = community.rng
    while True:
        region = _region_code(community, birth.year)
        sequence = rng.randrange(1, 1000, 2) if male else rng.randrange(2, 1000, 2)
        body = f"{region}{birth.year:04d}{birth.month:02d}{birth.day:02d}{sequence:03d}"
        number = body + calc_check_digit(body + "0")  # stdnum expects a placeholder check digit
        if number not in community.ids:
            community.ids.add(number)
            return number


def _region_code(community: _Community, birth_year: int) -> str:
    """Mostly local people; a code must have existed in the birth year (see ``_City.regions``)."""
    rng = community.rng
    regions = community.city.regions if rng.random() < 0.6 else _ALL_REGIONS
    codes = [code for code, since in regions if since <= birth_year]
    return rng.choice(codes or [code for code, since in _ALL_REGIONS if since == 0])


def _mobile(community: _Community) -> str:
    rng = community.rng
    while True:
        phone = f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10 ** 8):08d}"
        if phone not in community.phones:
            community.phones.add(phone)
            return phone


def _age(community: _Community, person: _Person) -> int:
    assert person.birth is not None, "companies have no age"
    return (community.today - person.birth).days // 365


def _is_male(person: _Person) -> bool:
    return person.id_number is not None and int(person.id_number[16]) % 2 == 1


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- vehicles -----------------------------------------------------------------------------------

def _vehicle(community: _Community) -> VehicleRow:
    rng = community.rng
    brand, new_energy_share = rng.choice(_CAR_BRANDS)
    return VehicleRow(
        plate=_plate(community, rng.random() < new_energy_share),
        brand=brand,
        colour=rng.choice(_CAR_COLOURS),
        parking_space=next(community.parking, None) if rng.random() < 0.8 else None,
    )


def _plate(community: _Community, new_energy: bool) -> str:
    """京A12345-style (one letter sometimes mixed in), or green new-energy 京AD12345."""
    rng = community.rng
    while True:
        local = rng.random() < 0.85
        prefix = rng.choice(community.city.plate_prefixes if local else _ALL_PLATE_PREFIXES)
        if new_energy:
            serial = rng.choice("DF") + f"{rng.randrange(10 ** 5):05d}"
        else:
            chars = list(f"{rng.randrange(10 ** 5):05d}")
            if rng.random() < 0.5:
                chars[rng.randrange(5)] = rng.choice(_PLATE_LETTERS)
            serial = "".join(chars)
        plate = prefix + serial
        if plate not in community.plates:
            community.plates.add(plate)
            return plate


def _parking_spaces(rng: random.Random, n_rooms: int) -> Iterator[str]:
    """Underground spaces "B1-023" on up to 3 levels, handed out in random order.

    About one space per four rooms; once the garage is full, later cars get none.
    """
    per_level = max(200, math.ceil(n_rooms / 4 / 3))
    spaces = [f"B{level}-{number:03d}" for level in (1, 2, 3) for number in range(1, per_level + 1)]
    rng.shuffle(spaces)
    return iter(spaces)
