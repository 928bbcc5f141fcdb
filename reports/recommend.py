"""Dashboard extras as pure pandas/Python: DataFrames and plain rows in, DataFrames and dicts out.

Two halves:

- rollup side (`extras()`): from the raw rows reports.extras loads for some county-weeks, one
  frame per internal table of reports.models.EXTRAS (one row per reporter and week, so any
  bucket's distinct reporters are exact);
- reading side: the Standard Cost Model price of a period's hours, and the recommendations the
  articles propose (merge inspections into one joint inspection, fill data once in a county list,
  see which meeting themes repeat and which departments hold them). Each keeps only groups of at
  least `group` distinct reporters.
"""

import re

import pandas as pd

from reports.rollup import week_buckets

LOG_COLUMNS = ["log_id", "cadre_id", "county_id", "week", "level", "hours_total"]
INSPECTION_COLUMNS = ["entry_id", "log_id", "hours", "department_id"]
DATA_ITEM_COLUMNS = ["entry_id", "log_id", "app_id", "data_item_id"]
TITLE_COLUMNS = ["entry_id", "log_id", "title", "department_id"]
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
    logs: pd.DataFrame,
    inspections: pd.DataFrame,
    data_items: pd.DataFrame,
    titles: pd.DataFrame,
    record_keys: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """The internal extras tables for the county-weeks whose submitted logs are given.

    logs: one row per submitted log with the cadre's level and the log's hours; inspections: one
    row per (inspection entry, issuing department); data_items: one row per (app task, data item);
    titles: one row per (meeting, issuing department); record_keys: each log's record key by (cadre_id, week).
    """
    logs = logs.astype({"week": "object"})
    keys = ["county_id", "week", "cadre_id"]

    levels = logs[[*keys, "level", "hours_total"]]
    if record_keys is not None and len(levels):
        known = record_keys[["cadre_id", "week", "record_key"]].astype({"week": "object"})
        levels = levels.merge(known, how="left", on=["cadre_id", "week"])
        levels["record_key"] = levels["record_key"].fillna(0).astype("int64")
    else:
        levels = levels.assign(record_key=0)
    levels = _with_buckets(levels)

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
    meetings = (
        meetings.groupby([*keys, "title", "department_id"], sort=True)
        .agg(entries=("entry_id", "size"))
        .reset_index()
    )

    return {
        "reporter_levels": levels,
        "reporter_inspections": _with_buckets(inspected),
        "reporter_data_items": _with_buckets(asked),
        "reporter_titles": _with_buckets(meetings),
    }


# ---------------------------------------------------------------------------- reading side


def cost(levels: dict[str, tuple[bool, float]], tariff: dict[str, float]) -> dict:
    """Standard Cost Model price of a period: each cadre level's (perturbed) hours x its wage.

    `levels`: {level: (shown, hours)}. Priced only when every level holds at least the minimum
    group (shown): the page also shows the total hours, which weigh the levels equally, and two
    weighted sums of the same levels solve for each of them, so a small level priced into the
    yuan would be published by subtraction.
    """
    if not levels or not all(shown for shown, _hours in levels.values()):
        return {"suppressed": True, "yuan": None, "levels": None}
    listed = {
        level: {
            "hours": round(hours, 2),
            "wage": tariff.get(level, 0),
            "yuan": round(hours * tariff.get(level, 0), 2),
        }
        for level, (_shown, hours) in sorted(levels.items())
    }
    yuan = sum(hours * tariff.get(level, 0) for level, (_shown, hours) in levels.items())
    return {"suppressed": False, "yuan": round(yuan, 2), "levels": listed}


def fortnight(week: str) -> str:
    """The fixed two-week bucket of an ISO week: weeks 1-2, 3-4, ... of its ISO year, named by the
    first (a 53rd week stands alone)."""
    year, number = int(week[:4]), int(week[-2:])
    first = number - (number - 1) % 2
    return f"{year:04d}-W{first:02d}"


def fortnight_weeks(label: str) -> list[str]:
    """The weeks of the fortnight named `label` (one week for a 53rd week)."""
    year, number = int(label[:4]), int(label[-2:])
    return [label] if number == 53 else [label, f"{year:04d}-W{number + 1:02d}"]


