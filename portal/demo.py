"""The demo province behind `manage.py seed_demo`, built through the same code paths as real data.

Reference lists and accounts are written as CSV text and loaded by portal.importers; entries are
filed through portal.services (entries_bulk_create, week_submit), so the demo can only contain what
a real county could load or file. The patterns follow the source articles in shared/seeds/:
video meetings relayed level by level from the province, accompanying and "nesting-doll"
meetings, un-numbered notices, oral instructions, sticky notes and chat messages outnumbering
numbered documents, joint issuance, inspections called "research" or "guidance" that still demand
materials, and apps asking for the same data items again.

Determinism: the province's structure (regions, departments, apps, data items, accounts) is fixed;
the seed drives the burden. Every cadre-week draws from its own random stream keyed by
(seed, cadre, week), so the result does not depend on what already exists.

Idempotency: a cadre-week that already has a weekly log is left alone, so a second run adds
nothing (and never touches what real users filed).

The benchmark loader (`seed_demo --entries N`) is portal.demo_bulk; it borrows this province's
titles and mixes, and its cadres.
"""

import csv
import datetime as dt
import io
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from portal import importers, services, weeks
from portal.models import (
    App,
    DataItem,
    Department,
    Region,
    RegionLevel,
    Role,
    User,
    WeeklyLog,
)

DEFAULT_SEED = 2026
# Demo-only: printed by seed_demo and documented in the README as such; never use it in production.
DEFAULT_PASSWORD = "burden-demo-2026"


@dataclass(frozen=True)
class Scale:
    townships_per_county: int
    villages_per_township: tuple[int, int]
    weeks: int


SCALES = {
    # The realistic province the issue asks for: 48 townships, ~190 villages, 12 weeks.
    "full": Scale(townships_per_county=8, villages_per_township=(3, 5), weeks=12),
    # The same shape, smaller and shorter, for tests that only need "a demo".
    "small": Scale(townships_per_county=2, villages_per_township=(1, 2), weeks=3),
}

# ---------------------------------------------------------------------------- the province

PROVINCE = ("330000", "浙江省")
CITIES = [
    ("330800", "衢州市", "QZ", [("330802", "柯城区"), ("330803", "衢江区"), ("330825", "龙游县")]),
    ("331100", "丽水市", "LS", [("331102", "莲都区"), ("331121", "青田县"), ("331122", "缙云县")]),
]
# Township codes follow the official pattern: 0xx street offices, 1xx towns, 2xx townships.
TOWNSHIP_SLOTS = [
    ("001", "街道"),
    ("101", "镇"),
    ("002", "街道"),
    ("102", "镇"),
    ("103", "镇"),
    ("201", "乡"),
    ("104", "镇"),
    ("202", "乡"),
]
# The fixed structure comes from this stream, never from --seed.
_STRUCTURE_SEED = "burden-demo-structure"

_TOWN_FIRST = "清石桃白龙金杨湖双黄梅云"
_TOWN_SECOND = "溪岭源沙潭山林塘"
_VILLAGE_SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱胡郑何高林罗梁"
_VILLAGE_SUFFIXES = "坞畈湾岙埠桥坪口头岗庄堰垄弄"
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许邓冯韩曹彭曾肖田董潘袁蔡蒋余叶程汪"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅玉兰志文斌海燕飞鹏亮晨雪琳欣"


@dataclass
class Place:
    code: str
    name: str
    level: str
    parent: str | None = None
    children: list = field(default_factory=list)


@dataclass
class Cadre:
    username: str
    name: str
    region: str  # township or village code
    township: str
    county: str
    city: str
    at_township: bool  # works in the township office (vs. a village committee)


@dataclass
class Province:
    """Everything fixed about the demo: the region tree, departments, apps, data items, accounts."""

    regions: list[Place]
    departments: list[tuple[str, str, str, str, str]]  # code, name, level, parent_code, region_code
    apps: list[tuple[str, str, str]]  # code, name, owner_department_code
    data_items: list[tuple[str, str]]
    cadres: list[Cadre]
    others: list[tuple[str, str, str, str, str]]  # username, display_name, role, region, department
    logins: dict[str, str]  # role -> username printed as the demo login

    def by_code(self):
        return {place.code: place for place in self.regions}


