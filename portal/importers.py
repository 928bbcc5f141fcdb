"""Loading a county's own reference lists and accounts from CSV (DESIGN.md "Loading real data").

Every call is all or nothing across all of its files: each file is read and every row checked
against the database and the other files first, collecting every error; only when none was
found is anything written, in one transaction. Rows are matched by `code` (or `username`), so
importing the same files twice changes nothing the second time.

Sources are paths or text file objects with a `.name` (seed_demo passes io.StringIO objects),
UTF-8 with or without a byte order mark. Errors read "file:line N: message", the header being
line 1.
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import (
    PARENT_LEVEL,
    ROLE_REGION_LEVELS,
    App,
    DataItem,
    Department,
    DepartmentLevel,
    Region,
    RegionLevel,
    Role,
    User,
)

REGION_COLUMNS = ("code", "name", "level", "parent_code")
DEPARTMENT_COLUMNS = ("code", "name", "level", "parent_code", "region_code")
APP_COLUMNS = ("code", "name", "owner_department_code")
DATA_ITEM_COLUMNS = ("code", "name")
USER_COLUMNS = ("username", "password", "display_name", "role", "region_code", "department_code")

# Regions are written top-down so every parent exists before its children.
_LEVEL_ORDER = list(PARENT_LEVEL)


class ImportFailed(Exception):
    """Nothing was written; `errors` lists every problem as "file:line N: message"."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass
class _Row:
    line: int
    values: dict


@dataclass
class _File:
    name: str
    rows: list = field(default_factory=list)


class _Errors(list):
    """Collected errors; reported file by file (in the order given), line by line."""

    def add(self, name, line, message):
        self.append((name, line, message))

    def sorted(self) -> list[str]:
        files = list(dict.fromkeys(name for name, _line, _message in self))
        ordered = sorted(self, key=lambda error: (files.index(error[0]), error[1]))
        return [f"{name}:line {line}: {message}" for name, line, message in ordered]


def _source_name(source) -> str:
    if isinstance(source, (str, Path)):
        return str(source)
    return str(getattr(source, "name", "<input>"))


def _read_text(source, name, errors) -> str | None:
    try:
        data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source.read()
    except OSError as exc:
        errors.add(name, 1, _("cannot read the file: %(reason)s") % {"reason": exc.strerror or exc})
        return None
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            errors.add(name, _line_of_offset(data, exc.start), _("not UTF-8 text"))
            return None
    return data.removeprefix("\ufeff")


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _read_csv(source, columns, errors) -> _File:
    """Parse one CSV file; check its header and the number of fields of each row."""
    name = _source_name(source)
    result = _File(name)
    text = _read_text(source, name, errors)
    if text is None:
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            errors.add(name, 1, _("the file is empty; expected the header %(columns)s") % _cols(columns))
            return result
        header = [column.strip() for column in header]
        if sorted(header) != sorted(columns) or len(set(header)) != len(header):
            errors.add(
                name,
                1,
                _("the header is %(found)s; expected the columns %(columns)s")
                % {"found": ",".join(header), **_cols(columns)},
            )
            return result
        previous_end = reader.line_num
        for record in reader:
            # A quoted field may span lines: a row is numbered by the line it starts on.
            line, previous_end = previous_end + 1, reader.line_num
            if not record or all(not value.strip() for value in record):
                continue
            if len(record) != len(header):
                errors.add(
                    name,
                    line,
                    _("expected %(expected)d fields, found %(found)d")
                    % {"expected": len(header), "found": len(record)},
                )
                continue
            values = {column: value.strip() for column, value in zip(header, record)}
            result.rows.append(_Row(line, values))
    except csv.Error as exc:
        errors.add(name, reader.line_num, _("malformed CSV: %(reason)s") % {"reason": exc})
    return result


def _cols(columns):
    return {"columns": ",".join(columns)}