def joint_inspection_candidates(rows, group: int, weeks) -> list[dict]:
    """Fortnights in which two or more departments inspected the county: candidates for one joint
    inspection. `rows`: (week, department_id, cadre_id); `weeks`: the period's weeks.

    Only whole fortnights lying inside the period count (a week never holds one, a quarter holds
    those not crossing its edges), so every answer shows a fortnight computed from the same
    weeks. A department counts only if at least `group` distinct cadres reported its inspections
    that fortnight, and no figure is given (a count could be subtracted from the week answers'
    department figures): a candidate is a fortnight and its departments, ordered by code.
    """
    frame = pd.DataFrame(list(rows), columns=["week", "department_id", "cadre_id"])
    if frame.empty:
        return []
    inside = set(weeks)
    frame["fortnight"] = frame["week"].map(fortnight)
    whole = {f for f in frame["fortnight"].unique() if inside.issuperset(fortnight_weeks(f))}
    frame = frame[frame["fortnight"].isin(whole)]
    per = frame.groupby(["fortnight", "department_id"])["cadre_id"].nunique().reset_index(name="reporters")
    per = per[per["reporters"] >= group]
    out = []
    for label, block in per.groupby("fortnight", sort=True):
        if len(block) < 2:
            continue
        out.append(
            {
                "fortnight": label,
                "weeks": fortnight_weeks(label),
                "departments": [{"department_id": int(d)} for d in sorted(block["department_id"])],
            }
        )
    return out


def county_list_candidates(rows, group: int) -> list[dict]:
    """Data items demanded by two or more apps: candidates for a county list filled once.
    `rows`: (app_id, data_item_id, cadre_id). An app counts for an item only if at least `group`
    distinct cadres filled that item through it. No counts are given: the year's and a quarter's
    counts would subtract to a hidden quarter's few cadres."""
    frame = pd.DataFrame(list(rows), columns=["app_id", "data_item_id", "cadre_id"])
    if frame.empty:
        return []
    per = frame.groupby(["data_item_id", "app_id"])["cadre_id"].nunique().reset_index(name="reporters")
    per = per[per["reporters"] >= group]
    out = []
    for item, block in per.groupby("data_item_id", sort=True):
        if len(block) < 2:
            continue
        out.append({"data_item_id": int(item), "apps": [{"app_id": int(a)} for a in sorted(block["app_id"])]})
    return sorted(out, key=lambda c: (-len(c["apps"]), c["data_item_id"]))


def repeated_titles(rows, group: int, limit: int = 20) -> list[dict]:
    """Meeting titles reported identically by at least `group` distinct cadres, in title order.
    `rows`: (title, cadre_id). Only the titles, never counts or a ranking by count: the year's and
    a quarter's counts would subtract to a hidden quarter's few cadres."""
    frame = pd.DataFrame(list(rows), columns=["title", "cadre_id"])
    if frame.empty:
        return []
    per = frame.groupby("title")["cadre_id"].nunique().reset_index(name="cadres")
    per = per[per["cadres"] >= group].sort_values("title")
    return [{"title": title} for title in per["title"].head(limit)]


def repeated_themes(rows, group: int) -> list[dict]:
    """Meeting themes held again and again: candidates to merge into one meeting (or to hold once
    and not relay). `rows`: (week, title, department_id, cadres), the distinct cadres who
    reported a meeting of that title issued by that department that week.

    A department *held* a theme in a week if at least `group` distinct cadres reported it that
    week; a theme is repeated if it was held at least twice: by two departments, or by one
    department in two weeks. Each fact listed is one week's and covers at least `group` cadres,
    so no two periods' answers subtract to a smaller group; no count is given. A candidate: the
    title and each department holding it with its weeks, by department id; themes in title order.
    """
    frame = pd.DataFrame(list(rows), columns=["week", "title", "department_id", "cadres"])
    held = frame[frame["cadres"] >= group]
    out = []
    for title, block in held.groupby("title", sort=True):
        if len(block) < 2:
            continue
        departments = [
            {"department_id": int(department), "weeks": sorted(weeks["week"])}
            for department, weeks in block.groupby("department_id", sort=True)
        ]
        out.append({"title": title, "departments": departments})
    return out