def _person_name(rng) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _departments():
    """About 40 issuing bodies at central, province, city and county level, with divisions."""
    rows = [
        ("CN-GOV", "国务院办公厅", "central", "", ""),
        ("CN-MOA", "农业农村部", "central", "", ""),
        ("CN-MCA", "民政部", "central", "", ""),
        ("CN-MEE", "生态环境部", "central", "", ""),
    ]
    p = PROVINCE[0]
    for suffix, name, parent in [
        ("PCO", "中共浙江省委办公厅", ""),
        ("GOV", "浙江省人民政府办公厅", ""),
        ("ORG", "中共浙江省委组织部", ""),
        ("PROP", "中共浙江省委宣传部", ""),
        ("PLC", "中共浙江省委政法委员会", ""),
        ("AGRI", "浙江省农业农村厅", ""),
        ("AGRI-XCJS", "浙江省农业农村厅乡村建设处", "AGRI"),
        ("AGRI-FZGH", "浙江省农业农村厅发展规划处", "AGRI"),
        ("AGRI-NTJS", "浙江省农业农村厅农田建设管理处", "AGRI"),
        ("CIVIL", "浙江省民政厅", ""),
        ("CIVIL-SHJZ", "浙江省民政厅社会救助处", "CIVIL"),
        ("EEB", "浙江省生态环境厅", ""),
        ("WATER", "浙江省水利厅", ""),
        ("EMD", "浙江省应急管理厅", ""),
        ("HEALTH", "浙江省卫生健康委员会", ""),
        ("DATA", "浙江省大数据发展管理局", ""),
    ]:
        rows.append((f"{p}-{suffix}", name, "province", f"{p}-{parent}" if parent else "", p))
    for city_code, city, _abbr, counties in CITIES:
        short = city.removesuffix("市")
        rows += [
            (f"{city_code}-PCO", f"中共{short}市委办公室", "city", "", city_code),
            (f"{city_code}-AGRI", f"{city}农业农村局", "city", "", city_code),
            (f"{city_code}-AGRI-XCJS", f"{city}农业农村局乡村建设科", "city", f"{city_code}-AGRI", city_code),
            (f"{city_code}-CIVIL", f"{city}民政局", "city", "", city_code),
        ]
        for county_code, county in counties:
            rows += [
                (f"{county_code}-PCO", f"中共{county}委办公室", "county", "", county_code),
                (f"{county_code}-AGRI", f"{county}农业农村局", "county", "", county_code),
            ]
    return rows


DATA_ITEMS = [
    ("DI-01", "村户籍人口数"),
    ("DI-02", "村常住人口数"),
    ("DI-03", "外出务工人数"),
    ("DI-04", "低保户名单"),
    ("DI-05", "特困供养人员名单"),
    ("DI-06", "脱贫户收入数据"),
    ("DI-07", "防返贫监测户帮扶措施"),
    ("DI-08", "改厕前后照片"),
    ("DI-09", "农户厕所类型"),
    ("DI-10", "耕地面积"),
    ("DI-11", "粮食播种面积"),
    ("DI-12", "网格员名单"),
    ("DI-13", "村干部名单"),
    ("DI-14", "党员人数"),
    ("DI-15", "村集体经济收入"),
    ("DI-16", "垃圾分类照片"),
    ("DI-17", "河道巡查照片"),
    ("DI-18", "安全隐患排查台账"),
    ("DI-19", "独居老人名单"),
    ("DI-20", "残疾人名单"),
    ("DI-21", "留守儿童名单"),
    ("DI-22", "医保参保人数"),
    ("DI-23", "养老保险参保人数"),
    ("DI-24", "农村危房户名单"),
    ("DI-25", "村级道路里程"),
    ("DI-26", "宅基地数量"),
    ("DI-27", "防汛责任人名单"),
    ("DI-28", "消防设施照片"),
    ("DI-29", "民宿农家乐数量"),
    ("DI-30", "高标准农田建设进度"),
]


@dataclass(frozen=True)
class AppSpec:
    code: str
    name: str
    owner: str
    actions: tuple[str, ...]
    items: tuple[str, ...]  # data item codes it asks for
    city: str | None = None  # a city's own work group is only used there