def _check_text(file, row, column, max_length, errors, required=True) -> bool:
    value = row.values[column]
    if required and not value:
        errors.add(file.name, row.line, _("%(column)s is empty") % {"column": column})
        return False
    if len(value) > max_length:
        errors.add(
            file.name,
            row.line,
            _("%(column)s %(value)s is longer than %(max)d characters")
            % {"column": column, "value": repr(value), "max": max_length},
        )
        return False
    return True


def _unique_rows(file, key, errors) -> dict:
    """Rows by key; an empty key or a key seen twice in one file is an error on that line."""
    seen = {}
    for row in file.rows:
        value = row.values[key]
        if not value:
            errors.add(file.name, row.line, _("%(column)s is empty") % {"column": key})
        elif value in seen:
            errors.add(
                file.name,
                row.line,
                _("%(column)s %(value)s appears again (first on line %(first)d)")
                % {"column": key, "value": repr(value), "first": seen[value].line},
            )
        else:
            seen[value] = row
    return seen


def _field_max(model, name) -> int:
    return model._meta.get_field(name).max_length


def _bad_choice(file, row, column, choices, errors) -> bool:
    value = row.values[column]
    if value in choices:
        return False
    errors.add(
        file.name,
        row.line,
        _("%(column)s %(value)s is not one of %(choices)s")
        % {"column": column, "value": repr(value), "choices": ", ".join(choices)},
    )
    return True


# --- reference data -------------------------------------------------------------------------


def _check_regions(file, errors) -> dict:
    """Validated region rows by code; parents may come from the file (any order) or the database."""
    rows = _unique_rows(file, "code", errors)
    valid = {}
    for code, row in rows.items():
        ok = _check_text(file, row, "code", _field_max(Region, "code"), errors)
        ok &= _check_text(file, row, "name", _field_max(Region, "name"), errors)
        if _bad_choice(file, row, "level", RegionLevel.values, errors):
            continue
        if ok:
            valid[code] = row

    parent_codes = {row.values["parent_code"] for row in valid.values()} | set(valid)
    in_db = dict(Region.objects.filter(code__in=parent_codes).values_list("code", "level"))
    final_level = {**in_db, **{code: row.values["level"] for code, row in valid.items()}}
    for code, row in list(valid.items()):
        level, parent_code = row.values["level"], row.values["parent_code"]
        expected = PARENT_LEVEL[RegionLevel(level)]
        message = None
        if expected is None and parent_code:
            message = _("a province has no parent, but parent_code is %(parent)s") % {
                "parent": repr(parent_code)
            }
        elif expected is not None and not parent_code:
            message = _("a %(level)s needs a parent_code (a %(expected)s)") % {
                "level": level,
                "expected": expected.value,
            }
        elif parent_code and parent_code not in final_level:
            message = _("parent_code %(parent)s is neither in this file nor in the database") % {
                "parent": repr(parent_code)
            }
        elif parent_code and final_level[parent_code] != expected:
            message = _(
                "parent_code %(parent)s is a %(found)s; the parent of a %(level)s must be a %(expected)s"
            ) % {
                "parent": repr(parent_code),
                "found": final_level[parent_code],
                "level": level,
                "expected": expected.value,
            }
        if message:
            errors.add(file.name, row.line, message)
            del valid[code]

    _check_level_changes(file, valid, in_db, errors)
    return valid


def _check_level_changes(file, valid, in_db, errors):
    """A region whose level changes must not strand children or accounts that no longer fit it."""
    changed = {
        code: row for code, row in valid.items() if code in in_db and in_db[code] != row.values["level"]
    }
    if not changed:
        return
    stranded = Region.objects.filter(parent__code__in=changed).exclude(code__in=valid)
    for child in stranded.select_related("parent"):
        row = changed[child.parent.code]
        errors.add(
            file.name,
            row.line,
            _("changing the level of %(code)s to %(level)s leaves its child %(child)s at the wrong level")
            % {"code": repr(child.parent.code), "level": row.values["level"], "child": repr(child.code)},
        )
    for user in User.objects.filter(region__code__in=changed).select_related("region"):
        allowed = ROLE_REGION_LEVELS.get(user.role)
        level = changed[user.region.code].values["level"]
        if allowed is not None and level not in allowed:
            errors.add(
                file.name,
                changed[user.region.code].line,
                _("changing the level of %(code)s to %(level)s does not fit the role of its user %(user)s")
                % {"code": repr(user.region.code), "level": level, "user": repr(user.username)},
            )


