"""Import a week's entries from an XLSX or CSV file made from the downloadable template.

The template's headers are Chinese (the file format, not the page language); field codes are
accepted as headers too. Cells may hold codes or Chinese/English labels. The file is read in
full, every row is checked (here for what only a file has: names to look up, dates as text,
yes/no cells; then by portal.services for every entry rule) and every bad row is reported with
its row number (the header is row 1). Only a clean file is written, all rows at once, through
services.entries_bulk_create.
"""

import csv
import dataclasses
import datetime as dt
import io
import re
import threading
import time
import zipfile

import openpyxl
import openpyxl.reader.excel
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from portal import entry_spec, services
from portal.models import (
    App,
    DataItem,
    Department,
    DepartmentLevel,
)
from portal.spreadsheets import xlsx_row

MAX_BYTES = 5 * 1024 * 1024
# Reading budget per upload (see parse_upload): a full batch of 1,000 entries reads in well under
# a second, so these only stop files that are not a week's entries.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_SCANNED_ROWS = 5 * services.MAX_BULK + 1
READ_SECONDS = 5.0

# (field, Chinese header) in template order.
COLUMNS = [
    ("kind", "类型"),
    ("occurred_on", "日期"),
    ("title", "事项名称"),
    ("hours", "耗时（小时）"),
    ("departments", "发起部门"),
    ("joint_departments", "联合发起部门"),
    ("meeting_format", "会议形式"),
    ("meeting_role", "参会身份"),
    ("relayed", "层层传达"),
    ("repeat_topic", "主题重复"),
    ("doc_channel", "文件形式"),
    ("pages", "页数"),
    ("report_back", "要求书面报告"),
    ("inspection_label", "检查名义"),
    ("materials_pages", "材料页数"),
    ("rectification", "要求整改"),
    ("conflicting_demand", "与此前要求矛盾"),
    ("app", "应用"),
    ("app_action", "应用操作"),
    ("duplicate_entry", "重复填报"),
    ("data_items", "数据项"),
    ("more_data_items", "其他数据项"),
]
HEADER = dict(COLUMNS)
# Columns whose names join another field's: the template's drop-down columns hold one name
# each, so joint issuers and further data items have a column of their own.
MERGED = {"joint_departments": "departments", "more_data_items": "data_items"}
# Field lists from portal.entry_spec: the columns every row must have, and how cells are read.
REQUIRED = [spec.name for spec in entry_spec.COMMON if spec.required]
ENUMS = {spec.name: spec.choices for spec in entry_spec.of_type(entry_spec.ENUM)}
BOOLS = {spec.name for spec in entry_spec.of_type(entry_spec.BOOL)}
IDS = {spec.name for spec in entry_spec.of_type(entry_spec.IDS)}  # cells of names or codes
ID = {spec.name for spec in entry_spec.of_type(entry_spec.ID)}
TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
FALSE = {"否", "n", "no", "false", "0", "×", "无", ""}
SPLIT = re.compile(r"[;；、,，\n]+")
# Dates as text: 2026-11-18, 2026/11/18, 2026.11.18 or 2026年11月18日, in ASCII digits only
# (strptime would take full-width ones), spaces around allowed, nothing else.
DATE_TEXTS = [
    re.compile(rf"\A *([0-9]{{4}}){a}([0-9]{{1,2}}){b}([0-9]{{1,2}}){c} *\Z")
    for a, b, c in [("-", "-", ""), ("/", "/", ""), (r"\.", r"\.", ""), ("年", "月", "日")]
]