APPS = [
    AppSpec("APP-ZLB", "浙里办", "330000-DATA", ("data_entry", "promotion"), ("DI-01", "DI-22", "DI-23")),
    AppSpec("APP-ZZD", "浙政钉", "330000-DATA", ("check_in", "data_entry"), ("DI-13", "DI-14", "DI-15")),
    AppSpec(
        "APP-GRID",
        "基层治理四平台",
        "330000-PLC",
        ("data_entry", "photo_upload"),
        ("DI-02", "DI-12", "DI-18", "DI-19", "DI-21"),
    ),
    AppSpec(
        "APP-FFP",
        "防返贫监测系统",
        "CN-MOA",
        ("data_entry",),
        ("DI-01", "DI-02", "DI-03", "DI-06", "DI-07"),
    ),
    AppSpec(
        "APP-TOILET",
        "农村改厕信息管理系统",
        "330000-AGRI-XCJS",
        ("photo_upload", "data_entry"),
        ("DI-08", "DI-09", "DI-01"),
    ),
    AppSpec(
        "APP-AID",
        "社会救助信息系统",
        "330000-CIVIL-SHJZ",
        ("data_entry",),
        ("DI-04", "DI-05", "DI-19", "DI-20", "DI-01"),
    ),
    AppSpec("APP-XXQG", "学习强国", "330000-PROP", ("ranking", "promotion", "check_in"), ()),
    AppSpec("APP-RIVER", "河湖长制巡河", "330000-WATER", ("check_in", "photo_upload"), ("DI-17",)),
    AppSpec(
        "APP-SAFE",
        "安全生产隐患排查系统",
        "330000-EMD",
        ("data_entry", "photo_upload"),
        ("DI-18", "DI-27", "DI-28"),
    ),
    AppSpec("APP-HEALTH", "浙里健康", "330000-HEALTH", ("data_entry",), ("DI-19", "DI-22", "DI-20")),
    AppSpec(
        "APP-FARM", "高标准农田监管平台", "330000-AGRI-NTJS", ("data_entry",), ("DI-10", "DI-11", "DI-30")
    ),
    AppSpec(
        "GRP-XCZX",
        "乡村振兴专班工作群",
        "330000-AGRI",
        ("group_duty", "data_entry"),
        ("DI-15", "DI-06", "DI-10", "DI-16"),
    ),
    AppSpec(
        "GRP-GRID", "网格员工作群", "330000-PLC", ("group_duty", "data_entry"), ("DI-12", "DI-21", "DI-02")
    ),
    AppSpec(
        "GRP-QZAGRI",
        "衢州市农业农村局工作群",
        "330800-AGRI",
        ("group_duty", "data_entry", "photo_upload"),
        ("DI-01", "DI-08", "DI-16", "DI-24"),
        city="330800",
    ),
    AppSpec(
        "GRP-LSCIVIL",
        "丽水市民政业务工作群",
        "331100-CIVIL",
        ("group_duty", "data_entry"),
        ("DI-04", "DI-05", "DI-19", "DI-01"),
        city="331100",
    ),
]

# Slot of the smallest townships: they stay under the minimum group, so the protection rules
# (reports.protection, rule 1) have cells to withhold.
_SMALL_SLOT = "202"


