"""Dashboard extras as pure pandas/Python: DataFrames and plain rows in, DataFrames and dicts out.

Two halves:

- rollup side (`extras()`): from the raw rows reports.extras loads for some county-weeks, one
  frame per internal table of reports.models.EXTRAS (one row per reporter and week, so any
  bucket's distinct reporters are exact);
- reading side: the Standard Cost Model price of a period's hours, and the recommendations the
  articles propose (merge inspections into one joint inspection, fill data once in a county list,
  see which meeting themes repeat). Each keeps only groups of at least `group` distinct reporters.
"""

import re

import pandas as pd

from reports.rollup import week_buckets
from reports.suppression import Part, suppress_parts

LOG_COLUMNS = ["log_id", "cadre_id", "county_id", "week", "level", "hours_total"]
INSPECTION_COLUMNS = ["entry_id", "log_id", "hours", "department_id"]
DATA_ITEM_COLUMNS = ["entry_id", "log_id", "app_id", "data_item_id"]
TITLE_COLUMNS = ["entry_id", "log_id", "title"]
_SPACES = re.compile(r"\s+")


def normalise_title(title) -> str:
    """Titles count as identical up to surrounding and repeated whitespace."""
    return _SPACES.sub(" ", str(title)).strip()[:200]


def _with_buckets(frame: pd.DataFrame) -> pd.DataFrame:
    buckets = {w: week_buckets(w) for w in frame["week"].unique()}
    frame = frame.copy()
    frame["quarter"] = frame["week"].map(lambda w: buckets[w][0])
    frame["year"] = frame["week"].map(lambda w: buckets[w][1])
    return frame


def _on_logs(frame: pd.DataFrame, logs: pd.DataFrame) -> pd.DataFrame:
    return frame.merge(logs[["log_id", "cadre_id", "county_id", "week"]], on="log_id")


