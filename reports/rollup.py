"""The measures of DESIGN.md "Rollup" as pure pandas: DataFrames in, DataFrames out, no Django.

Inputs (only submitted logs; reports.loading builds them):
  logs         log_id, cadre_id, township_id, county_id, week
  entries      entry_id, log_id, kind, hours, doc_channel, meeting_role, relayed, repeat_topic,
               inspection_label, materials_pages, rectification, duplicate_entry
  links        entry_id, department_id                 (one row per issuing department)
  departments  department_id, parent_id                (the whole tree, for footprints with divisions)

`rollup()` returns one DataFrame per derived table (see reports.models.DERIVED), with the models'
column names. Shares are not computed here: numerators and denominators are stored so any period
aggregates exactly, and reports.stats derives the served ratios from the perturbed parts.

Each submitted log also gets its record key (DESIGN.md "Reporter protection", rule 2): a keyed
hash of (cadre, week, digest of the week's measured content), so reports.protection can perturb
every cell from the sum of its rows' keys.
"""

import datetime as dt
import hashlib
import hmac

import numpy as np
import pandas as pd

KINDS = ["meeting", "document", "inspection", "app_task"]
ENTRY_COLUMNS = [f"entries_{k}" for k in KINDS]
HOURS_COLUMNS = [f"hours_{k}" for k in KINDS]
INDICATORS = {
    "unnumbered_doc_share": ("unnumbered_docs", "entries_document"),
    "relayed_meeting_share": ("relayed_meetings", "entries_meeting"),
    "repeat_meeting_share": ("repeat_meetings", "entries_meeting"),
    "accompanying_share": ("accompanying_meetings", "entries_meeting"),
    "disguised_inspection_share": ("disguised_inspections", "entries_inspection"),
    "duplicate_entry_share": ("duplicate_app_tasks", "entries_app_task"),
}
NUMERATOR_COLUMNS = [num for num, _den in INDICATORS.values()]
MEASURE_COLUMNS = [*ENTRY_COLUMNS, *HOURS_COLUMNS, "hours_total", *NUMERATOR_COLUMNS]
# The footprint with divisions by kind and by hidden-formalism pattern: what the department page
# shows of the department's own items (each entry once per department above its issuers).
TREE_PROFILE_COLUMNS = [f"tree_{c}" for c in [*ENTRY_COLUMNS, *NUMERATOR_COLUMNS]]
DEPARTMENT_COLUMNS = [
    "entries",
    *ENTRY_COLUMNS,
    "hours",
    "reporters",
    "tree_entries",
    "tree_hours",
    "tree_reporters",
    *TREE_PROFILE_COLUMNS,
]
# Inspections called by a softer name: disguised when they still demand materials or rectification.
SOFT_INSPECTION_LABELS = ["research", "investigation", "guidance"]
WORK_WEEK_HOURS = 40

LOG_COLUMNS = ["log_id", "cadre_id", "township_id", "county_id", "week"]
ENTRY_INPUT_COLUMNS = [
    "entry_id",
    "log_id",
    "kind",
    "hours",
    "doc_channel",
    "meeting_role",
    "relayed",
    "repeat_topic",
    "inspection_label",
    "materials_pages",
    "rectification",
    "duplicate_entry",
]


# Record keys are integers in [0, 2**32): a cell key is their sum modulo 2**32, exact in SQL.
RECORD_KEY_MODULUS = 2**32
# What the digest covers: every column a measure reads. A change that moves no figure (a title,
# a date within the week) keeps the key, so it cannot be used to redraw a cell's noise.
DIGEST_COLUMNS = ENTRY_INPUT_COLUMNS[2:]


def week_buckets(week: str) -> tuple[str, str]:
    """(quarter, year) of an ISO week: those of its Thursday."""
    year, number = int(week[:4]), int(week[-2:])
    thursday = dt.date.fromisocalendar(year, number, 4)
    return f"{thursday.year:04d}-Q{(thursday.month - 1) // 3 + 1}", f"{thursday.year:04d}"