def build_province(scale: Scale) -> Province:
    """The fixed demo province at a scale; the same on every call."""
    rng = random.Random(_STRUCTURE_SEED)
    town_names = [a + b for a in _TOWN_FIRST for b in _TOWN_SECOND]
    village_names = [a + "家" + b for a in _VILLAGE_SURNAMES for b in _VILLAGE_SUFFIXES]
    rng.shuffle(town_names)
    rng.shuffle(village_names)
    province = Place(PROVINCE[0], PROVINCE[1], RegionLevel.PROVINCE)
    regions = [province]
    cadres: list[Cadre] = []
    others = []
    county_index = 0
    for city_code, city_name, _abbr, counties in CITIES:
        city = Place(city_code, city_name, RegionLevel.CITY, province.code)
        regions.append(city)
        others.append((f"region_{city_code}", f"{city_name}审阅人", Role.REGION_REVIEWER, city_code, ""))
        for county_code, county_name in counties:
            county = Place(county_code, county_name, RegionLevel.COUNTY, city_code)
            regions.append(county)
            others.append(
                (f"county_{county_code}", f"{county_name}审阅人", Role.COUNTY_REVIEWER, county_code, "")
            )
            # A few counties keep one tiny township (4 cadres): under BURDEN_MIN_GROUP in any week.
            has_small = county_index % 3 != 2
            slots = TOWNSHIP_SLOTS[: scale.townships_per_county]
            if has_small and all(slot != _SMALL_SLOT for slot, _ in slots):
                slots = [*slots[:-1], TOWNSHIP_SLOTS[-1]]
            for slot, suffix in slots:
                small = has_small and slot == _SMALL_SLOT
                code = county_code + slot
                town = Place(code, town_names.pop() + suffix, RegionLevel.TOWNSHIP, county_code)
                regions.append(town)
                office = 2 if small else rng.randint(4, 8)
                n_villages = 2 if small else rng.randint(*scale.villages_per_township)
                for n in range(1, office + 1):
                    cadres.append(
                        Cadre(
                            f"cadre_{code}_{n}", _person_name(rng), code, code, county_code, city_code, True
                        )
                    )
                for v in range(1, n_villages + 1):
                    # Street offices have residents' communities (001..), towns villages (201..).
                    if suffix == "街道":
                        vcode, vname = f"{code}{v:03d}", village_names.pop().replace("家", "") + "社区"
                    else:
                        vcode, vname = f"{code}{200 + v:03d}", village_names.pop() + "村"
                    regions.append(Place(vcode, vname, RegionLevel.VILLAGE, code))
                    for n in range(1, (1 if small else rng.randint(1, 2)) + 1):
                        cadres.append(
                            Cadre(
                                f"cadre_{vcode}_{n}",
                                _person_name(rng),
                                vcode,
                                code,
                                county_code,
                                city_code,
                                False,
                            )
                        )
            county_index += 1
    others.insert(0, (f"region_{PROVINCE[0]}", "浙江省审阅人", Role.REGION_REVIEWER, PROVINCE[0], ""))
    for dept in ["330000-AGRI", "330000-CIVIL", "330800-AGRI", "330802-PCO"]:
        others.append(
            (f"dept_{dept.lower().replace('-', '_')}", f"{dept}查看人", Role.DEPARTMENT_VIEWER, "", dept)
        )
    others.append(("demo_admin", "演示管理员", Role.ADMIN, "", ""))
    departments = _departments()
    names = {code: name for code, name, *_ in departments}
    others = [
        (u, f"{names[d]}查看人" if role == Role.DEPARTMENT_VIEWER else n, role, r, d)
        for u, n, role, r, d in others
    ]
    first_big = next(c for c in cadres if c.at_township and c.county == "330802")
    logins = {
        Role.CADRE: first_big.username,
        Role.COUNTY_REVIEWER: "county_330802",
        Role.REGION_REVIEWER: f"region_{PROVINCE[0]}",
        Role.DEPARTMENT_VIEWER: "dept_330000_agri",
        Role.ADMIN: "demo_admin",
    }
    return Province(
        regions=regions,
        departments=departments,
        apps=[(a.code, a.name, a.owner) for a in APPS],
        data_items=DATA_ITEMS,
        cadres=cadres,
        others=others,
        logins=logins,
    )


# ---------------------------------------------------------------------------- CSV and import


def _csv(name: str, header, rows) -> io.StringIO:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    buffer.seek(0)
    buffer.name = name  # importers name the file in their errors
    return buffer


def reference_files(province: Province) -> dict[str, io.StringIO]:
    """The four reference CSV files of import_reference, as text file objects."""
    return {
        "regions": _csv(
            "demo-regions.csv",
            importers.REGION_COLUMNS,
            [(p.code, p.name, str(p.level), p.parent or "") for p in province.regions],
        ),
        "departments": _csv("demo-departments.csv", importers.DEPARTMENT_COLUMNS, province.departments),
        "apps": _csv("demo-apps.csv", importers.APP_COLUMNS, province.apps),
        "data_items": _csv("demo-data-items.csv", importers.DATA_ITEM_COLUMNS, province.data_items),
    }


def users_file(province: Province) -> io.StringIO:
    # Passwords stay empty here and are set once afterwards (load_province): hashing each of ~600
    # accounts with the production hasher would take minutes for one shared demo password.
    rows = [(c.username, "", c.name, Role.CADRE.value, c.region, "") for c in province.cadres]
    rows += [(u, "", n, str(role), r, d) for u, n, role, r, d in province.others]
    return _csv("demo-users.csv", importers.USER_COLUMNS, rows)


def demo_usernames(province: Province) -> list[str]:
    return [c.username for c in province.cadres] + [u for u, *_ in province.others]


def load_province(province: Province, password: str) -> dict:
    """Import the reference lists and accounts, then give every demo account the demo password."""
    with transaction.atomic():
        summary = importers.import_reference(**reference_files(province))
        summary.update(importers.import_users(users_file(province)))
        User.objects.filter(username__in=demo_usernames(province)).update(password=make_password(password))
    return summary


