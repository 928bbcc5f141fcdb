"""Loading a county's own reference lists and accounts from CSV (DESIGN.md "Loading real data").

This module only reads: it parses each file, checks what a CSV cell alone can tell (empty,
too long, not one of the choices, a key seen twice) and numbers the lines. The rules about the
data (the region tree, departments, apps, accounts' units) are portal.reference's, the same the
admin enforces; their problems come back here to be put on their file and line.

Every call is all or nothing across all of its files: every error of every file is collected
first; only when there is none is anything written, in one transaction. Rows are matched by
`code` (or `username`), so importing the same files twice changes nothing the second time.

Sources are paths or text file objects with a `.name` (seed_demo passes io.StringIO objects),
UTF-8 with or without a byte order mark. Errors read "file:line N: message" (a rule's message
after the column and value it is about), the header being line 1.
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import App, DataItem, Department, DepartmentLevel, Region, RegionLevel, Role, User
from portal.reference import (
    AppRow,
    DataItemRow,
    DepartmentRow,
    Invalid,
    RegionRow,
    UserRow,
    check,
    save_reference,
    save_users,
)

REGION_COLUMNS = ("code", "name", "level", "parent_code")
DEPARTMENT_COLUMNS = ("code", "name", "level", "parent_code", "region_code")
APP_COLUMNS = ("code", "name", "owner_department_code")
DATA_ITEM_COLUMNS = ("code", "name")
USER_COLUMNS = ("username", "password", "display_name", "role", "region_code", "department_code")


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


# --- from rows to the reference service ------------------------------------------------------

# The column that holds each field the reference service names in a Problem.
_COLUMN = {
    "level": "level",
    "parent": "parent_code",
    "region": "region_code",
    "owner": "owner_department_code",
    "role": "role",
    "department": "department_code",
    "password": "password",
}
# Where each kind of row comes from: its import_reference argument (or "users").
_SOURCE = {"region": "regions", "department": "departments", "app": "apps", "user": "users"}


def _report(problems, files, lines, errors):
    """Put each Problem of portal.reference on its file and line, under the column it is about."""
    for problem in problems:
        source = _SOURCE[problem.kind]
        row = lines[source][problem.key]
        column = _COLUMN[problem.field]
        value = row.values.get(column, "")
        # A password is never echoed, not even into an error on the operator's terminal.
        where = f"{column} {value!r}" if value and column != "password" else column
        errors.add(files[source].name, row.line, f"{where}: {problem.message}")


def _regions(file, errors):
    """Rows by code, and RegionRows for the reference service (level None: unreadable)."""
    rows = _unique_rows(file, "code", errors)
    proposed = []
    for code, row in rows.items():
        ok = _check_text(file, row, "code", _field_max(Region, "code"), errors)
        ok &= _check_text(file, row, "name", _field_max(Region, "name"), errors)
        ok &= not _bad_choice(file, row, "level", RegionLevel.values, errors)
        values = row.values
        proposed.append(
            RegionRow(code, values["level"] if ok else None, values["parent_code"], values["name"])
        )
    return rows, proposed


def _departments(file, errors):
    rows = _unique_rows(file, "code", errors)
    proposed = []
    for code, row in rows.items():
        ok = _check_text(file, row, "code", _field_max(Department, "code"), errors)
        ok &= _check_text(file, row, "name", _field_max(Department, "name"), errors)
        ok &= not _bad_choice(file, row, "level", DepartmentLevel.values, errors)
        values = row.values
        proposed.append(
            DepartmentRow(
                code,
                values["level"] if ok else None,
                values["parent_code"],
                values["region_code"],
                values["name"],
            )
        )
    return rows, proposed


def _apps(file, errors):
    rows = _unique_rows(file, "code", errors)
    proposed = []
    for code, row in rows.items():
        ok = _check_text(file, row, "code", _field_max(App, "code"), errors)
        ok &= _check_text(file, row, "name", _field_max(App, "name"), errors)
        ok &= _check_text(file, row, "owner_department_code", _field_max(Department, "code"), errors)
        if ok:
            proposed.append(AppRow(code, row.values["owner_department_code"], row.values["name"]))
    return rows, proposed


def _data_items(file, errors):
    rows = _unique_rows(file, "code", errors)
    proposed = []
    for code, row in rows.items():
        ok = _check_text(file, row, "code", _field_max(DataItem, "code"), errors)
        ok &= _check_text(file, row, "name", _field_max(DataItem, "name"), errors)
        if ok:
            proposed.append(DataItemRow(code, row.values["name"]))
    return rows, proposed


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
    parsers = {"regions": _regions, "departments": _departments, "apps": _apps, "data_items": _data_items}
    errors = _Errors()
    with transaction.atomic():
        files = {
            kind: _read_csv(source, columns[kind], errors)
            for kind, source in sources.items()
            if source is not None
        }
        lines, proposed = {}, {}
        for kind, file in files.items():
            lines[kind], proposed[kind] = parsers[kind](file, errors)
        try:
            if errors:
                # Still ask the reference service, so every error is reported at once.
                raise Invalid(
                    check(
                        regions=proposed.get("regions", ()),
                        departments=proposed.get("departments", ()),
                        apps=proposed.get("apps", ()),
                    )
                )
            return save_reference(**proposed)
        except Invalid as invalid:
            _report(invalid.problems, files, lines, errors)
            raise ImportFailed(errors.sorted()) from None


# --- accounts -------------------------------------------------------------------------------


def _users(file, errors):
    for row in file.rows:
        # As the admin's username field does: the same name however it was typed.
        row.values["username"] = User.normalize_username(row.values["username"])
    rows = _unique_rows(file, "username", errors)
    username_field = User._meta.get_field("username")
    proposed = []
    for username, row in rows.items():
        values = row.values
        ok = _check_text(file, row, "username", _field_max(User, "username"), errors)
        if ok:
            try:
                username_field.run_validators(username)
            except ValidationError as exc:
                errors.add(file.name, row.line, f"username {username!r}: {' '.join(exc.messages)}")
        _check_text(file, row, "display_name", _field_max(User, "display_name"), errors, required=False)
        bad_role = _bad_choice(file, row, "role", Role.values, errors)
        proposed.append(
            UserRow(
                username,
                None if bad_role else values["role"],
                values["region_code"],
                values["department_code"],
                values["display_name"],
                values["password"],
            )
        )
    return rows, proposed


def import_users(users) -> dict:
    """Upsert accounts from CSV; return {"users": {"created", "updated", "unchanged"}}.

    The role decides staff rights (only `admin` is staff and superuser). An empty password makes a
    new account unusable until reset and leaves an existing account's password alone. Raise
    ImportFailed with every error, having written nothing, if any row is bad.
    """
    errors = _Errors()
    with transaction.atomic():
        file = _read_csv(users, USER_COLUMNS, errors)
        lines, proposed = _users(file, errors)
        try:
            if errors:
                raise Invalid(check(users=proposed))
            return save_users(proposed)
        except Invalid as invalid:
            _report(invalid.problems, {"users": file}, {"users": lines}, errors)
            raise ImportFailed(errors.sorted()) from None
