"""import_reference / import_users: upsert, all or nothing, errors naming file and line."""

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from portal.importers import ImportFailed, import_reference, import_users
from portal.models import App, DataItem, Department, Region, RegionLevel, Role, User

ROOT = Path(__file__).resolve().parents[2]

REGIONS = """code,name,level,parent_code
330802001,府山街道,township,330802
330802,柯城区,county,330800
330000,浙江省,province,
330800,衢州市,city,330000
330802001001,府山村,village,330802001
"""
DEPARTMENTS = """code,name,level,parent_code,region_code
ZJ-AGRI-01,浙江省农业农村厅乡村建设处,province,ZJ-AGRI,330000
ZJ-AGRI,浙江省农业农村厅,province,,330000
MOA,农业农村部,central,,
KC-OFFICE,柯城区委办公室,county,,330802
"""
APPS = """code,name,owner_department_code
APP-ZLB,浙里办,ZJ-AGRI
APP-GROUP,柯城区工作群,KC-OFFICE
"""
DATA_ITEMS = """code,name
DI-POP,村户籍人口数
DI-TOILET,改厕前后照片
"""
USERS = """username,password,display_name,role,region_code,department_code
alice,correct-horse-battery,王小丽,cadre,330802001001,
bob,,李强,cadre,330802001,
dave,correct-horse-battery,县审阅,county_reviewer,330802,
erin,correct-horse-battery,市审阅,region_reviewer,330800,
frank,correct-horse-battery,厅查看,department_viewer,,ZJ-AGRI
grace,correct-horse-battery,管理员,admin,,
"""


def write(tmp_path, name, text, bom=False):
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return str(path)


def snapshot():
    """Every row the importers may write, to prove a failed import changed nothing."""
    return (
        list(Region.objects.values_list("code", "name", "level", "parent__code").order_by("code")),
        list(Department.objects.values_list("code", "name", "level", "parent__code", "region__code")),
        list(App.objects.values_list("code", "name", "owner__code")),
        list(DataItem.objects.values_list("code", "name")),
        list(
            User.objects.values_list(
                "username", "password", "display_name", "role", "region__code", "department__code", "is_staff"
            ).order_by("username")
        ),
    )


@pytest.fixture
def reference(tmp_path, db):
    return {
        "regions": write(tmp_path, "regions.csv", REGIONS),
        "departments": write(tmp_path, "departments.csv", DEPARTMENTS),
        "apps": write(tmp_path, "apps.csv", APPS),
        "data_items": write(tmp_path, "data_items.csv", DATA_ITEMS),
    }


@pytest.fixture
def loaded(reference):
    import_reference(**reference)
    return reference


def run_reference(reference):
    out, err = io.StringIO(), io.StringIO()
    args = []
    for kind, path in reference.items():
        args += [f"--{kind.replace('_', '-')}", path]
    call_command("import_reference", *args, stdout=out, stderr=err)
    return out.getvalue()


def failing_reference(**files):
    """Run the command expecting failure; return stderr after checking nothing changed."""
    before = snapshot()
    err = io.StringIO()
    args = [part for kind, path in files.items() for part in (f"--{kind.replace('_', '-')}", path)]
    with pytest.raises(CommandError):
        call_command("import_reference", *args, stdout=io.StringIO(), stderr=err)
    assert snapshot() == before
    return err.getvalue()


def failing_users(path):
    before = snapshot()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_users", path, stdout=io.StringIO(), stderr=err)
    assert snapshot() == before
    return err.getvalue()


# --- reference: success ---------------------------------------------------------------------


def test_it_imports_every_reference_file_with_parents_in_any_order(reference):
    out = run_reference(reference)
    assert "regions: 5 created, 0 updated, 0 unchanged" in out
    assert "departments: 4 created" in out
    assert "apps: 2 created" in out
    assert "data_items: 2 created" in out
    village = Region.objects.get(code="330802001001")
    assert village.level == RegionLevel.VILLAGE
    assert [village.parent.code, village.parent.parent.code, village.parent.parent.parent.code] == [
        "330802001",
        "330802",
        "330800",
    ]
    division = Department.objects.get(code="ZJ-AGRI-01")
    assert (division.parent.code, division.region.code) == ("ZJ-AGRI", "330000")
    assert Department.objects.get(code="MOA").region is None
    assert App.objects.get(code="APP-GROUP").owner.code == "KC-OFFICE"