# The 说明 sheet. {placeholders} are filled from portal.entry_spec by template_notes().
NOTES = [
    ("类型", "必填。{kind}"),
    ("日期", "必填。如 2026-11-18；不能晚于今天；日期决定所属的周"),
    ("事项名称", "必填。简短名称，最多 {title_max} 字"),
    (
        "耗时（小时）",
        "必填。本人耗时（含准备和路途），大于 {hours_min} 且不超过 {hours_max}，"
        "最多 {hours_decimals} 位小数；同一天合计不超过 {hours_max}",
    ),
    ("发起部门", "必填。从下拉列表选一个部门（列表见“部门”表，只能选列表中的部门）；也可写部门代码"),
    (
        "联合发起部门",
        "联合发文时填写其余发起部门，多个用顿号隔开，如“衢州市民政局、柯城区委办公室”。"
        "可从下拉列表选一个；写多个时 Excel 会提示不在列表中，点“是”继续即可，导入时逐个核对名称",
    ),
    ("会议形式", "会议必填：{meeting_format}"),
    ("参会身份", "会议必填：{meeting_role}"),
    ("层层传达", "会议：是/否，层层传达、“一竿子插到底”"),
    ("主题重复", "会议：是/否，同一主题已在其他会议听过"),
    ("文件形式", "文件必填：{doc_channel}"),
    ("页数", "文件：页数，0 到 {pages_max} 的整数，默认 0"),
    ("要求书面报告", "文件：是/否"),
    ("检查名义", "督查检查必填：{inspection_label}"),
    ("材料页数", "督查检查：为此准备的台账材料页数，0 到 {materials_pages_max} 的整数，默认 0"),
    ("要求整改", "督查检查：是/否"),
    ("与此前要求矛盾", "督查检查：是/否"),
    ("应用", "政务应用任务必填：从下拉列表选一个应用（列表见“应用”表）；也可写应用代码"),
    ("应用操作", "政务应用任务必填：{app_action}"),
    ("重复填报", "政务应用任务：是/否，同样的数据已在别处填报过"),
    ("数据项", "政务应用任务：从下拉列表选一个数据项（列表见“数据项”表）；也可写数据项代码"),
    (
        "其他数据项",
        "政务应用任务：其余数据项，多个用顿号隔开；写多个时 Excel 会提示不在列表中，点“是”继续即可",
    ),
    ("下拉列表", "带下拉列表的列只接受列表中的值（联合发起部门、其他数据项两列除外），以免填错"),
    (
        "部门、应用、数据项",
        "“部门”表列出本县（市、区）可选的发起部门：中央部门，以及本省、本市、本县的部门；"
        "“应用”表列出这些部门的应用；“数据项”表列出全部数据项。列表随下载时的数据生成",
    ),
    ("重复导入", "与已记录事项完全相同的行不会被悄悄重复导入：上传时会先询问跳过、替换还是仍然导入"),
]


def template_notes() -> list[tuple[str, str]]:
    """The 说明 sheet's rows, with the choices, bounds and lengths of portal.entry_spec."""
    spec = entry_spec.SPEC
    with translation.override("zh-hans"):
        values = {name: " / ".join(str(label) for label in choices.labels) for name, choices in ENUMS.items()}
    values.update(
        title_max=spec["title"].max_length,
        hours_min=spec["hours"].minimum,
        hours_max=spec["hours"].maximum,
        hours_decimals=spec["hours"].decimals,
        pages_max=spec["pages"].maximum,
        materials_pages_max=spec["materials_pages"].maximum,
    )
    return [(column, text.format(**values)) for column, text in NOTES]


class ImportRejected(Exception):
    """The file was not imported; `problems` lists (row number or None, message)."""

    def __init__(self, problems):
        super().__init__(problems)
        self.problems = problems


# ---------------------------------------------------------------------------- template


def reference_lists(cadre):
    """The departments, apps and data items the template offers a cadre.

    Departments: those without a region (central) and those of the cadre's county, city and
    province; apps: those such a department owns; data items: all (they belong to no region).
    The import itself accepts any department, app or data item, as the filing form does."""
    chain = []
    try:
        _township, region = services.cadre_units(cadre)
    except PermissionDenied:
        region = None
    while region is not None:
        chain.append(region.pk)
        region = region.parent
    level_order = {value: i for i, value in enumerate(DepartmentLevel.values)}
    departments = sorted(
        Department.objects.filter(Q(region__isnull=True) | Q(region__in=chain)),
        key=lambda d: (level_order.get(d.level, len(level_order)), d.code),
    )
    apps = App.objects.filter(owner__in=[d.pk for d in departments]).select_related("owner")
    return departments, list(apps.order_by("code")), list(DataItem.objects.order_by("code"))


def _reference_sheet(book, title, headers, rows):
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8F0EC")
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    sheet.column_dimensions["A"].width = 36
    for letter in "BCD"[: len(headers) - 1]:
        sheet.column_dimensions[letter].width = 20
    sheet.freeze_panes = "A2"
    sheet.protection.sheet = True  # the drop-downs draw on it; no password, it only prevents slips
    return f"'{title}'!$A$2:$A${len(rows) + 1}" if rows else None


def _validation(formula, *, stop=True, what="值"):
    if stop:
        return DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop",
            errorTitle="不在列表中",
            error=f"请从下拉列表中选择{what}。",
        )
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="请核对",
        error=f"这不是列表中的一个{what}。写多个时用顿号隔开，名称须与列表一致；点“是”保留。",
    )