def extras(
    logs: pd.DataFrame, inspections: pd.DataFrame, data_items: pd.DataFrame, titles: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """The internal extras tables for the county-weeks whose submitted logs are given.

    logs: one row per submitted log with the cadre's level and the log's hours; inspections: one
    row per (inspection entry, issuing department); data_items: one row per (app task, data item);
    titles: one row per meeting.
    """
    logs = logs.astype({"week": "object"})
    keys = ["county_id", "week", "cadre_id"]

    levels = _with_buckets(logs[[*keys, "level", "hours_total"]])

    linked = _on_logs(inspections, logs)
    linked["share"] = linked["hours"].astype("float64") / linked.groupby("entry_id")["entry_id"].transform(
        "size"
    )
    inspected = (
        linked.groupby([*keys, "department_id"], sort=True)
        .agg(inspections=("entry_id", "nunique"), hours=("share", "sum"))
        .reset_index()
    )

    asked = _on_logs(data_items, logs)
    asked = (
        asked.groupby([*keys, "app_id", "data_item_id"], sort=True)
        .agg(entries=("entry_id", "nunique"))
        .reset_index()
    )

    meetings = _on_logs(titles, logs)
    meetings["title"] = meetings["title"].map(normalise_title)
    meetings = meetings[meetings["title"] != ""]
    meetings = meetings.groupby([*keys, "title"], sort=True).agg(entries=("entry_id", "size")).reset_index()

    return {
        "reporter_levels": levels,
        "reporter_inspections": _with_buckets(inspected),
        "reporter_data_items": _with_buckets(asked),
        "reporter_titles": _with_buckets(meetings),
    }


# ---------------------------------------------------------------------------- reading side


def cost(rows, tariff: dict[str, float], group: int) -> dict:
    """Standard Cost Model price of a period: hours of each cadre level x its hourly wage.

    `rows`: (level, cadre_id, hours) per reporter-week. The total with a known tariff would reveal
    each level's hours, so the levels are parts of a total: the cost is shown only when no level
    with reporters is suppressed (fewer than `group` distinct cadres, or hidden beside its sibling).
    """
    frame = pd.DataFrame(list(rows), columns=["level", "cadre_id", "hours"])
    per_level = frame.groupby("level").agg(hours=("hours", "sum"), reporters=("cadre_id", "nunique"))
    parts = [Part(level, int(row.reporters), level) for level, row in per_level.iterrows()]
    hidden = suppress_parts(parts, group)
    if hidden:
        return {"suppressed": True, "yuan": None, "levels": None}
    levels = {
        level: {
            "hours": round(float(row.hours), 2),
            "wage": tariff.get(level, 0),
            "yuan": round(float(row.hours) * tariff.get(level, 0), 2),
        }
        for level, row in per_level.iterrows()
    }
    return {"suppressed": False, "yuan": round(sum(v["yuan"] for v in levels.values()), 2), "levels": levels}


def fortnight(week: str) -> str:
    """The fixed two-week bucket of an ISO week: weeks 1-2, 3-4, ... of its ISO year, named by the
    first (a 53rd week stands alone)."""
    year, number = int(week[:4]), int(week[-2:])
    first = number - (number - 1) % 2
    return f"{year:04d}-W{first:02d}"


def joint_inspection_candidates(rows, group: int) -> list[dict]:
    """Fortnights in which two or more departments inspected the county: candidates for one joint
    inspection. `rows`: (week, department_id, cadre_id, inspections, hours). A department counts
    only if its inspections that fortnight were reported by at least `group` distinct cadres."""
    frame = pd.DataFrame(list(rows), columns=["week", "department_id", "cadre_id", "inspections", "hours"])
    if frame.empty:
        return []
    frame["fortnight"] = frame["week"].map(fortnight)
    per = (
        frame.groupby(["fortnight", "department_id"])
        .agg(inspections=("inspections", "sum"), hours=("hours", "sum"), reporters=("cadre_id", "nunique"))
        .reset_index()
    )
    per = per[per["reporters"] >= group]
    out = []
    for label, block in per.groupby("fortnight", sort=True):
        if len(block) < 2:
            continue
        block = block.sort_values(["hours", "department_id"], ascending=[False, True])
        out.append(
            {
                "fortnight": label,
                "departments": [
                    {
                        "department_id": int(r.department_id),
                        "inspections": int(r.inspections),
                        "hours": round(float(r.hours), 2),
                        "reporters": int(r.reporters),
                    }
                    for r in block.itertuples()
                ],
                "inspections": int(block["inspections"].sum()),
                "hours": round(float(block["hours"].sum()), 2),
            }
        )
    return sorted(out, key=lambda c: (-c["hours"], c["fortnight"]))


def county_list_candidates(rows, group: int) -> list[dict]:
    """Data items demanded by two or more apps: candidates for a county list filled once.
    `rows`: (app_id, data_item_id, cadre_id, entries). An app counts for an item only if at least
    `group` distinct cadres filled that item through it."""
    frame = pd.DataFrame(list(rows), columns=["app_id", "data_item_id", "cadre_id", "entries"])
    if frame.empty:
        return []
    per = (
        frame.groupby(["data_item_id", "app_id"])
        .agg(entries=("entries", "sum"), reporters=("cadre_id", "nunique"))
        .reset_index()
    )
    per = per[per["reporters"] >= group]
    out = []
    for item, block in per.groupby("data_item_id", sort=True):
        if len(block) < 2:
            continue
        block = block.sort_values(["entries", "app_id"], ascending=[False, True])
        out.append(
            {
                "data_item_id": int(item),
                "apps": [
                    {"app_id": int(r.app_id), "entries": int(r.entries), "reporters": int(r.reporters)}
                    for r in block.itertuples()
                ],
                "entries": int(block["entries"].sum()),
            }
        )
    return sorted(out, key=lambda c: (-len(c["apps"]), -c["entries"], c["data_item_id"]))


def repeated_titles(rows, group: int, limit: int = 20) -> list[dict]:
    """Meeting titles reported identically by at least `group` distinct cadres, as counts only.
    `rows`: (title, cadre_id, entries)."""
    frame = pd.DataFrame(list(rows), columns=["title", "cadre_id", "entries"])
    if frame.empty:
        return []
    per = frame.groupby("title").agg(cadres=("cadre_id", "nunique"), entries=("entries", "sum")).reset_index()
    per = per[per["cadres"] >= group].sort_values(
        ["cadres", "entries", "title"], ascending=[False, False, True]
    )
    return [
        {"title": r.title, "cadres": int(r.cadres), "entries": int(r.entries)}
        for r in per.head(limit).itertuples()
    ]