def test_it_is_idempotent(reference):
    run_reference(reference)
    before = snapshot()
    out = run_reference(reference)
    assert snapshot() == before
    assert "regions: 0 created, 0 updated, 5 unchanged" in out
    assert "departments: 0 created, 0 updated, 4 unchanged" in out
    assert (Region.objects.count(), Department.objects.count(), App.objects.count()) == (5, 4, 2)


def test_it_updates_by_code(loaded, tmp_path):
    renamed = REGIONS.replace("府山街道", "府山街道办事处")
    moved = DEPARTMENTS.replace(
        "ZJ-AGRI-01,浙江省农业农村厅乡村建设处,province,ZJ-AGRI", "ZJ-AGRI-01,乡村建设处,province,"
    )
    summary = import_reference(
        regions=write(tmp_path, "r2.csv", renamed), departments=write(tmp_path, "d2.csv", moved)
    )
    assert summary["regions"] == {"created": 0, "updated": 1, "unchanged": 4}
    assert summary["departments"] == {"created": 0, "updated": 1, "unchanged": 3}
    assert Region.objects.get(code="330802001").name == "府山街道办事处"
    assert Department.objects.get(code="ZJ-AGRI-01").parent is None
    assert Region.objects.count() == 5


def test_it_accepts_a_byte_order_mark(tmp_path, db):
    summary = import_reference(data_items=write(tmp_path, "items.csv", DATA_ITEMS, bom=True))
    assert summary == {"data_items": {"created": 2, "updated": 0, "unchanged": 0}}
    assert DataItem.objects.get(code="DI-POP").name == "村户籍人口数"


def test_it_reads_named_text_objects(db):
    source = io.StringIO("\ufeff" + DATA_ITEMS)
    source.name = "demo-items.csv"
    assert import_reference(data_items=source)["data_items"]["created"] == 2
    bad = io.StringIO("code,name\nDI-X,\n")
    bad.name = "demo-items.csv"
    with pytest.raises(ImportFailed) as failed, translation.override("en"):
        import_reference(data_items=bad)
    assert failed.value.errors == ["demo-items.csv:line 2: name is empty"]


def test_errors_are_in_chinese_by_default(tmp_path, db):
    err = failing_reference(data_items=write(tmp_path, "items.csv", "code,name\nDI-X,\n"))
    assert err.strip() == f"{tmp_path / 'items.csv'}:line 2: name 为空"


def test_it_finds_parents_already_in_the_database(loaded, tmp_path):
    more = "code,name,level,parent_code\n330802001002,新村,village,330802001\n"
    assert import_reference(regions=write(tmp_path, "more.csv", more))["regions"]["created"] == 1
    assert Region.objects.get(code="330802001002").parent.code == "330802001"


def test_it_needs_at_least_one_file(db):
    with pytest.raises(CommandError):
        call_command("import_reference", stdout=io.StringIO(), stderr=io.StringIO())


# --- reference: all or nothing, errors by file and line --------------------------------------


def test_an_error_in_the_second_file_leaves_the_first_unwritten(reference, tmp_path):
    bad_departments = DEPARTMENTS + "QZ-CIVIL,衢州市民政局,city,,339999\n"
    err = failing_reference(
        regions=reference["regions"],
        departments=write(tmp_path, "departments.csv", bad_departments),
        apps=reference["apps"],
    )
    assert f"{tmp_path / 'departments.csv'}:line 6:" in err
    assert "339999" in err
    assert Region.objects.count() == 0


def test_the_command_error_carries_a_non_zero_exit_status(reference, tmp_path):
    bad = write(tmp_path, "regions.csv", REGIONS + "330803,衢江区,county,339900\n")
    with pytest.raises(CommandError) as failed:
        call_command("import_reference", "--regions", bad, stdout=io.StringIO(), stderr=io.StringIO())
    # manage.py exits with this status (BaseCommand.run_from_argv).
    assert failed.value.returncode != 0