_FLAG_COLUMNS = {"relayed", "repeat_topic", "rectification", "duplicate_entry"}
_NUMBER_COLUMNS = {"hours", "materials_pages"}


def _flag(series) -> pd.Series:
    """A nullable boolean column (True/False/NaN, or 't'/'f' text from COPY) as 0/1."""
    if series.dtype == bool:
        return series.astype("int8")
    return series.isin([True, "t", "true", "True", 1]).astype("int8")


def entry_measures(entries: pd.DataFrame) -> pd.DataFrame:
    """Per entry: one 0/1 column per kind, hours per kind and each indicator's numerator."""
    kind = entries["kind"]
    hours = entries["hours"].astype("float64")
    out = pd.DataFrame({"entry_id": entries["entry_id"].to_numpy(), "log_id": entries["log_id"].to_numpy()})
    for k in KINDS:
        is_kind = (kind == k).to_numpy()
        out[f"entries_{k}"] = is_kind.astype("int32")
        out[f"hours_{k}"] = np.where(is_kind, hours.to_numpy(), 0.0)
    out["hours_total"] = hours.to_numpy()
    is_doc = (kind == "document").to_numpy()
    is_meeting = (kind == "meeting").to_numpy()
    is_inspection = (kind == "inspection").to_numpy()
    out["unnumbered_docs"] = (is_doc & (entries["doc_channel"] != "numbered").to_numpy()).astype("int32")
    out["relayed_meetings"] = (is_meeting & (_flag(entries["relayed"]) == 1).to_numpy()).astype("int32")
    out["repeat_meetings"] = (is_meeting & (_flag(entries["repeat_topic"]) == 1).to_numpy()).astype("int32")
    accompanying = (entries["meeting_role"] == "accompanying").to_numpy()
    out["accompanying_meetings"] = (is_meeting & accompanying).astype("int32")
    soft = entries["inspection_label"].isin(SOFT_INSPECTION_LABELS).to_numpy()
    demanded = (pd.to_numeric(entries["materials_pages"]).fillna(0) > 0).to_numpy() | (
        _flag(entries["rectification"]) == 1
    ).to_numpy()
    out["disguised_inspections"] = (is_inspection & soft & demanded).astype("int32")
    out["duplicate_app_tasks"] = (
        (kind == "app_task").to_numpy() & (_flag(entries["duplicate_entry"]) == 1).to_numpy()
    ).astype("int32")
    return out


def reporter_weeks(logs: pd.DataFrame, per_entry: pd.DataFrame) -> pd.DataFrame:
    """One row per submitted log with its summed measures; a log without entries has zeros."""
    sums = per_entry.drop(columns="entry_id").groupby("log_id", sort=False).sum()
    sums["entries"] = sums[ENTRY_COLUMNS].sum(axis=1)
    columns = [c for c in [*LOG_COLUMNS, "record_key"] if c in logs.columns]
    frame = logs[columns].merge(sums, how="left", left_on="log_id", right_index=True)
    columns = [*MEASURE_COLUMNS, "entries"]
    frame[columns] = frame[columns].fillna(0)
    for column in [*ENTRY_COLUMNS, *NUMERATOR_COLUMNS, "entries"]:
        frame[column] = frame[column].astype("int64")
    return frame


