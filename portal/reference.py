"""Reference data and accounts' units: every rule about them, in one place.

DESIGN.md "Domain" and "Roles": regions form the tree province > city > county > township > village;
a department has a level, maybe a parent department (it is then one of its divisions) and maybe a
region; an app has an owner department; an account's unit fits its role. Who asks:

- the Django admin, one object at a time, through the models' clean() (portal/models.py);
- the CSV importers (portal/importers.py), which only parse and number lines: they hand whole
  files to `check` / `save_reference` / `save_users` and put each Problem on its file and line;
- any later API, the same way.

A rule is about the data as it will be after the change, so `check` takes everything one call
changes (rows may refer to each other, in any order) and reads the rest from the database. A
Problem names the model field it is about (the admin shows it under that field, the importers
under its column) and its message is the same whoever asked.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from portal.models import (
    App,
    DataItem,
    Department,
    DepartmentLevel,
    Region,
    RegionLevel,
    Role,
    User,
)

# The level a region's parent must have; also the order in which regions are written (top down).
PARENT_LEVEL = {
    RegionLevel.PROVINCE: None,
    RegionLevel.CITY: RegionLevel.PROVINCE,
    RegionLevel.COUNTY: RegionLevel.CITY,
    RegionLevel.TOWNSHIP: RegionLevel.COUNTY,
    RegionLevel.VILLAGE: RegionLevel.TOWNSHIP,
}

# The region levels each role's unit may have (DESIGN.md roles table); None: any region, or none.
ROLE_REGION_LEVELS = {
    Role.CADRE: {RegionLevel.TOWNSHIP, RegionLevel.VILLAGE},
    Role.COUNTY_REVIEWER: {RegionLevel.COUNTY},
    Role.REGION_REVIEWER: {RegionLevel.CITY, RegionLevel.PROVINCE},
    Role.DEPARTMENT_VIEWER: None,
    Role.ADMIN: None,
}


# --- what a caller proposes ------------------------------------------------------------------
# References to other rows are by code ("" for none). `pk` is the row being updated when the
# caller knows it by id (the admin, where the code itself may be edited); otherwise the code
# finds it. A level (or role) of None marks a row the caller could not read: other rows may refer
# to it without an error, and nothing is checked on it (its own error was reported already).


@dataclass(frozen=True)
class RegionRow:
    code: str
    level: str | None
    parent: str = ""
    name: str = ""
    pk: int | None = None


@dataclass(frozen=True)
class DepartmentRow:
    code: str
    level: str | None
    parent: str = ""
    region: str = ""
    name: str = ""
    pk: int | None = None


@dataclass(frozen=True)
class AppRow:
    code: str
    owner: str
    name: str = ""


@dataclass(frozen=True)
class DataItemRow:
    code: str
    name: str


@dataclass(frozen=True)
class UserRow:
    username: str
    role: str | None
    region: str = ""
    department: str = ""
    display_name: str = ""
    # None or "": a new account gets an unusable password, an existing one keeps its own.
    password: str | None = None
    pk: int | None = None


class Problem(NamedTuple):
    kind: str  # "region", "department", "app" or "user"
    key: str  # the row's code (or username)
    field: str  # the model field it is about
    message: str


class Invalid(Exception):
    """Nothing was written; `problems` lists every Problem found."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(problem.message for problem in self.problems))


def give_role_rights(user: User) -> None:
    """Staff rights follow the role: only administrators are staff (and superusers)."""
    user.is_staff = user.is_superuser = user.role == Role.ADMIN


# --- the tree as it will be ------------------------------------------------------------------


def _label(choices, value) -> str:
    return str(choices(value).label)


class _Regions:
    """Regions after the change: the proposed rows over the database."""

    def __init__(self, rows, referred):
        self.rows = {row.code: row for row in rows}
        known_pks = [row.pk for row in rows if row.pk]
        existing = Region.objects.filter(Q(code__in=self.rows) | Q(pk__in=known_pks))
        by_pk, by_code = {}, {}
        for pk, code, level in existing.values_list("pk", "code", "level"):
            by_pk[pk] = level
            by_code[code] = pk
        self.pk_of = {row.code: row.pk or by_code.get(row.code) for row in rows}
        self.level_before = {code: by_pk.get(pk) for code, pk in self.pk_of.items() if pk}
        others = set(referred) - set(self.rows)
        self.db_level = dict(
            Region.objects.filter(code__in=others)
            .exclude(pk__in=[pk for pk in self.pk_of.values() if pk])
            .values_list("code", "level")
        )

    def knows(self, code) -> bool:
        return code in self.rows or code in self.db_level

    def level(self, code) -> str | None:
        return self.rows[code].level if code in self.rows else self.db_level.get(code)

    def changed_level(self) -> dict:
        """{pk: row} of existing regions whose level the rows change."""
        return {
            self.pk_of[code]: row
            for code, row in self.rows.items()
            if row.level is not None and code in self.level_before and self.level_before[code] != row.level
        }


