"""Truth, straight from the raw filing tables (portal.models) and independent of reports/.

A *cell* is `(family, unit, bucket)`:

- `("fixed", code, bucket)`: a township, county, city or the province (region code);
- `("dept", "DEPT@COUNTY", bucket)`: entries naming the department itself in one county, hours
  split equally among joint issuers; `"DEPT@*"` is the same over every county;
- `("tree", "DEPT@COUNTY", bucket)`: a department *with divisions*: entries naming it or any
  division, each once, with the shares of its issuers inside the tree; `"DEPT@*"` over every
  county. A department without divisions has no `tree` cell: its footprint is its `dept` cell.

A bucket is an ISO week (`2026-W47`), a month (`2026-M11`: the weeks whose Thursday falls in it),
a quarter (`2026-Q4`) or a year (`2026`); a bucket holds only the weeks up to `last_week` (the
last week the answers serve: the last closed week under DESIGN rule 3).

For every cell the truth is its `hours`, its distinct `reporters` (cadres with a submitted log for
the fixed tree, cadres with an entry in the cell for departments) and `max_reporter_hours` (the
largest single reporter's hours in the cell, summed over the cell: the noise bound of rule 2).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from portal.models import Department, Entry, EntryDepartment, LogStatus, Region, RegionLevel, WeeklyLog


def week_thursday(week: str) -> dt.date:
    return dt.date.fromisocalendar(int(week[:4]), int(week[-2:]), 4)


def week_buckets(week: str) -> tuple[str, str, str]:
    """(month, quarter, year) of an ISO week: those of its Thursday."""
    thursday = week_thursday(week)
    return (
        f"{thursday.year:04d}-M{thursday.month:02d}",
        f"{thursday.year:04d}-Q{(thursday.month - 1) // 3 + 1}",
        f"{thursday.year:04d}",
    )


def bucket_level(bucket: str) -> str:
    return (
        "week" if "-W" in bucket else "month" if "-M" in bucket else "quarter" if "-Q" in bucket else "year"
    )


def weeks_of_bucket(bucket: str, weeks: list[str]) -> list[str]:
    """The weeks of `weeks` (in order) that belong to `bucket`."""
    level = bucket_level(bucket)
    if level == "week":
        return [w for w in weeks if w == bucket]
    index = {"month": 0, "quarter": 1, "year": 2}[level]
    return [w for w in weeks if week_buckets(w)[index] == bucket]


@dataclass
class Structure:
    """The unit tree and the department tree (what the attacker knows too)."""

    parent: dict[str, str | None]  # region code -> parent code
    level: dict[str, str]  # region code -> level
    dept_parent: dict[str, str | None]  # department code -> parent code
    dept_id: dict[str, int]  # department code -> id

    @property
    def townships(self):
        return sorted(c for c, lv in self.level.items() if lv == RegionLevel.TOWNSHIP)

    @property
    def counties(self):
        return sorted(c for c, lv in self.level.items() if lv == RegionLevel.COUNTY)

    @property
    def cities(self):
        return sorted(c for c, lv in self.level.items() if lv == RegionLevel.CITY)

    @property
    def province(self):
        return next(c for c, lv in self.level.items() if lv == RegionLevel.PROVINCE)

    def children(self, code):
        return sorted(c for c, p in self.parent.items() if p == code)

    def ancestors(self, code):
        """The region itself and every region above it."""
        out = []
        while code is not None:
            out.append(code)
            code = self.parent.get(code)
        return out

    @property
    def departments(self):
        return sorted(self.dept_parent)

    def divisions(self, dept):
        return sorted(d for d, p in self.dept_parent.items() if p == dept)

    def with_divisions(self, dept):
        out, frontier = [dept], [dept]
        while frontier:
            frontier = [d for f in frontier for d in self.divisions(f)]
            out += frontier
        return out

    def dept_ancestors(self, dept):
        """The department itself and every department above it."""
        out, seen = [], set()
        while dept is not None and dept not in seen:
            seen.add(dept)
            out.append(dept)
            dept = self.dept_parent.get(dept)
        return out

    def has_divisions(self, dept):
        return any(p == dept for p in self.dept_parent.values())

    @classmethod
    def load(cls):
        regions = list(Region.objects.values_list("code", "level", "parent__code"))
        depts = list(Department.objects.values_list("code", "parent__code", "pk"))
        return cls(
            parent={c: p for c, _lv, p in regions},
            level={c: lv for c, lv, _p in regions},
            dept_parent={c: p for c, p, _pk in depts},
            dept_id={c: pk for c, _p, pk in depts},
        )


def load_raw(log_filter=None):
    """(logs, entries, links) DataFrames of submitted logs (optionally filtered)."""
    logs_qs = WeeklyLog.objects.filter(status=LogStatus.SUBMITTED)
    if log_filter is not None:
        logs_qs = logs_qs.filter(**log_filter)
    logs = pd.DataFrame(
        list(logs_qs.values_list("pk", "cadre_id", "week", "township__code", "county__code")),
        columns=["log_id", "cadre_id", "week", "township", "county"],
    )
    entries = pd.DataFrame(
        list(
            Entry.objects.filter(log__in=logs_qs).values_list(
                "pk", "log_id", "kind", "hours", "inspection_label", "materials_pages", "rectification"
            )
        ),
        columns=[
            "entry_id",
            "log_id",
            "kind",
            "hours",
            "inspection_label",
            "materials_pages",
            "rectification",
        ],
    )
    entries["hours"] = entries["hours"].astype(float)
    links = pd.DataFrame(
        list(
            EntryDepartment.objects.filter(entry__log__in=logs_qs).values_list("entry_id", "department__code")
        ),
        columns=["entry_id", "dept"],
    )
    return logs, entries, links


def contributions(structure: Structure, logs, entries, links) -> pd.DataFrame:
    """One row per (cadre-week, family, unit) with the cadre-week's hours in that unit."""
    parts = []
    per_log = entries.groupby("log_id")["hours"].sum()
    fixed = logs.assign(hours=logs["log_id"].map(per_log).fillna(0.0))
    county_city = {c: structure.parent[c] for c in structure.counties}
    fixed["city"] = fixed["county"].map(county_city)
    fixed["province"] = structure.province
    for column in ["township", "county", "city", "province"]:
        parts.append(
            pd.DataFrame(
                {
                    "log_id": fixed["log_id"],
                    "cadre_id": fixed["cadre_id"],
                    "week": fixed["week"],
                    "family": "fixed",
                    "unit": fixed[column],
                    "hours": fixed["hours"],
                }
            )
        )
    if len(links):
        linked = links.merge(entries[["entry_id", "log_id", "hours"]], on="entry_id")
        linked["share"] = linked["hours"] / linked.groupby("entry_id")["entry_id"].transform("size")
        linked = linked.merge(logs[["log_id", "cadre_id", "week", "county"]], on="log_id")
        direct = linked.groupby(["log_id", "cadre_id", "week", "county", "dept"], as_index=False)[
            "share"
        ].sum()
        for scope in ["county", "*"]:
            unit = direct["dept"] + "@" + (direct["county"] if scope == "county" else "*")
            parts.append(
                pd.DataFrame(
                    {
                        "log_id": direct["log_id"],
                        "cadre_id": direct["cadre_id"],
                        "week": direct["week"],
                        "family": "dept",
                        "unit": unit,
                        "hours": direct["share"],
                    }
                )
            )
        # Footprints with divisions: each (entry, department with divisions above an issuer) once.
        rows = []
        parents = {d for d in structure.departments if structure.has_divisions(d)}
        for dept in linked["dept"].unique():
            for ancestor in structure.dept_ancestors(dept):
                if ancestor in parents:
                    rows.append((dept, ancestor))
        if rows:
            up = linked.merge(pd.DataFrame(rows, columns=["dept", "ancestor"]), on="dept")
            tree = up.groupby(["log_id", "cadre_id", "week", "county", "ancestor"], as_index=False)[
                "share"
            ].sum()
            for scope in ["county", "*"]:
                unit = tree["ancestor"] + "@" + (tree["county"] if scope == "county" else "*")
                parts.append(
                    pd.DataFrame(
                        {
                            "log_id": tree["log_id"],
                            "cadre_id": tree["cadre_id"],
                            "week": tree["week"],
                            "family": "tree",
                            "unit": unit,
                            "hours": tree["share"],
                        }
                    )
                )
    out = pd.concat(parts, ignore_index=True)
    return out.groupby(["log_id", "cadre_id", "week", "family", "unit"], as_index=False)["hours"].sum()