def _check_departments(file, region_codes, errors) -> dict:
    rows = _unique_rows(file, "code", errors)
    valid = {}
    for code, row in rows.items():
        ok = _check_text(file, row, "code", _field_max(Department, "code"), errors)
        ok &= _check_text(file, row, "name", _field_max(Department, "name"), errors)
        ok &= not _bad_choice(file, row, "level", DepartmentLevel.values, errors)
        if ok:
            valid[code] = row

    # Departments number in the hundreds: the whole tree fits in memory.
    db_parent = dict(Department.objects.values_list("code", "parent__code"))
    final_parent = {**db_parent, **{code: row.values["parent_code"] or None for code, row in rows.items()}}
    wanted_regions = {row.values["region_code"] for row in valid.values() if row.values["region_code"]}
    known_regions = region_codes | set(
        Region.objects.filter(code__in=wanted_regions).values_list("code", flat=True)
    )
    for code, row in list(valid.items()):
        parent_code, region_code = row.values["parent_code"], row.values["region_code"]
        message = None
        if parent_code and parent_code not in final_parent:
            message = _("parent_code %(parent)s is neither in this file nor in the database") % {
                "parent": repr(parent_code)
            }
        elif parent_code and _in_loop(code, final_parent):
            message = _("parent_code %(parent)s makes a loop of parent departments") % {
                "parent": repr(parent_code)
            }
        elif region_code and region_code not in known_regions:
            message = _("region_code %(region)s is neither in the regions file nor in the database") % {
                "region": repr(region_code)
            }
        if message:
            errors.add(file.name, row.line, message)
            del valid[code]
    return valid


def _in_loop(code, parent_of) -> bool:
    seen, node = {code}, parent_of.get(code)
    while node is not None:
        if node in seen:
            return True
        seen.add(node)
        node = parent_of.get(node)
    return False


def _check_apps(file, department_codes, errors) -> dict:
    rows = _unique_rows(file, "code", errors)
    owners = {row.values["owner_department_code"] for row in rows.values()}
    known = department_codes | set(Department.objects.filter(code__in=owners).values_list("code", flat=True))
    valid = {}
    for code, row in rows.items():
        ok = _check_text(file, row, "code", _field_max(App, "code"), errors)
        ok &= _check_text(file, row, "name", _field_max(App, "name"), errors)
        owner = row.values["owner_department_code"]
        if not owner:
            errors.add(file.name, row.line, _("%(column)s is empty") % {"column": "owner_department_code"})
            ok = False
        elif owner not in known:
            errors.add(
                file.name,
                row.line,
                _("owner_department_code %(code)s is neither in the departments file nor in the database")
                % {"code": repr(owner)},
            )
            ok = False
        if ok:
            valid[code] = row
    return valid


def _check_data_items(file, errors) -> dict:
    rows = _unique_rows(file, "code", errors)
    valid = {}
    for code, row in rows.items():
        ok = _check_text(file, row, "code", _field_max(DataItem, "code"), errors)
        ok &= _check_text(file, row, "name", _field_max(DataItem, "name"), errors)
        if ok:
            valid[code] = row
    return valid


def _blank_counts():
    return {"created": 0, "updated": 0, "unchanged": 0}


def _upsert(model, rows_by_code, fields_of, counts):
    """Create or update rows by code with bulk queries; tally created/updated/unchanged."""
    existing = model.objects.in_bulk(list(rows_by_code), field_name="code")
    new, changed, names = [], [], set()
    for code, row in rows_by_code.items():
        values = fields_of(row)
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
    counts["unchanged"] += len(rows_by_code) - len(new) - len(changed)


def _ids(model, codes) -> dict:
    return dict(model.objects.filter(code__in=codes).values_list("code", "pk"))