class _Departments:
    """Departments after the change. They number in the hundreds: the whole tree is read."""

    def __init__(self, rows):
        self.rows = {row.code: row for row in rows}
        self.db = {}  # pk: (code, parent pk, level, region code)
        by_code = {}
        for pk, code, parent, level, region in Department.objects.values_list(
            "pk", "code", "parent_id", "level", "region__code"
        ):
            self.db[pk] = (code, parent, level, region)
            by_code[code] = pk
        self.pk_of = {row.code: row.pk or by_code.get(row.code) for row in rows}
        # A code the rows give another department (an admin edit) no longer finds the old one.
        updated = set(self.pk_of.values())
        self.db_code = {code: pk for code, pk in by_code.items() if pk not in updated}
        self.row_at = {self.node(row.code): row for row in rows}
        self.parent_of = {pk: parent for pk, (_code, parent, _level, _region) in self.db.items()}
        for row in rows:
            self.parent_of[self.node(row.code)] = self.node(row.parent) if row.parent else None

    def node(self, code):
        """A department's identity in the tree: its id, or the code of a new row; None if unknown."""
        if code in self.rows:
            return self.pk_of[code] or ("new", code)
        return self.db_code.get(code)

    def place(self, node) -> tuple[str | None, str | None]:
        """(level, region code) of a department."""
        row = self.row_at.get(node)
        if row is not None:
            return row.level, row.region or None
        _code, _parent, level, region = self.db[node]
        return level, region

    def under_itself(self, code) -> bool:
        """Whether walking up from the department's parent meets the department again."""
        own, seen = self.node(code), set()
        node = self.parent_of.get(own)
        while node is not None and node not in seen:
            if node == own:
                return True
            seen.add(node)
            node = self.parent_of.get(node)
        return False


# --- the rules -------------------------------------------------------------------------------


def check(*, regions=(), departments=(), apps=(), users=()) -> list[Problem]:
    """Every Problem with these rows, as the data would be if they were all written."""
    problems = []

    def add(kind, key, field, message):
        problems.append(Problem(kind, key, field, message))

    referred = {row.parent for row in regions if row.parent}
    referred |= {row.region for row in departments if row.region}
    referred |= {row.region for row in users if row.region}
    region_tree = _Regions(regions, referred)
    department_tree = _Departments(departments) if departments or apps or users else None

    for row in regions:
        if row.level is not None:
            _check_region(
                region_tree, row, lambda field, message, row=row: add("region", row.code, field, message)
            )
    _check_level_changes(region_tree, department_tree, departments, users, add)
    for row in departments:
        if row.level is not None:
            _check_department(
                department_tree,
                region_tree,
                row,
                lambda field, message, row=row: add("department", row.code, field, message),
            )
    for row in apps:
        if row.owner and department_tree.node(row.owner) is None:
            add("app", row.code, "owner", _no_department())
    for row in users:
        if row.role is not None:
            _check_user(
                department_tree,
                region_tree,
                row,
                lambda field, message, row=row: add("user", row.username, field, message),
            )
    return problems


def _no_region() -> str:
    # The code is not repeated: the admin offers only existing regions, and the importers put
    # the column and its value before every message.
    return _("No region has this code.")


def _no_department() -> str:
    return _("No department has this code.")


def _check_region(tree, row, add):
    """A region's parent is one level up; a province has none."""
    level = RegionLevel(row.level)
    expected = PARENT_LEVEL[level]
    if expected is None:
        if row.parent:
            add("parent", _("A province has no parent."))
    elif not row.parent:
        add(
            "parent",
            _("A %(level)s needs a parent region, a %(expected)s.")
            % {"level": level.label, "expected": expected.label},
        )
    elif not tree.knows(row.parent):
        add("parent", _no_region())
    else:
        found = tree.level(row.parent)
        # A region is never its own parent or ancestor: each parent is exactly one level up.
        if found is not None and found != expected:
            add(
                "parent",
                _("The parent of a %(level)s must be a %(expected)s; %(parent)s is a %(found)s.")
                % {
                    "level": level.label,
                    "expected": expected.label,
                    "parent": repr(row.parent),
                    "found": _label(RegionLevel, found),
                },
            )