def template_xlsx(cadre) -> bytes:
    """The 填报 sheet with the Chinese headers and drop-downs, the 说明 sheet, and the lists of
    departments, apps and data items (for this cadre's county) that the drop-downs draw on."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "填报"
    sheet.append([header for _field, header in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8F0EC")
        sheet.column_dimensions[cell.column_letter].width = max(12, len(cell.value) * 2 + 4)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("说明")
    departments, apps, data_items = reference_lists(cadre)
    with translation.override("zh-hans"):
        levels = {value: str(label) for value, label in DepartmentLevel.choices}
    lists = {
        "departments": _reference_sheet(
            book,
            "部门",
            ["名称", "代码", "层级"],
            [[d.name, d.code, levels.get(d.level, d.level)] for d in departments],
        ),
        "app": _reference_sheet(
            book, "应用", ["名称", "代码", "所属部门"], [[a.name, a.code, a.owner.name] for a in apps]
        ),
        "data_items": _reference_sheet(
            book, "数据项", ["名称", "代码"], [[i.name, i.code] for i in data_items]
        ),
    }
    lists["joint_departments"] = lists["departments"]
    lists["more_data_items"] = lists["data_items"]
    what = {"departments": "部门", "joint_departments": "部门", "app": "应用"}
    last = services.MAX_BULK + 1
    with translation.override("zh-hans"):
        for index, (field, _header) in enumerate(COLUMNS, start=1):
            letter = openpyxl.utils.get_column_letter(index)
            if field in ENUMS:
                options = ",".join(str(label) for _value, label in ENUMS[field].choices)
                validation = _validation(f'"{options}"', what="选项")
            elif field in BOOLS:
                validation = _validation('"是,否"', what="“是”或“否”")
            elif lists.get(field):
                # One name per cell where a row names one; the merged columns hold several.
                stop = field not in MERGED
                validation = _validation(lists[field], stop=stop, what=what.get(field, "数据项"))
            else:
                continue
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{last}")
    notes.append(["列", "填写说明"])
    for row in template_notes():
        notes.append(list(row))
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 90
    for row in notes.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv() -> bytes:
    # A BOM so Excel opens the UTF-8 headers correctly.
    return ("\ufeff" + ",".join(header for _field, header in COLUMNS) + "\r\n").encode("utf-8")


# ---------------------------------------------------------------------------- reading


def parse_upload(upload) -> list[tuple[int, dict]]:
    """Read an uploaded file into (row number, {field: raw cell}) for every non-blank row.

    The file is read as a stream and given up as soon as it is plainly too big: more entries than
    a batch holds, too many rows scanned (blank ones included: a sheet without a dimension would
    otherwise be read whole), a workbook that unpacks to more than MAX_UNPACKED_BYTES, or more than
    READ_SECONDS spent. A 33 KB workbook can hold 200,000 rows; it must not hold a web worker."""
    if upload.size > MAX_BYTES:
        raise ImportRejected([(None, _("The file is larger than 5 MB."))])
    content = upload.read()
    name = (upload.name or "").lower()
    if name.endswith(".xlsx") or content[:2] == b"PK":
        table = _read_xlsx(content)
    elif name.endswith(".csv") or name.endswith(".txt"):
        table = _read_csv(content)
    else:
        raise ImportRejected([(None, _("Upload an .xlsx or .csv file made from the template."))])
    return _rows(_within_budget(table))


def _too_big():
    return ImportRejected(
        [
            (
                None,
                _(
                    "The file is too large to read: at most %(max)d entries, "
                    "without thousands of empty rows below them."
                )
                % {"max": services.MAX_BULK},
            )
        ]
    )


def _within_budget(rows):
    """The rows, stopping the upload once it scans too many or reads for too long."""
    deadline = time.monotonic() + READ_SECONDS
    for number, row in enumerate(rows, start=1):
        if number > MAX_SCANNED_ROWS:
            raise _too_big()
        if number % 200 == 0 and time.monotonic() > deadline:
            raise _too_big()
        yield row


def _read_xlsx(content):
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportRejected([(None, _("The file is not a readable XLSX workbook."))]) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise _too_big()
    try:
        book = _load_unsized(content)
    except Exception:  # openpyxl raises many kinds of errors for a damaged file
        raise ImportRejected([(None, _("The file is not a readable XLSX workbook."))]) from None
    sheet = book["填报"] if "填报" in book.sheetnames else book.worksheets[0]
    return _guarded(sheet.iter_rows(values_only=True))


class _UnsizedSheet(ReadOnlyWorksheet):
    """A read-only sheet that does not size itself. openpyxl sizes a sheet that has no
    <dimension> by parsing it whole before the first row is read (30 s of a web worker for a
    33 KB file of 200,000 rows); rows stream fine without it, and _rows() stops at the limit."""

    def _get_size(self):
        pass


_LOADING = threading.Lock()


def _load_unsized(content):
    # openpyxl builds its read-only sheets from this module global; swap it for the one load
    # (under a lock, so another thread's load cannot restore it midway).
    with _LOADING:
        original = openpyxl.reader.excel.ReadOnlyWorksheet
        openpyxl.reader.excel.ReadOnlyWorksheet = _UnsizedSheet
        try:
            return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        finally:
            openpyxl.reader.excel.ReadOnlyWorksheet = original


def _guarded(rows):
    # read_only workbooks parse the sheet lazily, so a damaged sheet fails only while reading.
    try:
        for row in rows:
            yield list(row)
    except ImportRejected:
        raise
    except Exception:
        raise ImportRejected([(None, _("The file is not a readable XLSX workbook."))]) from None


def _read_csv(content):
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK by default
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected([(None, _("The CSV file is neither UTF-8 nor GBK text."))])
    return _csv_rows(text)


def _csv_rows(text):
    try:
        yield from csv.reader(io.StringIO(text))
    except csv.Error:  # e.g. a cell longer than the csv module's field limit
        raise ImportRejected([(None, _("The CSV file could not be read as a table."))]) from None


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _rows(table):
    """Rows below the header as (row number, {field: cell}); stops at the first row past the
    batch limit instead of reading on."""
    header = next(table, None)
    if header is None or all(_blank(v) for v in header):
        raise ImportRejected([(1, _("The first row must hold the template's column headers."))])
    by_header = {header: field for field, header in COLUMNS} | {field: field for field, _h in COLUMNS}
    fields, unknown = [], []
    for value in header:
        name = "" if value is None else str(value).strip()
        if not name:
            fields.append(None)
        elif name in by_header:
            fields.append(by_header[name])
        else:
            fields.append(None)
            unknown.append(name)
    problems = [(1, _("Unknown column: %(name)s.") % {"name": name}) for name in unknown]
    missing = [HEADER[f] for f in REQUIRED if f not in fields]
    if missing:
        problems.append((1, _("Missing column: %(names)s.") % {"names": "、".join(missing)}))
    if problems:
        raise ImportRejected(problems)
    rows = []
    for number, values in enumerate(table, start=2):
        if all(_blank(v) for v in values):
            continue
        if len(rows) == services.MAX_BULK:
            raise ImportRejected(
                [(None, _("At most %(max)d entries per file.") % {"max": services.MAX_BULK})]
            )
        raw = {field: value for field, value in zip(fields, values) if field is not None}
        rows.append((number, raw))
    if not rows:
        raise ImportRejected([(None, _("The file has no entries below the header."))])
    return rows


# ---------------------------------------------------------------------------- converting


class _Names:
    """Reference rows by name and by code, fetched once per file."""

    def __init__(self):
        def index(model):
            found = {}
            for pk, code, name in model.objects.values_list("pk", "code", "name"):
                found[name.strip()] = pk
                found[code.strip().lower()] = pk
            return found

        self.departments = index(Department)
        self.apps = index(App)
        self.data_items = index(DataItem)
        self.enums = {}
        for field, choices in ENUMS.items():
            labels = {}
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    labels.update({str(label).strip().lower(): value for value, label in choices.choices})
            labels.update({value: value for value in choices.values})
            self.enums[field] = labels


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _lookup(table, token):
    return table.get(token) or table.get(token.lower())


def _convert(raw: dict, names: _Names):
    """One row's cells as a services row; errors for cells that cannot be read."""
    data, errors = {}, {}
    for field, value in raw.items():
        text = _text(value)
        if field in ENUMS:
            if text:
                found = names.enums[field].get(text.lower())
                if found is None:
                    message = (
                        _("“%(value)s” is not a valid kind.")
                        if field == "kind"
                        else _("“%(value)s” is not a valid choice.")
                    )
                    errors[field] = [message % {"value": text}]
                else:
                    data[field] = found
        elif field == "occurred_on":
            day = _as_date(value)
            if day is None and text:
                errors[field] = [_("Enter a valid date (YYYY-MM-DD).")]
            elif day is not None:
                data[field] = day
        elif field in IDS or field in MERGED:
            target = MERGED.get(field, field)
            tokens = [t.strip() for t in SPLIT.split(text) if t.strip()]
            table = names.departments if target == "departments" else names.data_items
            ids = [_lookup(table, t) for t in tokens]
            unknown = [t for t, pk in zip(tokens, ids) if pk is None]
            if unknown:
                message = (
                    _("Unknown department: %(ids)s.")
                    if target == "departments"
                    else _("Unknown data item: %(ids)s.")
                )
                errors[field] = [message % {"ids": "、".join(unknown)}]
            elif ids:
                # A joint issuer's column adds to the department column (and likewise data items).
                data[target] = list(dict.fromkeys([*data.get(target, []), *ids]))
        elif field in ID:
            if text:
                pk = _lookup(names.apps, text)
                if pk is None:
                    errors[field] = [_("Unknown app: %(id)s.") % {"id": text}]
                else:
                    data[field] = pk
        elif field in BOOLS:
            if isinstance(value, bool):
                data[field] = value
            elif text.lower() in TRUE:
                data[field] = True
            elif text.lower() in FALSE:
                if text:
                    data[field] = False
            else:
                errors[field] = [_("Write 是 (yes) or 否 (no).")]
        elif text:
            data[field] = text  # title, hours and page counts: services check them
    # An empty cell of another kind's column is not a value for that kind.
    return data, errors