def _cells(per_log: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    grouped = per_log.groupby(keys, sort=True, observed=True)
    out = grouped[MEASURE_COLUMNS].sum()
    out.insert(0, "reporters", grouped.size())
    return out.reset_index()


def department_tree(departments: pd.DataFrame) -> pd.DataFrame:
    """(department_id, ancestor_id) for every department and each of its ancestors, itself included."""
    parent = dict(zip(departments["department_id"], departments["parent_id"]))
    rows = []
    for dept in parent:
        node, seen = dept, set()
        while node is not None and not pd.isna(node) and node not in seen:
            seen.add(node)
            rows.append((dept, int(node)))
            node = parent.get(node)
    return pd.DataFrame(rows, columns=["department_id", "ancestor_id"], dtype="int64")


def department_measures(
    per_entry: pd.DataFrame, logs: pd.DataFrame, links: pd.DataFrame, tree: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(department_weeks, reporter_departments).

    Joint issuance: an entry with n issuers gives each hours/n, so a county-week's department
    hours sum to its hours_total. Footprints with divisions count each entry once per ancestor.
    """
    keys = ["county_id", "week", "department_id"]
    entry_cols = per_entry[["entry_id", "log_id", *ENTRY_COLUMNS, "hours_total"]]
    linked = links[["entry_id", "department_id"]].merge(entry_cols, on="entry_id")
    linked["share"] = linked["hours_total"] / linked.groupby("entry_id")["entry_id"].transform("size")
    linked = linked.merge(logs[["log_id", "cadre_id", "county_id", "week"]], on="log_id")

    direct = linked.groupby(keys, sort=True, observed=True).agg(
        entries=("entry_id", "size"),
        **{c: (c, "sum") for c in ENTRY_COLUMNS},
        hours=("share", "sum"),
    )
    # Footprint with divisions: each (entry, ancestor) once, with the shares of its issuers below it.
    up = linked[["entry_id", "department_id", "share", "cadre_id", "county_id", "week"]].merge(
        tree, on="department_id"
    )
    up = up.groupby(["county_id", "week", "ancestor_id", "entry_id", "cadre_id"], sort=False, observed=True)[
        "share"
    ].sum()
    up = up.reset_index().rename(columns={"ancestor_id": "department_id"})
    profile = per_entry[["entry_id", *ENTRY_COLUMNS, *NUMERATOR_COLUMNS]]
    up = up.merge(profile.rename(columns=lambda c: c if c == "entry_id" else f"tree_{c}"), on="entry_id")
    footprint = up.groupby(keys, sort=True, observed=True).agg(
        tree_entries=("entry_id", "size"),
        tree_hours=("share", "sum"),
        **{c: (c, "sum") for c in TREE_PROFILE_COLUMNS},
    )

    # Per cadre-week and department: its hours there (direct, and with divisions), so the
    # protection module knows each cell's largest single contribution.
    person = ["county_id", "week", "cadre_id", "department_id"]
    present_tree = up.groupby(person, sort=False, observed=True)["share"].sum().rename("tree_hours")
    present_direct = linked.groupby(person, sort=False, observed=True)["share"].sum().rename("hours")
    presence = present_tree.reset_index().merge(present_direct.reset_index(), how="left", on=person)
    presence["direct"] = presence["hours"].notna()
    presence["hours"] = presence["hours"].fillna(0.0)

    reporters = presence[presence["direct"]].groupby(keys, observed=True).size().rename("reporters")
    tree_reporters = presence.groupby(keys, observed=True).size().rename("tree_reporters")
    weeks = footprint.join(direct, how="left").join(reporters, how="left").join(tree_reporters, how="left")
    weeks = weeks.fillna(0).reset_index()
    for column in [
        "entries",
        *ENTRY_COLUMNS,
        "reporters",
        "tree_entries",
        "tree_reporters",
        *TREE_PROFILE_COLUMNS,
    ]:
        weeks[column] = weeks[column].astype("int64")
    presence = presence[[*person, "direct", "hours", "tree_hours"]]
    return weeks[[*keys, *DEPARTMENT_COLUMNS]], presence


def _mix(values) -> np.ndarray:
    """splitmix64's finalizer: a fixed 64-bit hash of unsigned integers, the same in every numpy
    and pandas version (pandas' own object hashing is not promised to stay)."""
    with np.errstate(over="ignore"):
        z = np.asarray(values, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _column_codes(series: pd.Series) -> np.ndarray:
    """A stable unsigned code per value: numbers by value, text by a hash of its UTF-8 bytes."""
    if series.name in _NUMBER_COLUMNS:
        numbers = pd.to_numeric(series).astype("float64").to_numpy()
        # Hours have at most 2 decimals; 1e4 keeps them exact as integers whatever the driver.
        return np.where(np.isnan(numbers), -1, np.round(numbers * 10_000)).astype(np.int64).view(np.uint64)
    categorical = series.astype("category")
    hashes = [
        int.from_bytes(hashlib.blake2b(str(v).encode(), digest_size=8).digest())
        for v in categorical.cat.categories
    ]
    # Code -1 (a null) takes the last slot: 0.
    return np.array([*hashes, 0], dtype=np.uint64)[categorical.cat.codes.to_numpy()]


def log_digests(logs: pd.DataFrame, entries: pd.DataFrame, links: pd.DataFrame) -> np.ndarray:
    """Per log (in `logs` order) a 64-bit digest of its entries' measured content and issuing
    departments, independent of entry order and ids; a log without entries has digest 0."""
    entry_ids = entries["entry_id"].to_numpy()
    digest = np.zeros(len(entries), dtype=np.uint64)
    for position, column in enumerate(DIGEST_COLUMNS):
        codes = (
            _flag(entries[column]).to_numpy() if column in _FLAG_COLUMNS else _column_codes(entries[column])
        )
        with np.errstate(over="ignore"):
            digest = _mix(digest ^ (_mix(codes) + np.uint64(position)))
    if len(links):
        where = pd.Index(entry_ids).get_indexer(links["entry_id"].to_numpy())
        found = where >= 0
        signature = np.zeros(len(entries), dtype=np.uint64)
        # Adding per-department hashes makes the set of issuers order-free; np.add wraps at 2**64.
        np.add.at(signature, where[found], _mix(links["department_id"].to_numpy()[found].astype(np.uint64)))
        digest = _mix(digest ^ signature)
    out = np.zeros(len(logs), dtype=np.uint64)
    if len(entries):
        where = pd.Index(logs["log_id"].to_numpy()).get_indexer(entries["log_id"].to_numpy())
        found = where >= 0
        np.add.at(out, where[found], _mix(digest[found]))
    return out


def record_keys(logs: pd.DataFrame, digests: np.ndarray, key: bytes) -> np.ndarray:
    """Per log an integer in [0, 2**32): HMAC-SHA256 under `key` of (cadre, week, digest)."""
    keys = np.empty(len(logs), dtype=np.int64)
    for index, (cadre, week, digest) in enumerate(zip(logs["cadre_id"], logs["week"], digests, strict=True)):
        message = f"{int(cadre)}:{week}:{int(digest)}".encode()
        keys[index] = int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:4])
    return keys


def _with_buckets(frame: pd.DataFrame) -> pd.DataFrame:
    weeks = frame["week"].astype("category")
    buckets = [week_buckets(w) for w in weeks.cat.categories]
    codes = weeks.cat.codes.to_numpy()
    frame = frame.copy()
    frame.insert(2, "quarter", np.array([q for q, _y in buckets] or [""], dtype=object)[codes])
    frame.insert(3, "year", np.array([y for _q, y in buckets] or [""], dtype=object)[codes])
    return frame


def rollup(
    logs: pd.DataFrame,
    entries: pd.DataFrame,
    links: pd.DataFrame,
    departments: pd.DataFrame,
    key: bytes = b"",
) -> dict[str, pd.DataFrame]:
    """Every derived table for the county-weeks whose submitted logs are given; `key` draws
    the record keys (settings.BURDEN_PERTURBATION_KEY in production)."""
    logs = logs.astype({"week": "object"})
    logs = logs.assign(record_key=record_keys(logs, log_digests(logs, entries, links), key))
    per_entry = entry_measures(entries)
    per_log = reporter_weeks(logs, per_entry)
    department_weeks, presence = department_measures(per_entry, logs, links, department_tree(departments))
    presence = presence.merge(logs[["cadre_id", "week", "record_key"]], on=["cadre_id", "week"])
    reporters = per_log[
        ["county_id", "week", "township_id", "cadre_id", "entries", "hours_total", "record_key"]
    ]
    return {
        "county_weeks": _cells(per_log, ["county_id", "week"]),
        "township_weeks": _cells(per_log, ["county_id", "week", "township_id"]),
        "department_weeks": department_weeks,
        "reporter_weeks": _with_buckets(reporters),
        "reporter_departments": _with_buckets(presence),
    }