def _check_level_changes(regions, departments, department_rows, user_rows, add):
    """A region that changes level must not strand what hangs on it: regions below it, accounts
    and departments of it. (Those the same call changes too are checked on their own rows.)"""
    changed = regions.changed_level()
    if not changed:
        return
    batch = [pk for pk in regions.pk_of.values() if pk]
    for child in Region.objects.filter(parent_id__in=changed).exclude(pk__in=batch).order_by("code"):
        row = changed[child.parent_id]
        if PARENT_LEVEL[RegionLevel(child.level)] != row.level:
            add(
                "region",
                row.code,
                "level",
                _(
                    "%(child)s below it is a %(child_level)s, which cannot be under a %(level)s: "
                    "move it first."
                )
                % {
                    "child": repr(child.code),
                    "child_level": _label(RegionLevel, child.level),
                    "level": _label(RegionLevel, row.level),
                },
            )
    proposed_users = [row.pk for row in user_rows if row.pk]
    proposed_users_named = [row.username for row in user_rows]
    accounts = (
        User.objects.filter(region_id__in=changed)
        .exclude(pk__in=proposed_users)
        .exclude(username__in=proposed_users_named)
        .order_by("username")
    )
    for user in accounts:
        allowed = ROLE_REGION_LEVELS[Role(user.role)]
        row = changed[user.region_id]
        if allowed is not None and row.level not in allowed:
            add(
                "region",
                row.code,
                "level",
                _(
                    "%(user)s is a %(role)s of it, which cannot belong to a %(level)s: "
                    "change that account first."
                )
                % {
                    "user": repr(user.username),
                    "role": _label(Role, user.role),
                    "level": _label(RegionLevel, row.level),
                },
            )
    proposed_departments = [departments.pk_of[row.code] for row in department_rows] if departments else []
    for department in (
        Department.objects.filter(region_id__in=changed).exclude(pk__in=proposed_departments).order_by("code")
    ):
        row = changed[department.region_id]
        if department.level != row.level:
            add(
                "region",
                row.code,
                "level",
                _("The %(department_level)s department %(department)s is in it: change its region first.")
                % {
                    "department_level": _label(DepartmentLevel, department.level),
                    "department": repr(department.code),
                },
            )


def _check_department(tree, regions, row, add):
    """A department is not under itself; a division has its department's level and region; a
    central department has no region, any other one's region (if given) is of its own level."""
    level = DepartmentLevel(row.level)
    if row.parent:
        parent = tree.node(row.parent)
        if parent is None:
            add("parent", _no_department())
        elif tree.under_itself(row.code):
            add("parent", _("A department cannot be placed under itself or its divisions."))
        else:
            parent_level, parent_region = tree.place(parent)
            if parent_level is not None and (parent_level, parent_region) != (row.level, row.region or None):
                add(
                    "parent",
                    _(
                        "A division has the level and region of its department: %(parent)s is a "
                        "%(level)s department of region %(region)s."
                    )
                    % {
                        "parent": repr(row.parent),
                        "level": _label(DepartmentLevel, parent_level),
                        "region": repr(parent_region) if parent_region else "—",
                    },
                )
    if row.region:
        if not regions.knows(row.region):
            add("region", _no_region())
        elif level == DepartmentLevel.CENTRAL:
            add("region", _("A central department has no region."))
        else:
            found = regions.level(row.region)
            if found is not None and found != row.level:
                add(
                    "region",
                    _("A %(level)s department belongs to a region of that level; %(region)s is a %(found)s.")
                    % {"level": level.label, "region": repr(row.region), "found": _label(RegionLevel, found)},
                )
    # Its divisions (those this call leaves alone) must follow it.
    own = tree.pk_of[row.code]
    if own is None or own not in tree.db:
        return
    _code, _parent, level_before, region_before = tree.db[own]
    if (level_before, region_before) == (row.level, row.region or None):
        return
    batch = {tree.pk_of[code] for code in tree.rows}
    for pk, (code, parent, division_level, division_region) in sorted(tree.db.items(), key=lambda i: i[1][0]):
        if (
            parent == own
            and pk not in batch
            and (division_level, division_region) != (row.level, row.region or None)
        ):
            add(
                "level" if level_before != row.level else "region",
                _(
                    "%(division)s, one of its divisions, would then differ from it in level or region: "
                    "change that division first."
                )
                % {"division": repr(code)},
            )