def _write_regions(rows, counts):
    for level in _LEVEL_ORDER:
        batch = {code: row for code, row in rows.items() if row.values["level"] == level}
        if not batch:
            continue
        parents = _ids(Region, {row.values["parent_code"] for row in batch.values()})
        _upsert(
            Region,
            batch,
            lambda row, parents=parents: {
                "name": row.values["name"],
                "level": row.values["level"],
                "parent_id": parents.get(row.values["parent_code"]),
            },
            counts,
        )


def _write_departments(rows, counts):
    before = {
        code: (name, level, region, parent)
        for code, name, level, region, parent in Department.objects.filter(code__in=rows).values_list(
            "code", "name", "level", "region__code", "parent__code"
        )
    }
    regions = _ids(Region, {row.values["region_code"] for row in rows.values()})
    # Parents in a second pass: a parent may be created in this same call, after its division.
    _upsert(
        Department,
        rows,
        lambda row: {
            "name": row.values["name"],
            "level": row.values["level"],
            "region_id": regions.get(row.values["region_code"]),
        },
        _blank_counts(),
    )
    parents = _ids(Department, {row.values["parent_code"] for row in rows.values()})
    _upsert(
        Department, rows, lambda row: {"parent_id": parents.get(row.values["parent_code"])}, _blank_counts()
    )
    for code, row in rows.items():
        values = row.values
        after = (
            values["name"],
            values["level"],
            values["region_code"] or None,
            values["parent_code"] or None,
        )
        if code not in before:
            counts["created"] += 1
        elif before[code] != after:
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1


def import_reference(*, regions=None, departments=None, apps=None, data_items=None) -> dict:
    """Upsert reference lists from CSV; return {kind: {"created", "updated", "unchanged"}}.

    Raise ImportFailed with every error, having written nothing, if any row is bad.
    """
    sources = {"regions": regions, "departments": departments, "apps": apps, "data_items": data_items}
    if all(source is None for source in sources.values()):
        raise ValueError("import_reference needs at least one file")
    columns = {
        "regions": REGION_COLUMNS,
        "departments": DEPARTMENT_COLUMNS,
        "apps": APP_COLUMNS,
        "data_items": DATA_ITEM_COLUMNS,
    }
    errors = _Errors()
    with transaction.atomic():
        files = {
            kind: _read_csv(source, columns[kind], errors)
            for kind, source in sources.items()
            if source is not None
        }
        valid = {}
        if "regions" in files:
            valid["regions"] = _check_regions(files["regions"], errors)
        if "departments" in files:
            region_codes = (
                {row.values["code"] for row in files["regions"].rows} if "regions" in files else set()
            )
            valid["departments"] = _check_departments(files["departments"], region_codes, errors)
        if "apps" in files:
            department_codes = (
                {row.values["code"] for row in files["departments"].rows} if "departments" in files else set()
            )
            valid["apps"] = _check_apps(files["apps"], department_codes, errors)
        if "data_items" in files:
            valid["data_items"] = _check_data_items(files["data_items"], errors)
        if errors:
            raise ImportFailed(errors.sorted())

        summary = {kind: _blank_counts() for kind in files}
        if "regions" in valid:
            _write_regions(valid["regions"], summary["regions"])
        if "departments" in valid:
            _write_departments(valid["departments"], summary["departments"])
        if "apps" in valid:
            owners = _ids(Department, {row.values["owner_department_code"] for row in valid["apps"].values()})
            _upsert(
                App,
                valid["apps"],
                lambda row: {
                    "name": row.values["name"],
                    "owner_id": owners[row.values["owner_department_code"]],
                },
                summary["apps"],
            )
        if "data_items" in valid:
            _upsert(
                DataItem, valid["data_items"], lambda row: {"name": row.values["name"]}, summary["data_items"]
            )
    return summary


# --- accounts -------------------------------------------------------------------------------