def _as_date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return from_excel(value).date()  # a date cell formatted as a number
        except (ValueError, OverflowError, TypeError):
            return None
    if not isinstance(value, str):
        return None
    for pattern in DATE_TEXTS:
        match = pattern.match(value)
        if match:
            try:
                return dt.date(*map(int, match.groups()))
            except ValueError:
                return None
    return None


def _problem(number, field, message):
    if field in HEADER:
        return (
            number,
            _("Row %(row)d, %(column)s: %(message)s")
            % {
                "row": number,
                "column": HEADER[field],
                "message": message,
            },
        )
    return (number, _("Row %(row)d: %(message)s") % {"row": number, "message": message})


def _problems(numbers, row_errors):
    order = {field: i for i, (field, _h) in enumerate(COLUMNS)}
    problems = []
    for index, field_errors in sorted(row_errors.items()):
        for field in sorted(field_errors, key=lambda f: order.get(f, len(order))):
            problems.extend(_problem(numbers[index], field, m) for m in field_errors[field])
    return problems


def prepare(rows) -> "Pending":
    """Convert parsed rows for portal.services and check them on their own (every entry rule,
    and the 24-hours-a-day rule within the file); raise ImportRejected listing each bad row."""
    names = _Names()
    numbers = [number for number, _raw in rows]
    converted = [_convert(raw, names) for _number, raw in rows]
    data = [d for d, _e in converted]
    errors = {i: e for i, (_d, e) in enumerate(converted) if e}
    # Check the readable rows against every entry rule too, so one upload reports everything;
    # a cell that could not be read keeps its own message instead of the service's "required".
    for index, field_errors in services.check_batch(data).items():
        own = errors.setdefault(index, {})
        for field, messages in field_errors.items():
            own.setdefault(field, messages)
    if errors:
        raise ImportRejected(_problems(numbers, errors))
    for row in data:
        if isinstance(row.get("occurred_on"), dt.date):
            row["occurred_on"] = row["occurred_on"].isoformat()  # JSON, for the signed payload
    return Pending(numbers, data)


