"""One rule in one place (portal.reference): the admin refuses what the CSV import refuses.

Every case is a bad change made both ways on the same data: through /admin/ (an administrator
posting the change or add form) and through `manage.py import_reference` / `import_users`. Both
must refuse it, change nothing, and give the same message: under the field in the admin, after
"file:line N: column 'value': " in the import. Several of these rules used to exist on one side
only (marked "was: ..."); the cadres of a township whose level the admin changed to "county" got
403 on every post, and the county's stats answered 404.
"""

import io
import re
from dataclasses import dataclass, field

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal import importers
from portal.models import App, Department, DepartmentLevel, Region, RegionLevel, Role, User

COLUMNS = {
    "regions": importers.REGION_COLUMNS,
    "departments": importers.DEPARTMENT_COLUMNS,
    "users": importers.USER_COLUMNS,
}
COLUMN_OF = {
    "level": "level",
    "parent": "parent_code",
    "region": "region_code",
    "department": "department_code",
}


@dataclass
class Case:
    id: str
    kind: str  # the import file: regions, departments or users
    row: str  # its one row, after the header
    model: str  # the admin page: region, department or user
    obj: str | None  # the World attribute changed, or None to add a new object
    data: dict  # the admin form, with World attribute names where a foreign key goes
    field: str  # the field (and column) the problem is about
    needle: str  # what the message must name
    setup: list = field(default_factory=list)  # extra objects: (model, kwargs with World names)


CASES = [
    # --- regions: levels and parents
    Case(
        "level change strands the regions below (was: import only)",
        "regions",
        "330802001,府山街道,county,330800",
        "region",
        "township",
        {"code": "330802001", "name": "府山街道", "level": "county", "parent": "city"},
        "level",
        "'330802001001'",
    ),
    Case(
        "level change unseats an account (was: import only)",
        "regions",
        "330803001,樟潭街道,county,330800",
        "region",
        "other_township",
        {"code": "330803001", "name": "樟潭街道", "level": "county", "parent": "city"},
        "level",
        "'carol'",
    ),
    Case(
        "level change leaves a department in a region of another level (new)",
        "regions",
        "330899,新区,city,330000",
        "region",
        "new_county",
        {"code": "330899", "name": "新区", "level": "city", "parent": "province"},
        "level",
        "'XQ-OFFICE'",
        setup=[
            ("region", "new_county", {"code": "330899", "name": "新区", "level": "county", "parent": "city"}),
            (
                "department",
                "new_office",
                {"code": "XQ-OFFICE", "name": "新区办公室", "level": "county", "region": "new_county"},
            ),
        ],
    ),
    Case(
        "parent one level up (both, with different messages)",
        "regions",
        "330802009,错层村,village,330802",
        "region",
        None,
        {"code": "330802009", "name": "错层村", "level": "village", "parent": "county"},
        "parent",
        "'330802'",
    ),
    Case(
        "a province has no parent (both, with different messages)",
        "regions",
        "330001,又一省,province,330000",
        "region",
        None,
        {"code": "330001", "name": "又一省", "level": "province", "parent": "province"},
        "parent",
        "",
    ),
    Case(
        "below a province a parent is needed (both, with different messages)",
        "regions",
        "330899,无上级县,county,",
        "region",
        None,
        {"code": "330899", "name": "无上级县", "level": "county", "parent": ""},
        "parent",
        "",
    ),
    # --- departments: parent, level and region
    Case(
        "a department is not under its own division (both, with different messages)",
        "departments",
        "ZJ-AGRI,浙江省农业农村厅,province,ZJ-AGRI-01,330000",
        "department",
        "dept_province",
        {"code": "ZJ-AGRI", "name": "浙江省农业农村厅", "level": "province", "parent": "dept_division"},
        "parent",
        "",
    ),
    Case(
        "a department's region has its level (new)",
        "departments",
        "KC-WATER,柯城区水利局,county,,330800",
        "department",
        None,
        {"code": "KC-WATER", "name": "柯城区水利局", "level": "county", "region": "city"},
        "region",
        "'330800'",
    ),
    Case(
        "a central department has no region (new)",
        "departments",
        "CN-MOA,农业农村部,central,,330000",
        "department",
        None,
        {"code": "CN-MOA", "name": "农业农村部", "level": "central", "region": "province"},
        "region",
        "",
    ),
    Case(
        "a division has its department's level and region (new)",
        "departments",
        "ZJ-AGRI-02,浙江省农业农村厅发展规划处,city,ZJ-AGRI,330800",
        "department",
        None,
        {
            "code": "ZJ-AGRI-02",
            "name": "浙江省农业农村厅发展规划处",
            "level": "city",
            "parent": "dept_province",
            "region": "city",
        },
        "parent",
        "'ZJ-AGRI'",
    ),
    Case(
        "a department's level change strands its divisions (new)",
        "departments",
        "ZJ-AGRI,浙江省农业农村厅,city,,330800",
        "department",
        "dept_province",
        {"code": "ZJ-AGRI", "name": "浙江省农业农村厅", "level": "city", "region": "city"},
        "level",
        "'ZJ-AGRI-01'",
    ),
    # --- accounts: the unit fits the role
    Case(
        "a cadre belongs to a township or village (both, with different messages)",
        "users",
        "bob,,李强,cadre,330802,",
        "user",
        "cadre2",
        {"username": "bob", "display_name": "李强", "role": "cadre", "region": "county"},
        "region",
        "'330802'",
    ),
    Case(
        "a county reviewer belongs to a county (both, with different messages)",
        "users",
        "dave,,县审阅,county_reviewer,330802001,",
        "user",
        "county_reviewer",
        {"username": "dave", "display_name": "县审阅", "role": "county_reviewer", "region": "township"},
        "region",
        "'330802001'",
    ),
    Case(
        "a region reviewer needs a region (both, with different messages)",
        "users",
        "erin,,市审阅,region_reviewer,,",
        "user",
        "region_reviewer",
        {"username": "erin", "display_name": "市审阅", "role": "region_reviewer"},
        "region",
        "",
    ),
    Case(
        "a department viewer needs a department (both, with different messages)",
        "users",
        "frank,,厅查看,department_viewer,,",
        "user",
        "department_viewer",
        {"username": "frank", "display_name": "厅查看", "role": "department_viewer"},
        "department",
        "",
    ),
    Case(
        "only department viewers belong to a department (both, with different messages)",
        "users",
        "bob,,李强,cadre,330802001,ZJ-AGRI",
        "user",
        "cadre2",
        {
            "username": "bob",
            "display_name": "李强",
            "role": "cadre",
            "region": "township",
            "department": "dept_province",
        },
        "department",
        "",
    ),
]