def _check_user(departments, regions, row, add):
    """The unit fits the role (DESIGN.md roles table); a password, if given, passes the validators."""
    role = Role(row.role)
    allowed = ROLE_REGION_LEVELS[role]
    if row.region and not regions.knows(row.region):
        add("region", _no_region())
    elif allowed is not None:
        levels = " / ".join(str(level.label) for level in PARENT_LEVEL if level in allowed)
        found = regions.level(row.region) if row.region else None
        if not row.region:
            add(
                "region",
                _("A %(role)s belongs to a region of level %(levels)s.")
                % {"role": role.label, "levels": levels},
            )
        elif found is not None and found not in allowed:
            add(
                "region",
                _("A %(role)s belongs to a region of level %(levels)s; %(region)s is a %(found)s.")
                % {
                    "role": role.label,
                    "levels": levels,
                    "region": repr(row.region),
                    "found": _label(RegionLevel, found),
                },
            )
    if role == Role.DEPARTMENT_VIEWER and not row.department:
        add("department", _("A department viewer needs a department."))
    elif role != Role.DEPARTMENT_VIEWER and row.department:
        add("department", _("Only department viewers belong to a department."))
    elif row.department and departments.node(row.department) is None:
        add("department", _no_department())
    if row.password:
        try:
            validate_password(row.password, User(username=row.username))
        except ValidationError as exc:
            add(
                "password",
                _("The password of %(user)s is refused: %(reason)s")
                % {"user": repr(row.username), "reason": " ".join(exc.messages)},
            )


# --- one object, for the models' clean() -----------------------------------------------------


def clean(instance) -> None:
    """Raise ValidationError {field: messages} if saving this object would break a rule.

    Called by Region/Department/App/User.clean(), so every ModelForm (the admin's) checks it.
    Fields that failed their own validation are left to that error.
    """
    rows = _rows_of(instance)
    if rows is None:
        return
    problems = check(**rows)
    if problems:
        errors = defaultdict(list)
        for problem in problems:
            errors[problem.field].append(problem.message)
        raise ValidationError(dict(errors))


def _code(obj) -> str:
    return obj.code if obj is not None else ""


def _rows_of(instance):
    # A new object with a code already taken: the form's uniqueness error says so, and the rules
    # would take it for that other object (rows find what they update by code).
    new = isinstance(instance, (Region, Department)) and instance.pk is None
    if new and type(instance).objects.filter(code=instance.code).exists():
        return None
    if isinstance(instance, Region):
        if instance.level not in RegionLevel.values:
            return None
        # Chosen as its own parent: name it by the code it will have, so the level rule sees it.
        parent = (
            instance.code
            if instance.parent_id and instance.parent_id == instance.pk
            else _code(instance.parent)
        )
        row = RegionRow(instance.code, instance.level, parent, instance.name, instance.pk)
        return {"regions": [row]}
    if isinstance(instance, Department):
        if instance.level not in DepartmentLevel.values:
            return None
        parent = (
            instance.code
            if instance.parent_id and instance.parent_id == instance.pk
            else _code(instance.parent)
        )
        row = DepartmentRow(
            instance.code, instance.level, parent, _code(instance.region), instance.name, instance.pk
        )
        return {"departments": [row]}
    if isinstance(instance, App):
        if instance.owner_id is None:
            return None
        return {"apps": [AppRow(instance.code, instance.owner.code, instance.name)]}
    if isinstance(instance, User):
        if instance.role not in Role.values:
            return None
        row = UserRow(
            instance.username,
            instance.role,
            _code(instance.region),
            _code(instance.department),
            instance.display_name,
            pk=instance.pk,
        )
        return {"users": [row]}
    return None


# --- writing, all or nothing -----------------------------------------------------------------


def _blank_counts():
    return {"created": 0, "updated": 0, "unchanged": 0}