# ---------------------------------------------------------------------------- weekly burden

THEMES = [
    # (theme, issuing province department, joint issuer or "", what it asks of villages)
    ("全省乡村振兴重点工作推进", "330000-AGRI", "330000-PCO", "DI-15"),
    ("全省农村人居环境整治提升", "330000-AGRI-XCJS", "", "DI-08"),
    ("全省防止返贫监测帮扶工作", "330000-AGRI", "330000-CIVIL", "DI-06"),
    ("全省安全生产和防汛防台工作", "330000-EMD", "330000-WATER", "DI-27"),
    ("全省基层治理体系建设", "330000-PLC", "330000-ORG", "DI-12"),
    ("全省社会救助兜底保障工作", "330000-CIVIL", "", "DI-04"),
    ("全省秋冬季森林防火工作", "330000-EMD", "", "DI-18"),
    ("全省高标准农田建设推进", "330000-AGRI-NTJS", "", "DI-30"),
]
INSPECTION_WORDS = {
    "research": "调研",
    "investigation": "调查",
    "guidance": "指导",
    "supervision": "督导",
    "inspection": "检查",
    "assessment": "考核",
    "other": "暗访",
}
INSPECTION_LABELS = [
    "research",
    "investigation",
    "guidance",
    "supervision",
    "inspection",
    "assessment",
    "other",
]
INSPECTION_WEIGHTS = [26, 14, 20, 15, 14, 8, 3]
INSPECTION_TOPICS = [
    "农村改厕",
    "乡村振兴",
    "基层治理",
    "安全生产",
    "防返贫监测",
    "社会救助",
    "人居环境",
    "高标准农田",
]
DOC_CHANNELS = ["numbered", "unnumbered", "chat", "oral", "sticky_note"]
DOC_WEIGHTS = [14, 34, 27, 15, 10]
DOC_TOPICS = [
    "农村人居环境整治",
    "防汛防台",
    "秋冬季森林防火",
    "低保动态管理",
    "网格化管理",
    "垃圾分类",
    "农村危房排查",
    "集体经济增收",
    "信访维稳",
    "耕地保护",
]
ACTION_WORDS = {
    "data_entry": "填报",
    "photo_upload": "上传",
    "check_in": "打卡",
    "promotion": "转发推广",
    "ranking": "完成积分任务",
    "group_duty": "群内接龙回复",
    "other": "处理",
}


@dataclass
class WeekPlan:
    """What happens province-wide in one week: the same for every cadre of the week."""

    week: str
    theme: tuple | None  # the province video meeting's theme, relayed down the levels
    repeat: bool  # the theme was already heard in an earlier week
    nesting_county: str | None  # county holding a "nesting-doll" combined meeting
    triple_county: str | None  # county visited by three divisions of one department at once
    notice: str  # an un-numbered province-wide notice many cadres receive


def week_plans(seed: int, week_labels: list[str]) -> dict[str, WeekPlan]:
    """The province's calendar for the weeks, in order (themes come back: "repeat_topic")."""
    counties = [c for _city, _n, _a, cs in CITIES for c, _ in cs]
    plans, heard = {}, set()
    for week in week_labels:
        rng = random.Random(f"{seed}:plan:{week}")
        theme = rng.choice(THEMES) if rng.random() < 0.85 else None
        repeat = bool(theme) and theme[0] in heard
        if theme:
            heard.add(theme[0])
        nesting = rng.choice(counties) if rng.random() < 0.5 else None
        triple = rng.choice(counties) if rng.random() < 0.35 else None
        notice_topic = rng.choice(DOC_TOPICS)
        plans[week] = WeekPlan(
            week, theme, repeat, nesting, triple, f"关于报送{notice_topic}工作进展情况的通知"
        )
    return plans


def _hours(rng, low, high) -> Decimal:
    """A duration in quarter hours between low and high."""
    return Decimal(rng.randint(int(low * 4), int(high * 4))) / 4