def snapshot():
    return (
        sorted(Region.objects.values_list("code", "name", "level", "parent__code")),
        sorted(Department.objects.values_list("code", "name", "level", "parent__code", "region__code")),
        sorted(App.objects.values_list("code", "name", "owner__code")),
        sorted(
            User.objects.values_list(
                "username", "display_name", "role", "region__code", "department__code", "is_staff"
            )
        ),
    )


def _resolve(world, values):
    """Form data: World attribute names of foreign keys become their ids."""
    return {
        name: (getattr(world, value).pk if name in ("parent", "region", "department") and value else value)
        for name, value in values.items()
    }


def _create(world, model, attribute, values):
    kwargs = {
        name: (getattr(world, value) if name in ("parent", "region") else value)
        for name, value in values.items()
    }
    obj = {"region": Region, "department": Department}[model].objects.create(**kwargs)
    setattr(world, attribute, obj)


def admin_errors(client, world, case) -> list[str]:
    """Post the case through the admin's form; return the errors under its field."""
    data = {"parent": "", "region": "", "department": "", **_resolve(world, case.data)}
    if case.model == "user":
        data["is_active"] = "on"
        data.pop("parent")
    elif case.model == "region":
        data.pop("region")
        data.pop("department")
    else:
        data.pop("department")
    if case.obj is None:
        url = reverse(f"admin:portal_{case.model}_add")
    else:
        url = reverse(f"admin:portal_{case.model}_change", args=[getattr(world, case.obj).pk])
    response = client.post(url, data)
    assert response.status_code == 200, "the admin saved it"
    return list(response.context["adminform"].form.errors.get(case.field, []))


