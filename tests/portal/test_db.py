"""portal.db, the adapter below the ORM: each test runs on the database the suite runs on (SQLite
by default, PostgreSQL in CI), so both the COPY path and the SQLite fallback are covered."""

import pandas as pd
import psycopg2
import pytest
from django.db import connection, transaction

from portal import db
from portal.models import DataItem
from tests.conftest import on_postgres
from tests.reports import processes

pytestmark = pytest.mark.django_db
TABLE = "test_db_roundtrip"


@pytest.fixture
def table():
    """A scratch table in the test's transaction (rolled back with it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, title varchar(200) NOT NULL, "
            "hours numeric(5, 2) NOT NULL, pages integer NULL)"
        )
    return TABLE


HOSTILE_TITLES = [
    '关于做好"三农"工作的通知, 第二批',
    "line one\nline two",
    "tab\there",
    "back\\slash",
    "'; --",
]


def _frame():
    return pd.DataFrame(
        {
            "id": range(1, len(HOSTILE_TITLES) + 1),
            "title": HOSTILE_TITLES,
            "hours": [0.25, 1.5, 2.0, 24.0, 0.5],
            "pages": pd.array([3, None, 0, 7, None], dtype="Int64"),
        }
    )


def test_it_copies_a_frame_in_and_reads_it_back_unchanged(table):
    frame = _frame()
    db.copy_in(table, ["id", "title", "hours", "pages"], frame, chunk=2)  # chunks of 2 rows
    back = db.read_frame(
        f"SELECT id, title, hours, pages FROM {table} ORDER BY id", [], frame.columns.tolist()
    )
    assert back["id"].tolist() == frame["id"].tolist()
    assert back["title"].tolist() == HOSTILE_TITLES
    assert [float(h) for h in back["hours"]] == frame["hours"].tolist()
    assert [None if pd.isna(p) else int(p) for p in back["pages"]] == [3, None, 0, 7, None]


def test_read_frame_passes_parameters_and_parses_categories(table):
    db.copy_in(table, ["id", "title", "hours", "pages"], _frame())
    back = db.read_frame(
        f"SELECT id, title FROM {table} WHERE hours > %s AND title <> %s ORDER BY id",
        [1, "'; --"],
        ["id", "title"],
        categories=["title"],
    )
    assert back["id"].tolist() == [2, 3, 4]
    if on_postgres():  # COPY's CSV is parsed by pandas, which makes the categoricals
        assert back["title"].dtype == "category"


def test_read_frames_of_no_rows_have_the_named_columns(table):
    frames = db.read_frames(
        {"a": (f"SELECT id, title FROM {table}", []), "b": (f"SELECT id FROM {table} WHERE id > %s", [0])},
        {"a": ["id", "title"], "b": ["id"]},
    )
    assert frames["a"].empty and frames["a"].columns.tolist() == ["id", "title"]
    assert frames["b"].empty and frames["b"].columns.tolist() == ["id"]


def test_copy_out_writes_csv_into_the_buffer_on_postgresql_only(table):
    db.copy_in(table, ["id", "title", "hours", "pages"], _frame().head(2))
    sql = f"SELECT id, title, pages FROM {table} WHERE id <= %s ORDER BY id"
    if not on_postgres():
        with pytest.raises(NotImplementedError):
            db.copy_out(sql, [2])
        return
    buffer = db.copy_out(sql, [2])
    assert buffer.getvalue().decode() == '1,"关于做好""三农""工作的通知, 第二批",3\n2,"line one\nline two",\n'


def test_insert_values_returns_the_new_ids_in_row_order():
    rows = [(f"DI-{i}", f"第{i}项") for i in range(30, 0, -1)]  # codes in descending order
    ids = db.insert_values(DataItem._meta.db_table, ["code", "name"], rows, returning="id")
    assert len(ids) == len(set(ids)) == 30
    stored = dict(DataItem.objects.values_list("pk", "code"))
    assert [stored[pk] for pk in ids] == [code for code, _ in rows]


def test_insert_values_without_returning_inserts_and_returns_none():
    assert db.insert_values(DataItem._meta.db_table, ["code", "name"], [("A", "甲"), ("B", "乙")]) is None
    assert db.insert_values(DataItem._meta.db_table, ["code", "name"], []) is None
    assert db.insert_values(DataItem._meta.db_table, ["code", "name"], [], returning="id") == []
    assert sorted(DataItem.objects.values_list("code", flat=True)) == ["A", "B"]


def test_insert_objects_sets_the_primary_keys():
    items = [DataItem(code=f"OBJ-{i}", name=f"对象{i}") for i in range(5)]
    db.insert_objects(DataItem, items)
    for item in items:
        assert item.pk is not None and not item._state.adding
        assert DataItem.objects.get(pk=item.pk).code == item.code


def test_delete_fast_deletes_only_the_queryset_rows():
    DataItem.objects.bulk_create([DataItem(code=f"D-{i}", name="x") for i in range(6)])
    assert db.delete_fast(DataItem.objects.filter(code__in=["D-1", "D-2", "D-3"])) == 3
    assert sorted(DataItem.objects.values_list("code", flat=True)) == ["D-0", "D-4", "D-5"]


def test_next_ids_do_not_collide_with_rows_inserted_before_or_after():
    before = DataItem.objects.create(code="BEFORE", name="x")
    ids = db.next_ids(DataItem, 4)
    assert len(set(ids)) == 4 and min(ids) > before.pk
    DataItem.objects.bulk_create([DataItem(pk=pk, code=f"N-{pk}", name="x") for pk in ids])
    after = DataItem.objects.create(code="AFTER", name="x")
    assert after.pk not in ids


def test_advisory_locks_are_taken_again_by_their_own_transaction():
    assert db.advisory_xact_locks(7499, [3, 1, 3], wait=False) is True
    assert db.advisory_xact_locks(7499, [1, 2]) is True
    assert db.advisory_xact_locks(7499, [1, 2, 3], wait=False) is True


def test_advisory_locks_report_a_key_another_connection_holds(need_postgres):
    other = psycopg2.connect(processes.test_database_url())
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7499, 2])
            assert db.advisory_xact_locks(7499, [1, 2], wait=False) is False
            assert db.advisory_xact_locks(7499, [1, 3], wait=False) is True
        other.rollback()
    finally:
        other.close()


# ---------------------------------------------------------------------------- after_commit


class Heard:
    def __init__(self):
        self.keys = []

    def __call__(self, key):
        self.keys.append(key)


@pytest.mark.django_db(transaction=True)
def test_after_commit_runs_each_key_once_after_commit_and_never_after_rollback():
    heard = Heard()
    with transaction.atomic():
        db.after_commit(heard, ["a", "b"])
        db.after_commit(heard, ["b", "a", "c"])
        db.after_commit(heard, [])
        assert heard.keys == []  # not before the commit
    assert heard.keys == ["a", "b", "c"]

    with pytest.raises(RuntimeError), transaction.atomic():
        db.after_commit(heard, ["rolled back"])
        raise RuntimeError
    assert heard.keys == ["a", "b", "c"]

    # A new transaction starts afresh: the keys run again, once.
    with transaction.atomic():
        db.after_commit(heard, ["a"])
        db.after_commit(heard, ["a"])
    assert heard.keys == ["a", "b", "c", "a"]


@pytest.mark.django_db(transaction=True)
def test_after_commit_outside_a_transaction_runs_at_once():
    heard = Heard()
    db.after_commit(heard, ["a"])
    db.after_commit(heard, ["a"])  # each autocommit is a transaction of its own
    assert heard.keys == ["a", "a"]


def test_after_commit_drops_what_only_a_rolled_back_savepoint_asked_for(django_capture_on_commit_callbacks):
    heard = Heard()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        db.after_commit(heard, ["kept"])
        with pytest.raises(RuntimeError), transaction.atomic():
            db.after_commit(heard, ["dropped", "asked again"])
            raise RuntimeError
        db.after_commit(heard, ["asked again"])
        with transaction.atomic():  # a released savepoint keeps its work
            db.after_commit(heard, ["released", "kept"])
    assert heard.keys == ["kept", "asked again", "released"]


def test_after_commit_dedupes_per_action(django_capture_on_commit_callbacks):
    first, second = Heard(), Heard()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        db.after_commit(first, ["a"])
        db.after_commit(second, ["a"])
        db.after_commit(first, ["a"])
    assert first.keys == ["a"] and second.keys == ["a"]