class _Week:
    """One cadre's rows for one week, keeping each day at or under a realistic daily total."""

    DAY_CAP = Decimal(14)  # well under the 24-hour rule: nobody logs 24 hours of meetings

    def __init__(self, cadre: Cadre, week: str, today: dt.date, ids):
        self.cadre, self.week, self.ids = cadre, week, ids
        monday = weeks.week_monday(week)
        self.days = [
            monday + dt.timedelta(days=i) for i in range(7) if monday + dt.timedelta(days=i) <= today
        ]
        self.day_hours = defaultdict(Decimal)
        self.rows: list[dict] = []

    def add(self, day_index, kind, title, hours, departments, **fields):
        if day_index >= len(self.days):
            return  # that day has not come yet this week
        day = self.days[day_index]
        if self.day_hours[day] + hours > self.DAY_CAP:
            return
        self.day_hours[day] += hours
        self.rows.append(
            {
                "kind": kind,
                "occurred_on": day,
                "title": title[:200],
                "hours": hours,
                "departments": [self.ids.dept[d] for d in dict.fromkeys(departments)],
                **fields,
            }
        )


@dataclass
class _Ids:
    dept: dict[str, int]
    app: dict[str, int]
    item: dict[str, int]
    dept_names: dict[str, str]
    region_names: dict[str, str]


def _meetings(w: _Week, rng, plan: WeekPlan, cadre: Cadre, names):
    county, city = cadre.county, cadre.city
    if plan.theme:
        theme, dept, joint, _item = plan.theme
        issuers = [dept, joint] if joint else [dept]
        # One pole to the end: the province's video meeting reaches townships and villages alike,
        # then the city, the county and the township relay the same theme again.
        if rng.random() < (0.9 if cadre.at_township else 0.55):
            w.add(
                1,
                "meeting",
                f"{theme}视频会议",
                _hours(rng, 1.5, 2.5),
                issuers,
                meeting_format="video",
                meeting_role="accompanying" if rng.random() < 0.3 else "participant",
                relayed=True,
                repeat_topic=plan.repeat,
            )
        if cadre.at_township and rng.random() < 0.75:
            w.add(
                2,
                "meeting",
                f"{names.region_names[city]}贯彻落实{theme}视频会议精神会议",
                _hours(rng, 1, 2),
                [f"{city}-PCO" if rng.random() < 0.5 else f"{city}-AGRI"],
                meeting_format="video",
                meeting_role="participant",
                relayed=True,
                repeat_topic=True,
            )
        if rng.random() < (0.8 if cadre.at_township else 0.3):
            w.add(
                3,
                "meeting",
                f"{names.region_names[county]}{theme.removeprefix('全省')}部署会",
                _hours(rng, 1.5, 3),
                [f"{county}-PCO"],
                meeting_format="in_person",
                meeting_role="speaker" if rng.random() < 0.1 else "participant",
                relayed=True,
                repeat_topic=True,
            )
        if rng.random() < 0.6:
            w.add(
                4,
                "meeting",
                f"{names.region_names[cadre.township]}传达学习{theme.removeprefix('全省')}会议精神",
                _hours(rng, 1, 2),
                [f"{county}-PCO"],
                meeting_format="in_person",
                meeting_role="host" if cadre.at_township and rng.random() < 0.3 else "participant",
                relayed=True,
                repeat_topic=True,
            )
    if plan.nesting_county == county and rng.random() < 0.8:
        w.add(
            0,
            "meeting",
            f"{names.region_names[county]}重点工作推进会暨安全生产暨信访维稳工作会议",
            _hours(rng, 2.5, 4),
            [f"{county}-PCO", f"{county}-AGRI"],
            meeting_format="in_person",
            meeting_role="accompanying" if rng.random() < 0.5 else "participant",
            relayed=False,
            repeat_topic=rng.random() < 0.6,
        )
    # Sitting in on other departments' meetings, and routine work meetings.
    for _i in range(rng.choice((0, 1, 1, 2)) if cadre.at_township else rng.choice((0, 0, 1))):
        dept = rng.choice([f"{county}-AGRI", f"{city}-CIVIL", f"{city}-AGRI", f"{county}-PCO"])
        accompanying = rng.random() < 0.45
        topic = rng.choice(DOC_TOPICS)
        w.add(
            rng.randrange(7),
            "meeting",
            f"陪同{names.dept_names[dept]}{topic}座谈会" if accompanying else f"{topic}工作例会",
            _hours(rng, 1, 3),
            [dept],
            meeting_format=rng.choice(("in_person", "in_person", "phone")),
            meeting_role="accompanying" if accompanying else "participant",
            relayed=False,
            repeat_topic=rng.random() < 0.2,
        )