def test_manage_py_exits_non_zero_and_changes_nothing(reference, tmp_path):
    """End to end in a child process, on its own SQLite file."""
    database = tmp_path / "cli.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "test", "DEBUG": "0"}
    env.pop("REDIS_URL", None)

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert manage("migrate", "--no-input", "-v0").returncode == 0
    assert manage("import_reference", "--regions", reference["regions"]).returncode == 0
    bad = write(
        tmp_path, "more.csv", "code,name,level,parent_code\n330803,衢江区,county,330800\n3308,x,town,\n"
    )
    result = manage("import_reference", "--data-items", reference["data_items"], "--regions", bad)
    assert result.returncode == 1
    assert f"{bad}:line 3:" in result.stderr and "'town'" in result.stderr
    with sqlite3.connect(database) as connection:
        counts = [
            connection.execute(f"SELECT count(*) FROM portal_{t}").fetchone()[0]
            for t in ("region", "dataitem")
        ]
    assert counts == [5, 0]


def test_it_reports_every_error_at_once_in_line_order(tmp_path, db):
    text = (
        "code,name,level,parent_code\n"
        "330000,浙江省,province,\n"
        "330800,衢州市,town,330000\n"  # bad level
        "330900,丽水市,city,339999\n"  # unknown parent
        "330000,浙江,province,\n"  # duplicate code
        "330901,某区,county,330000\n"  # parent one level too high
        "330001,某省,province,330000\n"  # a province with a parent
        "330902,,county,330900\n"  # empty name
        "330903,某县,county\n"  # missing a field
    )
    err = failing_reference(regions=write(tmp_path, "regions.csv", text))
    lines = [line for line in err.splitlines() if line]
    assert [line.split(":")[1] for line in lines] == [f"line {n}" for n in range(3, 10)]
    assert "'town'" in lines[0]
    assert "'339999'" in lines[1]
    assert "'330000'" in lines[2] and "2" in lines[2]
    assert "'330000'" in lines[3]
    assert "name" in lines[5]


def test_it_rejects_a_wrong_header(tmp_path, db):
    err = failing_reference(data_items=write(tmp_path, "items.csv", "code,title\nDI-1,x\n"))
    assert f"{tmp_path / 'items.csv'}:line 1:" in err
    assert "code,title" in err


def test_it_rejects_an_empty_file(tmp_path, db):
    assert ":line 1:" in failing_reference(data_items=write(tmp_path, "items.csv", ""))


def test_it_rejects_text_that_is_not_utf8(tmp_path, db):
    path = tmp_path / "items.csv"
    path.write_bytes("code,name\nDI-1,村户籍人口数\n".encode("gbk"))
    assert f"{path}:line 2:" in failing_reference(data_items=str(path))


def test_it_rejects_a_missing_file(tmp_path, db):
    assert "nowhere.csv:line 1:" in failing_reference(data_items=str(tmp_path / "nowhere.csv"))


@pytest.mark.parametrize(
    "row, needle",
    [
        ("XX,某部门,bureau,,", "'bureau'"),
        ("XX,某部门,province,NOPE,", "'NOPE'"),
        ("XX,某部门,county,,999999", "'999999'"),
        ("ZJ-AGRI,浙江省农业农村厅,province,ZJ-AGRI-01,330000", "'ZJ-AGRI-01'"),
    ],
)
def test_it_rejects_bad_departments(loaded, tmp_path, row, needle):
    # The last case re-parents the department under its own division: a loop.
    err = failing_reference(
        departments=write(tmp_path, "d.csv", f"code,name,level,parent_code,region_code\n{row}\n")
    )
    assert f"{tmp_path / 'd.csv'}:line 2:" in err
    assert needle in err


def test_it_rejects_an_app_whose_owner_is_unknown(loaded, tmp_path):
    err = failing_reference(
        apps=write(tmp_path, "apps.csv", "code,name,owner_department_code\nA1,某应用,GHOST\n")
    )
    assert "apps.csv:line 2:" in err and "'GHOST'" in err


def test_it_refuses_a_level_change_that_strands_children(loaded, tmp_path):
    text = "code,name,level,parent_code\n330802001,府山街道,county,330800\n"
    err = failing_reference(regions=write(tmp_path, "r.csv", text))
    assert "r.csv:line 2:" in err and "330802001001" in err