def _check_users(file, errors) -> dict:
    rows = _unique_rows(file, "username", errors)
    region_codes = {row.values["region_code"] for row in rows.values() if row.values["region_code"]}
    department_codes = {
        row.values["department_code"] for row in rows.values() if row.values["department_code"]
    }
    regions = Region.objects.in_bulk(list(region_codes), field_name="code")
    departments = Department.objects.in_bulk(list(department_codes), field_name="code")
    valid = {}
    for username, row in rows.items():
        values = row.values
        ok = _check_text(file, row, "username", _field_max(User, "username"), errors)
        ok &= _check_text(file, row, "display_name", _field_max(User, "display_name"), errors, required=False)
        if _bad_choice(file, row, "role", Role.values, errors):
            continue
        role = Role(values["role"])
        region = regions.get(values["region_code"])
        allowed = ROLE_REGION_LEVELS[role]
        if values["region_code"] and region is None:
            errors.add(
                file.name,
                row.line,
                _("region_code %(code)s is not in the database") % {"code": repr(values["region_code"])},
            )
            ok = False
        elif allowed is not None and region is None:
            errors.add(
                file.name,
                row.line,
                _("a %(role)s needs a region_code of a %(levels)s")
                % {"role": role.value, "levels": " or ".join(sorted(allowed))},
            )
            ok = False
        elif allowed is not None and region.level not in allowed:
            errors.add(
                file.name,
                row.line,
                _("region_code %(code)s is a %(level)s; a %(role)s belongs to a %(levels)s")
                % {
                    "code": repr(values["region_code"]),
                    "level": region.level,
                    "role": role.value,
                    "levels": " or ".join(sorted(allowed)),
                },
            )
            ok = False
        department_code = values["department_code"]
        if role == Role.DEPARTMENT_VIEWER and not department_code:
            errors.add(file.name, row.line, _("a department_viewer needs a department_code"))
            ok = False
        elif department_code and role != Role.DEPARTMENT_VIEWER:
            errors.add(
                file.name,
                row.line,
                _("department_code %(code)s is only for a department_viewer, not a %(role)s")
                % {"code": repr(department_code), "role": role.value},
            )
            ok = False
        elif department_code and department_code not in departments:
            errors.add(
                file.name,
                row.line,
                _("department_code %(code)s is not in the database") % {"code": repr(department_code)},
            )
            ok = False
        if values["password"]:
            try:
                validate_password(values["password"], User(username=username))
            except ValidationError as exc:
                errors.add(
                    file.name,
                    row.line,
                    _("password of %(user)s: %(reason)s")
                    % {"user": repr(username), "reason": " ".join(exc.messages)},
                )
                ok = False
        if ok:
            valid[username] = (row, region, departments.get(department_code))
    return valid


def import_users(users) -> dict:
    """Upsert accounts from CSV; return {"users": {"created", "updated", "unchanged"}}.

    The role decides staff rights (only `admin` is staff and superuser). An empty password makes a
    new account unusable until reset and leaves an existing account's password alone. Raise
    ImportFailed with every error, having written nothing, if any row is bad.
    """
    errors = _Errors()
    counts = _blank_counts()
    with transaction.atomic():
        file = _read_csv(users, USER_COLUMNS, errors)
        valid = _check_users(file, errors)
        if errors:
            raise ImportFailed(errors.sorted())
        existing = User.objects.in_bulk(list(valid), field_name="username")
        for username, (row, region, department) in valid.items():
            values = row.values
            is_admin = values["role"] == Role.ADMIN
            wanted = {
                "display_name": values["display_name"],
                "role": values["role"],
                "region": region,
                "department": department,
                "is_staff": is_admin,
                "is_superuser": is_admin,
            }
            user = existing.get(username)
            if user is None:
                user = User(username=username, **wanted)
                if values["password"]:
                    user.set_password(values["password"])
                else:
                    user.set_unusable_password()
                user.save()
                counts["created"] += 1
                continue
            dirty = any(getattr(user, name) != value for name, value in wanted.items())
            if values["password"] and not user.check_password(values["password"]):
                user.set_password(values["password"])
                dirty = True
            if dirty:
                for name, value in wanted.items():
                    setattr(user, name, value)
                user.save()
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
    return {"users": counts}