def _documents(w: _Week, rng, plan: WeekPlan, cadre: Cadre):
    county, city = cadre.county, cadre.city
    # The week's province-wide notice, forwarded to nearly everyone without a number.
    if rng.random() < 0.7:
        dept = plan.theme[1] if plan.theme else "330000-GOV"
        w.add(
            rng.randrange(1, 4),
            "document",
            plan.notice,
            _hours(rng, 0.5, 1.5),
            [dept],
            doc_channel="unnumbered",
            pages=rng.randint(1, 3),
            report_back=True,
        )
    for _i in range(rng.randint(2, 5) if cadre.at_township else rng.randint(1, 3)):
        channel = rng.choices(DOC_CHANNELS, DOC_WEIGHTS)[0]
        topic = rng.choice(DOC_TOPICS)
        dept = rng.choice(
            [
                f"{county}-PCO",
                f"{county}-AGRI",
                f"{county}-AGRI",
                f"{city}-AGRI",
                f"{city}-CIVIL",
                "330000-AGRI",
            ]
        )
        issuers = [dept]
        if channel == "numbered":
            # Joint issuance: one body's quota spread over two or three signatures.
            if rng.random() < 0.45:
                pool = [f"{county}-PCO", f"{county}-AGRI", f"{city}-AGRI", f"{city}-CIVIL", f"{city}-PCO"]
                issuers = rng.sample(pool, rng.choice((2, 2, 3)))
            title, pages, hours = (
                f"关于印发《{topic}工作实施方案》的通知",
                rng.randint(6, 30),
                _hours(rng, 1, 3),
            )
        elif channel == "unnumbered":
            title, pages, hours = f"关于做好{topic}有关工作的通知", rng.randint(1, 5), _hours(rng, 0.5, 2)
        elif channel == "chat":
            title, pages, hours = (
                f"工作群通知：今日下班前报送{topic}情况",
                rng.randint(0, 1),
                _hours(rng, 0.25, 1.5),
            )
        elif channel == "oral":
            title, pages, hours = f"电话通知：{topic}材料明天上午报送", 0, _hours(rng, 0.25, 1.5)
        else:
            title, pages, hours = f"便签：{topic}台账补齐", rng.randint(0, 1), _hours(rng, 0.5, 2)
        w.add(
            rng.randrange(7),
            "document",
            title,
            hours,
            issuers,
            doc_channel=channel,
            pages=pages,
            report_back=rng.random() < (0.45 if channel == "numbered" else 0.65),
        )


def _inspections(w: _Week, rng, plan: WeekPlan, cadre: Cadre, names):
    county, city = cadre.county, cadre.city
    if plan.triple_county == county and cadre.at_township:
        # Three divisions of one provincial department come "to research" the same county at once.
        for i, division in enumerate(["330000-AGRI-XCJS", "330000-AGRI-FZGH", "330000-AGRI-NTJS"]):
            if rng.random() < 0.7:
                w.add(
                    1 + i,
                    "inspection",
                    f"{names.dept_names[division]}{rng.choice(INSPECTION_TOPICS)}调研",
                    _hours(rng, 2, 5),
                    [division],
                    inspection_label="research",
                    materials_pages=rng.randint(10, 60),
                    rectification=rng.random() < 0.3,
                    conflicting_demand=rng.random() < 0.15,
                )
    if rng.random() < (0.55 if cadre.at_township else 0.25):
        label = rng.choices(INSPECTION_LABELS, INSPECTION_WEIGHTS)[0]
        dept = rng.choice(
            [
                "330000-AGRI-XCJS",
                "330000-CIVIL",
                "330000-EMD",
                f"{city}-AGRI",
                f"{city}-CIVIL",
                f"{county}-PCO",
            ]
        )
        issuers = [dept]
        if rng.random() < 0.1:  # a "packaged" joint inspection, the remedy the articles ask for
            issuers.append(f"{county}-AGRI")
        # "Research" and "guidance" that still want ledgers and rectification: disguised inspections.
        wants_materials = rng.random() < (
            0.65 if label in ("research", "investigation", "guidance") else 0.85
        )
        w.add(
            rng.randrange(5),
            "inspection",
            f"{names.dept_names[dept]}{rng.choice(INSPECTION_TOPICS)}{INSPECTION_WORDS[label]}",
            _hours(rng, 2, 6),
            issuers,
            inspection_label=label,
            materials_pages=rng.randint(5, 80) if wants_materials else 0,
            rectification=rng.random() < 0.35,
            conflicting_demand=rng.random() < 0.08,
        )