def read_upload(upload) -> "Pending":
    return prepare(parse_upload(upload))


def import_pending(cadre, pending: "Pending", on_existing=None) -> services.ImportResult:
    """Write a checked file through services.entries_import. Rows identical to entries already
    logged and no choice yet: raise AlreadyImported, having written nothing."""
    try:
        return services.entries_import(cadre=cadre, rows=pending.data, on_existing=on_existing)
    except services.AlreadyLogged as exc:
        raise AlreadyImported(_question(cadre, pending, exc)) from None
    except services.BulkValidationError as exc:
        raise ImportRejected(_problems(pending.numbers, exc.errors)) from None
    except ValidationError as exc:
        raise ImportRejected([(None, m) for msgs in exc.message_dict.values() for m in msgs]) from None


def ask(cadre, pending: "Pending") -> "Question | None":
    """The question import_pending would raise now, or None (e.g. after a refused answer)."""
    try:
        found = services.import_check(cadre, pending.data)
    except services.BulkValidationError:
        return None
    return _question(cadre, pending, found) if found else None


def result_message(result: services.ImportResult) -> str:
    """What the import did, in one sentence."""
    created = len(result.created)
    if result.deleted:
        return _("Deleted the %(deleted)d entries logged in %(weeks)s and imported %(n)d.") % {
            "deleted": result.deleted,
            "weeks": "、".join(result.weeks),
            "n": created,
        }
    if result.skipped and created:
        return _("Imported %(n)d entries and skipped %(skipped)d already logged.") % {
            "n": created,
            "skipped": len(result.skipped),
        }
    if result.skipped:
        return _("Nothing was imported: all %(skipped)d rows are already logged.") % {
            "skipped": len(result.skipped)
        }
    if result.matched:
        return _("Imported %(n)d entries, %(matched)d of them the same as entries already logged.") % {
            "n": created,
            "matched": len(result.matched),
        }
    return _("Imported %(n)d entries.") % {"n": created}