# --- users ----------------------------------------------------------------------------------


def test_it_imports_users_with_roles_units_and_staff_rights(loaded, tmp_path):
    out = io.StringIO()
    call_command("import_users", write(tmp_path, "users.csv", USERS, bom=True), stdout=out)
    assert "users: 6 created" in out.getvalue()
    alice = User.objects.get(username="alice")
    assert (alice.role, alice.region.code, alice.display_name) == (Role.CADRE, "330802001001", "王小丽")
    assert alice.check_password("correct-horse-battery")
    assert not alice.is_staff
    assert User.objects.get(username="frank").department.code == "ZJ-AGRI"
    grace = User.objects.get(username="grace")
    assert grace.is_staff and grace.is_superuser
    # An empty password makes a new account unusable until reset.
    assert not User.objects.get(username="bob").has_usable_password()


def test_user_import_is_idempotent_and_keeps_passwords_on_empty(loaded, tmp_path):
    path = write(tmp_path, "users.csv", USERS)
    import_users(path)
    bob = User.objects.get(username="bob")
    bob.set_password("bobs-own-secret-99")
    bob.save()
    before = snapshot()
    assert import_users(path) == {"users": {"created": 0, "updated": 0, "unchanged": 6}}
    assert snapshot() == before
    assert User.objects.get(username="bob").check_password("bobs-own-secret-99")
    # A new password replaces the old; a role away from admin drops staff rights.
    changed = USERS.replace("bob,,", "bob,a-new-long-password,").replace(
        "grace,correct-horse-battery,管理员,admin,,", "grace,,管理员,county_reviewer,330802,"
    )
    assert import_users(write(tmp_path, "u2.csv", changed))["users"]["updated"] == 2
    assert User.objects.get(username="bob").check_password("a-new-long-password")
    grace = User.objects.get(username="grace")
    assert (grace.is_staff, grace.is_superuser, grace.region.code) == (False, False, "330802")
    assert grace.check_password("correct-horse-battery")


@pytest.mark.parametrize(
    "row, needle",
    [
        ("zoe,,Z,boss,330802001,", "'boss'"),
        ("zoe,,Z,cadre,330802,", "'330802'"),  # a county is no cadre's unit
        ("zoe,,Z,cadre,,", "region_code"),  # a cadre needs one
        ("zoe,,Z,county_reviewer,330802001,", "'330802001'"),
        ("zoe,,Z,region_reviewer,330802,", "'330802'"),
        ("zoe,,Z,department_viewer,,", "department_code"),
        ("zoe,,Z,department_viewer,,GHOST", "'GHOST'"),
        ("zoe,,Z,cadre,330802001,ZJ-AGRI", "'ZJ-AGRI'"),
        ("zoe,,Z,cadre,999999,", "'999999'"),
        ("zoe,123,Z,cadre,330802001,", "'zoe'"),  # a too short password
        (",,Z,cadre,330802001,", "username"),
    ],
)
def test_it_rejects_bad_users(loaded, tmp_path, row, needle):
    header = USERS.splitlines()[0]
    err = failing_users(write(tmp_path, "users.csv", f"{header}\n{USERS.splitlines()[1]}\n{row}\n"))
    assert f"{tmp_path / 'users.csv'}:line 3:" in err
    assert needle in err
    assert not User.objects.filter(username="alice").exists()


def test_it_rejects_a_duplicate_username(loaded, tmp_path):
    err = failing_users(write(tmp_path, "users.csv", USERS + "alice,,又一个,cadre,330802001,\n"))
    assert "users.csv:line 8:" in err and "'alice'" in err


def test_it_refuses_a_level_change_that_unseats_a_user(loaded, tmp_path):
    import_users(write(tmp_path, "users.csv", USERS))
    # bob is a cadre of township 330802001: as a county it would no longer be a cadre's unit.
    text = "code,name,level,parent_code\n330802001,府山,county,330800\n"
    err = failing_reference(regions=write(tmp_path, "r.csv", text))
    assert "r.csv:line 2:" in err and "'bob'" in err and "'330802001001'" in err