def _upsert(model, values_by_code, counts):
    """Create or update rows by code with bulk queries; tally created/updated/unchanged."""
    existing = model.objects.in_bulk(list(values_by_code), field_name="code")
    new, changed, names = [], [], set()
    for code, values in values_by_code.items():
        names.update(values)
        obj = existing.get(code)
        if obj is None:
            new.append(model(code=code, **values))
        elif any(getattr(obj, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(obj, name, value)
            changed.append(obj)
    model.objects.bulk_create(new, batch_size=1000)
    model.objects.bulk_update(changed, sorted(names), batch_size=1000)
    counts["created"] += len(new)
    counts["updated"] += len(changed)
    counts["unchanged"] += len(values_by_code) - len(new) - len(changed)


def _ids(model, codes) -> dict:
    return dict(model.objects.filter(code__in=codes).values_list("code", "pk"))


def _write_regions(rows, counts):
    # Top down, so every parent exists before its children.
    for level in PARENT_LEVEL:
        batch = [row for row in rows if row.level == level]
        if not batch:
            continue
        parents = _ids(Region, {row.parent for row in batch})
        _upsert(
            Region,
            {
                row.code: {"name": row.name, "level": row.level, "parent_id": parents.get(row.parent)}
                for row in batch
            },
            counts,
        )


def _write_departments(rows, counts):
    before = {
        code: (name, level, region, parent)
        for code, name, level, region, parent in Department.objects.filter(
            code__in=[row.code for row in rows]
        ).values_list("code", "name", "level", "region__code", "parent__code")
    }
    regions = _ids(Region, {row.region for row in rows})
    # Parents in a second pass: a parent may be created in this same call, after its division.
    _upsert(
        Department,
        {
            row.code: {"name": row.name, "level": row.level, "region_id": regions.get(row.region)}
            for row in rows
        },
        _blank_counts(),
    )
    parents = _ids(Department, {row.parent for row in rows})
    _upsert(Department, {row.code: {"parent_id": parents.get(row.parent)} for row in rows}, _blank_counts())
    for row in rows:
        after = (row.name, row.level, row.region or None, row.parent or None)
        if row.code not in before:
            counts["created"] += 1
        elif before[row.code] != after:
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1


def save_reference(*, regions=None, departments=None, apps=None, data_items=None) -> dict:
    """Create or update reference rows by code, all or nothing.

    Return {kind: {"created", "updated", "unchanged"}} for each kind given; raise Invalid with
    every problem, having written nothing, if any rule is broken.
    """
    given = {"regions": regions, "departments": departments, "apps": apps, "data_items": data_items}
    given = {kind: list(rows) for kind, rows in given.items() if rows is not None}
    with transaction.atomic():
        problems = check(
            regions=given.get("regions", ()),
            departments=given.get("departments", ()),
            apps=given.get("apps", ()),
        )
        if problems:
            raise Invalid(problems)
        summary = {kind: _blank_counts() for kind in given}
        if "regions" in given:
            _write_regions(given["regions"], summary["regions"])
        if "departments" in given:
            _write_departments(given["departments"], summary["departments"])
        if "apps" in given:
            owners = _ids(Department, {row.owner for row in given["apps"]})
            _upsert(
                App,
                {row.code: {"name": row.name, "owner_id": owners[row.owner]} for row in given["apps"]},
                summary["apps"],
            )
        if "data_items" in given:
            _upsert(
                DataItem, {row.code: {"name": row.name} for row in given["data_items"]}, summary["data_items"]
            )
    return summary


def save_users(rows) -> dict:
    """Create or update accounts by username, all or nothing; return {"users": counts}.

    The role decides staff rights. An empty password makes a new account unusable until reset and
    leaves an existing account's password alone. Accounts are saved one by one, so the audit log
    records each. Raise Invalid with every problem, having written nothing, if any rule is broken.
    """
    rows = list(rows)
    counts = _blank_counts()
    with transaction.atomic():
        problems = check(users=rows)
        if problems:
            raise Invalid(problems)
        regions = _ids(Region, {row.region for row in rows if row.region})
        departments = _ids(Department, {row.department for row in rows if row.department})
        existing = User.objects.in_bulk([row.username for row in rows], field_name="username")
        for row in rows:
            wanted = {
                "display_name": row.display_name,
                "role": row.role,
                "region_id": regions.get(row.region),
                "department_id": departments.get(row.department),
            }
            user = existing.get(row.username)
            if user is None:
                user = User(username=row.username, **wanted)
                give_role_rights(user)
                if row.password:
                    user.set_password(row.password)
                else:
                    user.set_unusable_password()
                user.save()
                counts["created"] += 1
                continue
            before = (*(getattr(user, name) for name in wanted), user.is_staff, user.is_superuser)
            for name, value in wanted.items():
                setattr(user, name, value)
            give_role_rights(user)
            dirty = before != (*(getattr(user, name) for name in wanted), user.is_staff, user.is_superuser)
            if row.password and not user.check_password(row.password):
                user.set_password(row.password)
                dirty = True
            if dirty:
                user.save()
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
    return {"users": counts}
