"""Raw rows into pandas and derived rows back, without per-row ORM objects.

The queries are written here; how they run is portal.db's: on PostgreSQL rows leave with
`COPY (SELECT ...) TO STDOUT` into a buffer that pandas parses, and derived rows return with
`COPY ... FROM STDIN`; both are several times faster than a DBAPI fetch or `to_sql`. SQLite (the
embedded default) falls back to a plain cursor and executemany.
"""

import pandas as pd
from django.db import connection

from portal import db
from portal.models import Department, Entry, EntryDepartment, LogStatus, WeeklyLog
from reports.models import DERIVED
from reports.rollup import ENTRY_INPUT_COLUMNS, LOG_COLUMNS

_CATEGORIES = ["kind", "doc_channel", "meeting_role", "inspection_label", "week"]
# Advisory lock namespace: one rollup of a county at a time, so two workers never interleave
# their delete-and-insert of the same rows, nor write a stale computation over a fresh one.
_LOCK_CLASS = 7411


def _scope(county_ids, weeks, alias="l"):
    """WHERE clause and parameters for submitted logs of these counties (and weeks, if given)."""
    where = f"{alias}.status = %s AND {alias}.county_id IN ({', '.join(['%s'] * len(county_ids))})"
    params = [LogStatus.SUBMITTED, *county_ids]
    if weeks is not None:
        where += f" AND {alias}.week IN ({', '.join(['%s'] * len(weeks))})"
        params.extend(weeks)
    return where, params


def entries_of_logs(county_ids, weeks, alias="e") -> tuple[str, list]:
    """WHERE clause and parameters for entries (`alias`) of the submitted logs in scope.

    `log_id = ANY(ARRAY(subquery))` makes PostgreSQL look entries up by the log index; a join
    with the logs chose a parallel scan of every entry (20x slower for one county-week). SQLite
    has no arrays and plans IN (subquery) by the index anyway.
    """
    where, params = _scope(county_ids, weeks)
    logs = f"SELECT l.id FROM {WeeklyLog._meta.db_table} l WHERE {where}"
    if db.on_postgres():
        return f"{alias}.log_id = ANY(ARRAY({logs}))", params
    return f"{alias}.log_id IN ({logs})", params


def _queries(county_ids, weeks):
    log_t, entry_t = WeeklyLog._meta.db_table, Entry._meta.db_table
    link_t, dept_t = EntryDepartment._meta.db_table, Department._meta.db_table
    where, params = _scope(county_ids, weeks)
    of_logs, entry_params = entries_of_logs(county_ids, weeks)
    entry_columns = ", ".join(f"e.id AS {c}" if c == "entry_id" else f"e.{c}" for c in ENTRY_INPUT_COLUMNS)
    return {
        "logs": (
            f"SELECT l.id AS log_id, l.cadre_id, l.township_id, l.county_id, l.week FROM {log_t} l "
            f"WHERE {where}",
            params,
        ),
        "entries": (f"SELECT {entry_columns} FROM {entry_t} e WHERE {of_logs}", entry_params),
        "links": (
            f"SELECT ed.entry_id, ed.department_id FROM {link_t} ed JOIN {entry_t} e ON e.id = ed.entry_id "
            f"WHERE {of_logs}",
            entry_params,
        ),
        "departments": (f"SELECT id AS department_id, parent_id FROM {dept_t}", []),
    }


_COLUMNS = {
    "logs": LOG_COLUMNS,
    "entries": ENTRY_INPUT_COLUMNS,
    "links": ["entry_id", "department_id"],
    "departments": ["department_id", "parent_id"],
}


def fetch_frames(queries: dict, columns: dict) -> dict[str, pd.DataFrame]:
    """Run each named (sql, params) query into a DataFrame with the given column names."""
    return db.read_frames(queries, columns, categories=_CATEGORIES)


def load_raw(county_ids, weeks=None) -> dict[str, pd.DataFrame]:
    """Submitted logs, their entries and issuing departments, and the department tree, for these
    counties (all weeks, or only `weeks`)."""
    frames = fetch_frames(_queries(list(county_ids), None if weeks is None else list(weeks)), _COLUMNS)
    frames["departments"]["parent_id"] = frames["departments"]["parent_id"].astype("Int64")
    return frames


def lock_counties(county_ids, *, wait=True) -> bool:
    """Serialize rollups of the same county until the current transaction ends (PostgreSQL);
    with `wait=False`, take every lock or report False (the caller leaves those counties)."""
    return db.advisory_xact_locks(_LOCK_CLASS, county_ids, wait=wait)


def _columns(model):
    return [f.column for f in model._meta.concrete_fields if not f.primary_key]


def delete_rows(models, county_ids, weeks=None) -> None:
    """Remove the rows of these models for these counties (all weeks, or only `weeks`)."""
    for model in models:
        rows = model.objects.filter(county_id__in=list(county_ids))
        if weeks is not None:
            rows = rows.filter(week__in=list(weeks))
        db.delete_fast(rows)  # no signals or cascades: nothing points at derived rows


def delete_derived(county_ids, weeks=None) -> None:
    delete_rows(DERIVED.values(), county_ids, weeks)


def write_frames(frames: dict[str, pd.DataFrame], models: dict, computed_at=None) -> None:
    """Insert each named frame into its model's table (COPY on PostgreSQL); a `computed_at`
    column is stamped with `computed_at`."""
    for name, model in models.items():
        frame = frames[name]
        columns = _columns(model)
        if "computed_at" in columns:
            stamp = connection.ops.adapt_datetimefield_value(computed_at)
            frame = frame.assign(computed_at=stamp if db.on_postgres() else str(stamp))
        db.copy_in(model._meta.db_table, columns, frame[columns])


def write_derived(frames: dict[str, pd.DataFrame], computed_at) -> None:
    """Insert the rollup's frames into their tables (COPY on PostgreSQL)."""
    write_frames(frames, DERIVED, computed_at)
