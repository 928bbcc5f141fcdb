"""The attacker's side: log in as a role, read the stats API over HTTP, turn answers into figures.

Every request goes through Django's full handler (middleware, URL routing, DRF authentication
and permissions) with an `Authorization: Token` header. Every account (the readers above the
cadre, and the cadres whose changes the polling attack makes) gets its token from
`POST /api/v1/auth/token/` with the demo password, each from its own client address (the login
endpoint is throttled per client).

A *figure* is one number an answer shows for a cell (see tests.attacks.oracle for cells), keyed by
`(cell, view)`: the view names the answer and the place in it (`county.weeks`,
`county.townships.total`, ...), so the same cell shown by two answers is two figures, and a week
row repeated by the week, month, quarter and year answers of one view is one figure. A hidden
figure is `None`: a suppressed row, or a department or county the answer does not list at all
(DESIGN rule 1 for departments), except where the portal is seen to list its suppressed rows:
then an unlisted row can only be empty and is read as 0 hours (Attacker.unlisted_is_empty).
Only hours are read: `hours_total` for the fixed tree (plus the sum of the per-kind `hours` as a
second figure, view suffix `.kinds`), `hours` for departments.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from rest_framework.test import APIClient

from portal.demo import DEFAULT_PASSWORD as DEMO_PASSWORD
from tests.attacks.oracle import Structure, bucket_level, week_buckets

API = "/api/v1"


class Reader:
    """One account reading (or, for a cadre, writing) through the API with a token from
    `POST /api/v1/auth/token/`; answers are memoised per state of the data."""

    _addresses = 0

    def __init__(self, username: str):
        self.username = username
        # One client address per account: the token endpoint allows 10 logins a minute per client.
        Reader._addresses += 1
        address = f"10.47.{Reader._addresses // 250}.{Reader._addresses % 250 + 1}"
        self.client = APIClient(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address)
        answer = self.client.post(
            f"{API}/auth/token/", {"username": username, "password": DEMO_PASSWORD}, format="json"
        )
        assert answer.status_code == 200, (username, answer.status_code, answer.content[:200])
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
        self.requests = 0
        self._memo: dict = {}

    def get(self, path: str, state: int = 0):
        """(status, json or None) of GET path; the same path in the same data state is asked once."""
        key = (path, state)
        if key not in self._memo:
            answer = self.client.get(path)
            self.requests += 1
            body = answer.json() if answer.get("Content-Type", "").startswith("application/json") else None
            self._memo[key] = (answer.status_code, body)
        return self._memo[key]

    def post(self, path, data):
        return self.client.post(path, data, format="json")

    def patch(self, path, data):
        return self.client.patch(path, data, format="json")

    def delete(self, path):
        return self.client.delete(path)


def county_path(county, answer, period):
    return f"{API}/stats/counties/{county}/{answer}/?period={period}"


def region_path(region, period):
    return f"{API}/stats/regions/{region}/counties/?period={period}"


def department_path(dept_id, period):
    return f"{API}/stats/departments/{dept_id}/counties/?period={period}"


def _hours_total(row):
    if row.get("suppressed") or row.get("hours_total") is None:
        return None
    return float(row["hours_total"])


def _kinds_sum(row):
    hours = row.get("hours")
    if row.get("suppressed") or not isinstance(hours, dict) or any(v is None for v in hours.values()):
        return None
    return float(sum(hours.values()))


def _dept_hours(row):
    if row.get("suppressed") or row.get("hours") is None:
        return None
    return float(row["hours"])


def _same(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= 1e-6)


@dataclass
class Snapshot:
    """Figures read at one state of the data: {(cell, view): value or None (hidden)}."""

    figures: dict = field(default_factory=dict)
    conflicts: int = 0  # a (cell, view) shown again with a different value
    perturbed_flags: set = field(default_factory=set)
    answers: int = 0
    refused: dict = field(default_factory=lambda: defaultdict(int))  # status -> count

    def put(self, cell, view, value):
        """Record a figure. A (cell, view) shown again with another value (DESIGN: "the same cell
        in the same state gives the same numbers everywhere") is counted as a conflict and kept
        as one more figure (`view#2`, ...), so the attacks can average the repeats."""
        key = (cell, view)
        if key not in self.figures:
            self.figures[key] = value
            return
        if _same(self.figures[key], value):
            return
        self.conflicts += 1
        n = 2
        while (cell, f"{view}#{n}") in self.figures:
            if _same(self.figures[(cell, f"{view}#{n}")], value):
                return
            n += 1
        self.figures[(cell, f"{view}#{n}")] = value

    def visible(self) -> dict:
        """{cell: [values shown for it by any view]} for every cell shown with a value."""
        out = defaultdict(list)
        for (cell, _view), value in self.figures.items():
            if value is not None:
                out[cell].append(value)
        return dict(out)

    def hidden(self) -> set:
        """Cells some answer hides (suppressed or unlisted) and no answer shows."""
        shown = {cell for (cell, _v), value in self.figures.items() if value is not None}
        return {cell for (cell, _v), value in self.figures.items() if value is None} - shown


class Attacker:
    """Reads answers as a set of accounts and parses them into a Snapshot."""

    def __init__(self, structure: Structure, periods: list[str], readers: dict[str, Reader]):
        self.s = structure
        self.periods = periods
        self.readers = readers  # name -> Reader (names: county codes, "region", department codes)
        self.state = 0  # bumped after every change to the data, so memoised answers are re-read
        # Answers that list their suppressed rows tell by omission that a row is empty: an
        # unlisted department (or county of a department's footprint) is then read as 0 hours.
        # Under DESIGN rule 1 departments below the minimum are not listed at all, so this is
        # learnt by probing (discover), not assumed.
        self.unlisted_is_empty = {"county.departments": False, "department.counties": False}

    # ------------------------------------------------------------------ reading one answer

    def _fetch(self, reader: Reader, path: str, snap: Snapshot):
        status, body = reader.get(path, self.state)
        if status != 200 or body is None:
            snap.refused[status] += 1
            return None
        snap.answers += 1
        if "perturbed" in body:
            snap.perturbed_flags.add(bool(body["perturbed"]))
        return body

    def county_answers(self, reader: Reader, county: str, period: str, snap: Snapshot, answers=None):
        answers = answers or ("weeks", "townships", "departments")
        if "weeks" in answers:
            body = self._fetch(reader, county_path(county, "weeks", period), snap)
            for row in (body or {}).get("results", []):
                cell = ("fixed", county, row["week"])
                snap.put(cell, "county.weeks", _hours_total(row))
                snap.put(cell, "county.weeks.kinds", _kinds_sum(row))
        if "townships" in answers:
            body = self._fetch(reader, county_path(county, "townships", period), snap)
            if body is not None:
                listed = set()
                for row in body.get("results", []):
                    code = row["township"]["code"]
                    listed.add(code)
                    snap.put(("fixed", code, period), "county.townships", _hours_total(row))
                    snap.put(("fixed", code, period), "county.townships.kinds", _kinds_sum(row))
                for code in set(self.s.children(county)) - listed:
                    snap.put(("fixed", code, period), "county.townships", None)
                total = body.get("total")
                if total is not None:
                    snap.put(("fixed", county, period), "county.townships.total", _hours_total(total))
                    snap.put(("fixed", county, period), "county.townships.total.kinds", _kinds_sum(total))
        if "departments" in answers:
            body = self._fetch(reader, county_path(county, "departments", period), snap)
            if body is not None:
                listed = set()
                for row in body.get("results", []):
                    code = row["department"]["code"]
                    listed.add(code)
                    snap.put(("dept", f"{code}@{county}", period), "county.departments", _dept_hours(row))
                for code in set(self.s.departments) - listed:
                    snap.put(
                        ("dept", f"{code}@{county}", period),
                        "county.departments",
                        self._unlisted("county.departments"),
                    )
                total = body.get("total")
                if total is not None:
                    snap.put(("fixed", county, period), "county.departments.total", _dept_hours(total))

    def region_answer(self, reader: Reader, region: str, period: str, snap: Snapshot):
        body = self._fetch(reader, region_path(region, period), snap)
        if body is None:
            return
        counties = [c for c in self.s.counties if region in self.s.ancestors(c)]
        listed = set()
        for row in body.get("results", []):
            code = row["county"]["code"]
            listed.add(code)
            snap.put(("fixed", code, period), "region.counties", _hours_total(row))
            snap.put(("fixed", code, period), "region.counties.kinds", _kinds_sum(row))
        for code in set(counties) - listed:
            snap.put(("fixed", code, period), "region.counties", None)
        total = body.get("total")
        if total is not None:
            snap.put(("fixed", region, period), "region.total", _hours_total(total))
            snap.put(("fixed", region, period), "region.total.kinds", _kinds_sum(total))

    def _unlisted(self, view):
        return 0.0 if self.unlisted_is_empty.get(view) else None

    def dept_family(self, dept: str) -> str:
        return "tree" if self.s.has_divisions(dept) else "dept"

    def department_answer(self, reader: Reader, dept: str, period: str, snap: Snapshot, counties=None):
        body = self._fetch(reader, department_path(self.s.dept_id[dept], period), snap)
        if body is None:
            return
        family = self.dept_family(dept)
        listed = set()
        for row in body.get("results", []):
            code = row["county"]["code"]
            listed.add(code)
            snap.put((family, f"{dept}@{code}", period), "department.counties", _dept_hours(row))
        for code in set(counties or self.s.counties) - listed:
            snap.put(
                (family, f"{dept}@{code}", period),
                "department.counties",
                self._unlisted("department.counties"),
            )
        total = body.get("total")
        if total is not None:
            snap.put((family, f"{dept}@*", period), "department.total", _dept_hours(total))

    # ------------------------------------------------------------------ what a change touches

    def periods_of_week(self, week: str) -> list[str]:
        month, quarter, year = week_buckets(week)
        return [p for p in (week, month, quarter, year) if p in self.periods]

    def read_around(self, county: str, week: str, depts, snap: Snapshot, dept_reader):
        """Every answer the county's reviewer, the province's reviewer and the departments' viewers
        can read that holds (county, week): county answers, both region comparisons, and each
        given department's footprint, for the week, month, quarter and year of the week. The weeks
        answer is read for the week only: its row is the same figure in every period's answer."""
        city = self.s.parent[county]
        for period in self.periods_of_week(week):
            answers = (
                ("weeks", "townships", "departments") if period == week else ("townships", "departments")
            )
            self.county_answers(self.readers[county], county, period, snap, answers)
            self.region_answer(self.readers["region"], self.s.province, period, snap)
            self.region_answer(self.readers["region"], city, period, snap)
            for dept in depts:
                self.department_answer(dept_reader(dept), dept, period, snap)

    def read_everything(self, snap: Snapshot, counties=None, depts=None, periods=None, regions=None):
        """Everything the province's reviewer can read (every county answer, every region
        comparison, every department's footprint) for the given periods. The weeks answer is
        read for the years only: it lists every week of the period, so it holds the others."""
        periods = periods or self.periods
        reader = self.readers["region"]
        for period in periods:
            answers = ("weeks", "townships", "departments") if bucket_level(period) == "year" else None
            for county in counties or self.s.counties:
                self.county_answers(reader, county, period, snap, answers or ("townships", "departments"))
            for region in regions or [self.s.province, *self.s.cities]:
                self.region_answer(reader, region, period, snap)
            for dept in self.s.departments if depts is None else depts:
                self.department_answer(reader, dept, period, snap)


@dataclass
class Setting:
    """What the attacker learns about the portal before attacking: which weeks are served (the
    last one: rule 3), whether months are, the minimum group, and the buckets to ask."""

    attacker: Attacker
    last_week: str
    weeks: list[str]
    buckets: list[str]
    months_served: bool
    min_group: int
    perturbed: bool | None
    active_departments: list[str]

    @property
    def unlisted_is_empty(self):
        return self.attacker.unlisted_is_empty


def discover(structure: Structure, oracle, readers: dict | None = None) -> Setting:
    """Probe the API as the province's reviewer. Weeks before the portal's first data are empty
    everywhere and not asked (the attacker knows when the portal started); departments that never
    issued anything are not asked either (their answers are empty)."""
    readers = dict(readers or {})
    readers.setdefault("region", Reader("region_330000"))
    region = readers["region"]
    first_county = structure.counties[0]
    current = week_buckets(max(oracle.data_weeks))[1]  # the data's last quarter (this quarter)
    status, body = region.get(county_path(first_county, "weeks", current))
    assert status == 200, (status, body)
    served = [row["week"] for row in body["results"]]
    last_week = max(served)
    min_group = body.get("min_group")
    perturbed = body.get("perturbed")
    weeks = [w for w in oracle.data_weeks if w <= last_week]
    months = [
        m
        for m in sorted({week_buckets(w)[0] for w in weeks})
        if region.get(county_path(first_county, "weeks", m))[0] == 200
    ]
    months_served = bool(months)
    quarters = sorted({week_buckets(w)[1] for w in weeks})
    years = sorted({week_buckets(w)[2] for w in weeks})
    buckets = [*weeks, *months, *quarters, *years]
    cells = oracle.cells(last_week)
    active = sorted(
        {
            unit.split("@")[0]
            for (family, unit, _b), t in cells.items()
            if family in ("dept", "tree") and t["reporters"]
        }
    )
    attacker = Attacker(structure, buckets, readers)
    for county in structure.counties:
        status, body = region.get(county_path(county, "departments", last_week))
        if status == 200 and any(row.get("suppressed") for row in body.get("results", [])):
            attacker.unlisted_is_empty["county.departments"] = True
            break
    for dept in active[:8]:
        status, body = region.get(department_path(structure.dept_id[dept], last_week))
        if status == 200 and any(row.get("suppressed") for row in body.get("results", [])):
            attacker.unlisted_is_empty["department.counties"] = True
            break
    return Setting(attacker, last_week, weeks, buckets, months_served, min_group, perturbed, active)