def import_errors(tmp_path, case) -> list[str]:
    """Run the case's import; return its errors without the "file:line 2: column 'value': " part."""
    path = tmp_path / f"{case.kind}.csv"
    path.write_text(",".join(COLUMNS[case.kind]) + "\n" + case.row + "\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        if case.kind == "users":
            call_command("import_users", str(path), stdout=io.StringIO(), stderr=err)
        else:
            call_command("import_reference", f"--{case.kind}", str(path), stdout=io.StringIO(), stderr=err)
    prefix = re.compile(rf"^{re.escape(str(path))}:line 2: {COLUMN_OF[case.field]}( '[^']*')?: ")
    lines = err.getvalue().splitlines()
    assert lines and all(prefix.match(line) for line in lines), lines
    return [prefix.sub("", line) for line in lines]


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_admin_refuses_what_the_import_refuses_with_the_same_message(admin_client, world, tmp_path, case):
    for model, attribute, values in case.setup:
        _create(world, model, attribute, values)
    before = snapshot()

    from_import = import_errors(tmp_path, case)
    assert snapshot() == before
    from_admin = admin_errors(admin_client, world, case)
    assert snapshot() == before

    assert from_import, "the import took it"
    assert sorted(from_admin) == sorted(from_import)
    assert any(case.needle in message for message in from_import)


def test_a_refused_level_change_leaves_the_townships_cadres_filing(admin_client, world, frozen):
    """The symptom behind the issue: the admin changed a township into a county, after which its
    cadres got 403 on every post and its county's stats answered 404."""
    url = reverse("admin:portal_region_change", args=[world.township.pk])
    data = {"code": "330802001", "name": "府山街道", "level": "county", "parent": world.city.pk}
    assert admin_client.post(url, data).status_code == 200
    admin_client.force_login(world.cadre2)
    entry = {**world.entry_data(), "hours": 2.5}
    response = admin_client.post("/api/v1/entries/", entry, content_type="application/json")
    assert response.status_code == 201, response.json()


def test_an_account_name_the_admin_refuses_is_refused_by_the_import(admin_client, world, tmp_path):
    """Was: admin only (the username field's validators)."""
    path = tmp_path / "users.csv"
    path.write_text(",".join(importers.USER_COLUMNS) + "\nzoe smith,,Z,admin,,\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_users", str(path), stdout=io.StringIO(), stderr=err)
    message = err.getvalue().strip().removeprefix(f"{path}:line 2: username 'zoe smith': ")

    response = admin_client.post(
        reverse("admin:portal_user_add"), {"username": "zoe smith", "display_name": "Z", "role": "admin"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == [message]
    assert not User.objects.filter(username__startswith="zoe").exists()


def test_the_admin_still_saves_good_changes(admin_client, world):
    """The rules are not in the way of an ordinary edit: a division moved with its department."""
    url = reverse("admin:portal_department_add")
    data = {
        "code": "QZ-CIVIL-01",
        "name": "衢州市民政局社会救助科",
        "level": DepartmentLevel.CITY,
        "parent": world.dept_city.pk,
        "region": world.city.pk,
    }
    assert admin_client.post(url, data).status_code == 302
    assert Department.objects.get(code="QZ-CIVIL-01").parent == world.dept_city
    url = reverse("admin:portal_region_change", args=[world.township2.pk])
    data = {"code": "330802002", "name": "荷花街道", "level": RegionLevel.TOWNSHIP, "parent": world.county.pk}
    assert admin_client.post(url, {**data, "name": "荷花街道办事处"}).status_code == 302
    url = reverse("admin:portal_user_change", args=[world.cadre2.pk])
    data = {"username": "bob", "display_name": "李强", "role": Role.CADRE, "region": world.township2.pk}
    assert admin_client.post(url, {**data, "department": "", "is_active": "on"}).status_code == 302
    assert User.objects.get(username="bob").region == world.township2


def test_a_taken_code_is_only_a_uniqueness_error(admin_client, world):
    """A new region with the county's code is not mistaken for a change of that county's level."""
    data = {"code": "330802", "name": "重复", "level": RegionLevel.TOWNSHIP, "parent": world.county.pk}
    response = admin_client.post(reverse("admin:portal_region_add"), data)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["code"]