class Oracle:
    """Truth of every cell, computed once from the raw tables when loaded."""

    def __init__(self, structure: Structure, contrib: pd.DataFrame):
        self.structure = structure
        self.contrib = contrib
        self._cells: dict[str, dict] = {}

    @classmethod
    def load(cls):
        structure = Structure.load()
        return cls(structure, contributions(structure, *load_raw()))

    @property
    def data_weeks(self) -> list[str]:
        return sorted(self.contrib["week"].unique())

    def cells(self, last_week: str) -> dict[tuple, dict]:
        """{(family, unit, bucket): {"hours", "reporters", "max_reporter_hours"}} for every bucket
        of the data's weeks up to `last_week` (weeks, months, quarters, years)."""
        if last_week in self._cells:
            return self._cells[last_week]
        frame = self.contrib[self.contrib["week"] <= last_week]
        weeks = sorted(frame["week"].unique())
        buckets = {w: (w, *week_buckets(w)) for w in weeks}
        exploded = pd.concat(
            [frame.assign(bucket=frame["week"].map(lambda w, i=i: buckets[w][i])) for i in range(4)],
            ignore_index=True,
        )
        keys = ["family", "unit", "bucket"]
        per_reporter = exploded.groupby([*keys, "cadre_id"], as_index=False)["hours"].sum()
        grouped = per_reporter.groupby(keys)
        table = pd.DataFrame(
            {
                "hours": grouped["hours"].sum(),
                "reporters": grouped["cadre_id"].nunique(),
                "max_reporter_hours": grouped["hours"].max(),
            }
        )
        out = {
            key: {
                "hours": float(row.hours),
                "reporters": int(row.reporters),
                "max_reporter_hours": float(row.max_reporter_hours),
            }
            for key, row in zip(table.index, table.itertuples(index=False))
        }
        self._cells[last_week] = out
        return out

    def truth(self, cell, last_week):
        return self.cells(last_week).get(cell, {"hours": 0.0, "reporters": 0, "max_reporter_hours": 0.0})


def log_contributions(structure: Structure, log_id: int) -> dict[tuple[str, str], float]:
    """{(family, unit): hours} of one weekly log as it stands (nothing if it is a draft)."""
    logs, entries, links = load_raw({"pk": log_id})
    if logs.empty:
        return {}
    frame = contributions(structure, logs, entries, links)
    return {(f, u): float(h) for f, u, h in zip(frame["family"], frame["unit"], frame["hours"])}


def change_deltas(structure, before: dict, after: dict) -> dict[tuple[str, str], float]:
    """{(family, unit): true change in hours} between two log_contributions of one cadre-week."""
    deltas = defaultdict(float)
    for key, hours in after.items():
        deltas[key] += hours
    for key, hours in before.items():
        deltas[key] -= hours
    return dict(deltas)