def _app_tasks(w: _Week, rng, cadre: Cadre, names):
    apps = [a for a in APPS if a.city in (None, cadre.city)]
    entered: dict[str, str] = {}  # data item -> the app that already took it this week
    for _i in range(rng.randint(2, 6) if cadre.at_township else rng.randint(1, 4)):
        app = rng.choice(apps)
        action = rng.choice(app.actions)
        items = []
        if action in ("data_entry", "photo_upload") and app.items:
            items = rng.sample(app.items, min(len(app.items), rng.choice((1, 1, 2, 3))))
        # The same data filled again: already given to another app this week, or (for items every
        # app wants) in an earlier week.
        duplicate = any(entered.get(i) not in (None, app.code) for i in items) or (
            bool(items) and rng.random() < 0.3
        )
        for item in items:
            entered.setdefault(item, app.code)
        item_names = "、".join(DATA_ITEM_NAMES[i] for i in items)
        title = (
            f"{app.name}：{ACTION_WORDS[action]}{item_names}"
            if items
            else f"{app.name}：{ACTION_WORDS[action]}"
        )
        w.add(
            rng.randrange(7),
            "app_task",
            title,
            _hours(rng, 0.25, 1.5),
            [app.owner],
            app=names.app[app.code],
            app_action=action,
            duplicate_entry=duplicate,
            data_items=[names.item[i] for i in items],
        )


DATA_ITEM_NAMES = dict(DATA_ITEMS)


def cadre_week(seed: int, cadre: Cadre, plan: WeekPlan, today: dt.date, ids: _Ids, current: bool):
    """(entry rows, submit?) for one cadre-week; the same for the same seed, cadre and week."""
    rng = random.Random(f"{seed}:{cadre.username}:{plan.week}")
    submit = rng.random() < (0.25 if current else 0.9)
    if rng.random() < 0.03:
        return [], True  # a quiet week: submitted with nothing in it, still a reporter
    w = _Week(cadre, plan.week, today, ids)
    _meetings(w, rng, plan, cadre, ids)
    _documents(w, rng, plan, cadre)
    _inspections(w, rng, plan, cadre, ids)
    _app_tasks(w, rng, cadre, ids)
    w.rows.sort(key=lambda row: row["occurred_on"])
    return w.rows, submit


@dataclass
class SeedResult:
    created_entries: int = 0
    submitted_logs: int = 0
    skipped_weeks: int = 0
    summary: dict = field(default_factory=dict)


def seed(*, seed: int = DEFAULT_SEED, password: str = DEFAULT_PASSWORD, scale: str = "full") -> SeedResult:
    """Build (or complete) the demo province; see the module docstring for what it guarantees."""
    province = build_province(SCALES[scale])
    result = SeedResult(summary=load_province(province, password))
    week_labels = [weeks.shift_week(weeks.current_week(), -i) for i in range(SCALES[scale].weeks)][::-1]
    plans = week_plans(seed, week_labels)
    ids = _Ids(
        dept=dict(Department.objects.values_list("code", "pk")),
        app=dict(App.objects.values_list("code", "pk")),
        item=dict(DataItem.objects.values_list("code", "pk")),
        dept_names=dict(Department.objects.values_list("code", "name")),
        region_names=dict(
            Region.objects.filter(level__in=["city", "county", "township"]).values_list("code", "name")
        ),
    )
    users = User.objects.in_bulk([c.username for c in province.cadres], field_name="username")
    done = set(WeeklyLog.objects.filter(week__in=week_labels).values_list("cadre__username", "week"))
    today, current = weeks.today(), weeks.current_week()
    # One transaction for the whole province: all or nothing, one disk sync on SQLite, and the
    # services announce each county-week once, at its commit.
    with transaction.atomic():
        for cadre in province.cadres:
            user = users[cadre.username]
            rows, submits = [], []
            for week in week_labels:
                if (cadre.username, week) in done:
                    result.skipped_weeks += 1
                    continue
                week_rows, submit = cadre_week(seed, cadre, plans[week], today, ids, week == current)
                rows += week_rows
                if submit:
                    submits.append(week)
            for start in range(0, len(rows), services.MAX_BULK):
                services.entries_bulk_create(cadre=user, rows=rows[start : start + services.MAX_BULK])
            for week in submits:
                services.week_submit(cadre=user, week=week)
            result.created_entries += len(rows)
            result.submitted_logs += len(submits)
    return result