# ---------------------------------------------------------------------------- the question


SIGNING_SALT = "portal.week_import.pending"
PENDING_MAX_AGE = 60 * 60  # seconds a read file waits for the cadre's answer


@dataclasses.dataclass
class Pending:
    """A checked file: its row numbers and its rows as portal.services takes them (JSON)."""

    numbers: list[int]
    data: list[dict]

    def sign(self, cadre) -> str:
        """The rows for a hidden field, signed and compressed; bound to the cadre."""
        payload = {"cadre": cadre.pk, "numbers": self.numbers, "rows": self.data}
        return signing.dumps(payload, salt=SIGNING_SALT, compress=True)

    @classmethod
    def unsign(cls, cadre, token: str) -> "Pending":
        """The rows of `sign`; refuse anything altered, expired or made for another account."""
        message = _("The import data was altered or damaged, so nothing was imported. Upload the file again.")
        altered = ImportRejected([(None, message)])
        try:
            payload = signing.loads(token, salt=SIGNING_SALT, max_age=PENDING_MAX_AGE)
        except signing.SignatureExpired:
            raise ImportRejected(
                [(None, _("The uploaded file waited more than an hour for an answer. Upload it again."))]
            ) from None
        except (signing.BadSignature, ValueError):  # ValueError: not even base64/zlib/JSON
            raise altered from None
        if not isinstance(payload, dict) or payload.get("cadre") != cadre.pk:
            raise altered
        numbers, rows = payload.get("numbers"), payload.get("rows")
        if not (isinstance(numbers, list) and isinstance(rows, list) and rows and len(numbers) == len(rows)):
            raise altered
        return cls(numbers, rows)


@dataclasses.dataclass
class Question:
    """Rows of an upload identical to entries already logged, and what each answer would do."""

    token: str  # the signed rows, for the answer's hidden field
    total: int  # rows in the file
    matched: int  # rows identical to a logged entry
    by_week: list[tuple[str, int, str]]  # (week, matching rows, their row numbers as text)
    weeks: list[str]  # the weeks the file's rows fall in
    in_weeks: int  # entries the cadre has in those weeks: what "replace" deletes

    @property
    def new(self) -> int:
        return self.total - self.matched

    @property
    def weeks_text(self) -> str:
        return "、".join(self.weeks)


class AlreadyImported(Exception):
    """Nothing was written: some rows are already logged and the cadre must choose."""

    def __init__(self, question: Question):
        super().__init__(question)
        self.question = question


def _question(cadre, pending, found: services.AlreadyLogged) -> Question:
    rows_by_week = {}
    for index, week in sorted(found.matches.items()):
        rows_by_week.setdefault(week, []).append(pending.numbers[index])
    return Question(
        token=pending.sign(cadre),
        total=len(pending.data),
        matched=len(found.matches),
        by_week=[(week, len(numbers), _ranges(numbers)) for week, numbers in sorted(rows_by_week.items())],
        weeks=found.weeks,
        in_weeks=found.in_weeks,
    )


def _ranges(numbers) -> str:
    """[2, 3, 4, 7] -> "2–4、7"."""
    parts, start, previous = [], None, None
    for number in [*sorted(numbers), None]:
        if start is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}–{previous}")
        start = previous = number
    return "、".join(parts)
