"""The one module that talks to the database below the ORM.

Everything vendor-specific lives here, with the portable fallback beside it, so the rest of the
code asks for what it wants and never for how:

- `read_frame(s)`: query results as DataFrames. PostgreSQL: `COPY (SELECT ...) TO STDOUT` into a
  buffer that pandas parses (`copy_out`), several times faster than a DBAPI fetch; SQLite: a
  plain cursor fetch.
- `copy_in`: a DataFrame into a table. PostgreSQL: `COPY ... FROM STDIN` (CSV); SQLite:
  executemany.
- `insert_values`: rows of plain tuples in one `INSERT ... VALUES` (psycopg2's execute_values),
  optionally returning the new ids in row order; `insert_objects` does the same for model
  instances whose values are already clean.
- `delete_fast`: one `DELETE` for rows nothing points at, without signals or cascades.
- `next_ids`, `advisory_xact_locks`, `analyze`: the remaining vendor differences.
- `after_commit`: work to do once per key after the current transaction commits (see there).

The driver is psycopg2; the code here reaches it through Django's cursor wrapper
(`cursor.cursor`), so it shares Django's connection and transaction.
"""

import contextvars
import io
from collections.abc import Callable, Hashable, Iterable, Sequence

import pandas as pd
from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from psycopg2.extras import execute_values


def on_postgres() -> bool:
    """True on PostgreSQL; everything else here falls back to what SQLite (the embedded default)
    can do."""
    return connection.vendor == "postgresql"


# ---------------------------------------------------------------------------- reading


def copy_out(sql: str, params: Sequence = (), buffer: io.BytesIO | None = None) -> io.BytesIO:
    """Write the rows of a SELECT as CSV (no header) into `buffer` (a new one if None) and return it,
    positioned at its end. PostgreSQL only."""
    if not on_postgres():
        raise NotImplementedError("COPY needs PostgreSQL; use read_frame for a portable read")
    buffer = io.BytesIO() if buffer is None else buffer
    with connection.cursor() as cursor:
        _copy_out(cursor.cursor, sql, params, buffer)
    return buffer


def _copy_out(raw_cursor, sql, params, buffer) -> None:
    # COPY takes no parameters: psycopg2 quotes them into the statement itself.
    statement = raw_cursor.mogrify(sql, params).decode() if params else sql
    raw_cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", buffer)


def read_frame(
    sql: str, params: Sequence, columns: list[str], categories: Iterable[str] = ()
) -> pd.DataFrame:
    """The rows of a SELECT as a DataFrame with these column names.

    On PostgreSQL the rows come through COPY as CSV and the `categories` columns are parsed as
    pandas categoricals; on SQLite they are fetched as Python values."""
    return read_frames({"frame": (sql, params)}, {"frame": columns}, categories)["frame"]


def read_frames(queries: dict, columns: dict, categories: Iterable[str] = ()) -> dict[str, pd.DataFrame]:
    """Run each named (sql, params) query into a DataFrame with the given column names, on one
    cursor (see read_frame)."""
    categories = set(categories)
    frames = {}
    with connection.cursor() as cursor:
        for name, (sql, params) in queries.items():
            names = columns[name]
            if on_postgres():
                buffer = io.BytesIO()
                _copy_out(cursor.cursor, sql, params, buffer)
                if buffer.tell() == 0:
                    frames[name] = pd.DataFrame(columns=names)
                    continue
                buffer.seek(0)
                dtypes = {c: "category" for c in names if c in categories}
                frames[name] = pd.read_csv(buffer, header=None, names=names, dtype=dtypes, engine="c")
            else:
                cursor.execute(sql, params)
                frames[name] = pd.DataFrame.from_records(cursor.fetchall(), columns=names)
    return frames


# ---------------------------------------------------------------------------- writing


def copy_in(table: str, columns: list[str], frame: pd.DataFrame, chunk: int = 200_000) -> None:
    """Insert the `columns` of a DataFrame into `table`.

    PostgreSQL: COPY FROM STDIN through an in-memory CSV buffer, `chunk` rows at a time (NaN and
    None become NULL). SQLite: executemany, numpy scalars turned into Python ones."""
    if frame.empty:
        return
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if on_postgres():
            sql = f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN WITH (FORMAT csv)"
            for start in range(0, len(frame), chunk):
                buffer = io.StringIO()
                frame.iloc[start : start + chunk].to_csv(buffer, header=False, index=False, columns=columns)
                buffer.seek(0)
                cursor.cursor.copy_expert(sql, buffer)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES ({placeholders})",
                [tuple(_plain(v) for v in row) for row in frame[columns].itertuples(index=False)],
            )


def _plain(value):
    """numpy scalars to Python ones for the sqlite3 driver (which stores a NaN as NULL), and a
    nullable column's missing value to None."""
    if value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value


def insert_values(table: str, columns: list[str], rows: list[tuple], *, returning: str | None = None):
    """Insert rows of plain, already clean values (Python types the driver adapts) in one statement.

    With `returning` (a column, usually the primary key) the list of its values is returned in
    the order of `rows`; otherwise None. PostgreSQL: one `INSERT ... VALUES ... RETURNING` through
    psycopg2's execute_values, which returns a multi-row VALUES' rows in order (Django's
    bulk_create relies on the same). SQLite: executemany, or one `INSERT ... RETURNING` a row
    when the ids are wanted (SQLite 3.35+; it does not promise the order of a multi-row
    RETURNING)."""
    if not rows:
        return [] if returning else None
    quoted = connection.ops.quote_name
    sql = f"INSERT INTO {quoted(table)} ({', '.join(columns)}) VALUES "
    suffix = f" RETURNING {quoted(returning)}" if returning else ""
    with connection.cursor() as cursor:
        if on_postgres():
            found = execute_values(
                cursor.cursor, sql + "%s" + suffix, rows, page_size=len(rows), fetch=bool(returning)
            )
            return [row[0] for row in found] if returning else None
        one_row = sql + "(" + ", ".join(["%s"] * len(columns)) + ")"
        if not returning:
            cursor.executemany(one_row, rows)
            return None
        ids = []
        for row in rows:
            cursor.execute(one_row + suffix, row)
            ids.append(cursor.fetchone()[0])
        return ids


def insert_objects(model: type[Model], objs: list[Model]) -> None:
    """Insert new model instances whose field values are already clean, setting their pks.

    Django's bulk_create prepares every field of every object on its own; for a 1,000-entry
    batch of ~25 columns that was most of a bulk request. On PostgreSQL the values go as they are
    through insert_values (auto_now fields stamped once); SQLite uses bulk_create."""
    if not objs:
        return
    if not on_postgres():
        model.objects.bulk_create(objs)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
    rows = [tuple(getattr(obj, f.attname) for f in fields) for obj in objs]
    ids = insert_values(
        model._meta.db_table, [f.column for f in fields], rows, returning=model._meta.pk.column
    )
    for obj, pk in zip(objs, ids):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


def delete_fast(rows: QuerySet) -> int:
    """Delete the rows of a queryset in one `DELETE`, with no signals, cascades or audit log.

    Only for rows nothing points at (derived tables that a rollup replaces): Django's
    `delete()` would first collect the rows to look for dependents. Returns the number deleted."""
    return rows._raw_delete(rows.db)


# ---------------------------------------------------------------------------- the rest


def next_ids(model: type[Model], count: int) -> list[int]:
    """Primary keys for `count` rows about to be inserted with explicit ids: drawn from the table's
    sequence on PostgreSQL (so later ordinary inserts do not collide), after MAX(id) on SQLite."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if on_postgres():
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


def advisory_xact_locks(namespace: int, keys: Iterable[int], *, wait: bool = True) -> bool:
    """Take PostgreSQL's transaction-level advisory lock (namespace, key) for each key, in key order
    (so two callers never deadlock); held until the transaction ends. With `wait=False`, report
    False as soon as one is held by someone else. On SQLite, which serializes writers on its own,
    always True."""
    if not on_postgres():
        return True
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute(f"SELECT {function}(%s, %s)", [namespace, int(key)])
            if not wait and not cursor.fetchone()[0]:
                return False
    return True


def analyze(models: Iterable[type[Model]]) -> None:
    """Refresh the planner's statistics of these tables after a bulk load (PostgreSQL; no-op on
    SQLite)."""
    if on_postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
            )


# ---------------------------------------------------------------------------- after commit


class _Batch:
    """What one transaction's commit ran: (action, key) pairs already done."""

    def __init__(self):
        self.started = False
        self.done: set = set()


class _Stage:
    """One after_commit() call, registered with transaction.on_commit."""

    __slots__ = ("action", "batch", "keys")

    def __init__(self, batch, action, keys):
        self.batch, self.action, self.keys = batch, action, keys

    def __call__(self):
        self.batch.started = True
        for key in self.keys:
            if (self.action, key) not in self.batch.done:
                self.batch.done.add((self.action, key))
                self.action(key)


_batch: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar("after_commit_batch", default=None)


def after_commit(action: Callable[[Hashable], None], keys: Iterable[Hashable]) -> None:
    """Call `action(key)` for each key once the current transaction commits, at most once per
    (action, key) however many times the transaction asks (a seed or an import submits thousands
    of weeks in one transaction); at once outside a transaction, never if it rolls back.

    Each call is its own `transaction.on_commit` callback, so Django's savepoint handling applies
    unchanged: keys asked for only inside a rolled-back savepoint are dropped with it, keys asked
    for again outside it still run. The callbacks of one commit share a batch that remembers what
    already ran; the batch is replaced once its commit has started running, so the next
    transaction starts afresh. (A rolled-back transaction never ran its callbacks, so its batch
    is still empty and can serve the next one.)"""
    keys = tuple(keys)
    if not keys:
        return
    batch = _batch.get()
    if batch is None or batch.started:
        batch = _Batch()
        _batch.set(batch)
    transaction.on_commit(_Stage(batch, action, keys))
