"""Exports: the stats answers as files (CSV, Excel, JSON), streamed, per role, protected alike.

`GET /api/v1/exports/<dataset>.<csv|xlsx|json>?county=|region=|department=&period=`. Each dataset
is one reports.stats answer flattened to rows (its parts, then its total where it has one), so a
file never holds anything the answer does not. Permission is checked exactly as in the stats API
(role first: 403 whatever the parameters; then the subject's scope), then parameters (400).
Without a subject parameter the user's own unit is used (a cadre's or county reviewer's county,
a region reviewer's region, a department viewer's department).

Every file says that its figures are adjusted (reports.protection rule 2), in the reader's
language: JSON in its meta (`perturbed`, `as_of`, `note`), CSV and Excel as a final row whose first
column holds the note, after the total row.
"""

import codecs
import csv
import datetime as dt
import itertools
import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from portal import policy
from portal.entry_spec import MAX_ID
from portal.models import Role
from portal.spreadsheets import csv_value, xlsx_row
from reports import protection, stats, subjects
from reports.api.views import PERIOD_PARAMETER, DetailSerializer, parse_period
from reports.rollup import KINDS
from reports.templatetags.dashboards import as_of

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_COUNTY_ROLES = (Role.CADRE, Role.COUNTY_REVIEWER, Role.REGION_REVIEWER)
_MEASURES = [
    "suppressed",
    "reporters",
    *[f"entries_{k}" for k in KINDS],
    *[f"hours_{k}" for k in KINDS],
    "hours_total",
    "hours_per_reporter",
    "week_share",
    *stats.SHARE_FIELDS,
]


# Column headers people read (`?header=names`, the default) and sheet names; scripts ask for the
# field codes with `?header=codes`. Shares are formatted as percentages in Excel.
KIND_WORDS = {
    "meeting": gettext_lazy("meetings"),
    "document": gettext_lazy("documents"),
    "inspection": gettext_lazy("inspections"),
    "app_task": gettext_lazy("app tasks"),
}
COLUMN_LABELS = {
    "week": gettext_lazy("Week"),
    "township_code": gettext_lazy("Township code"),
    "township_name": gettext_lazy("Township"),
    "county_code": gettext_lazy("County code"),
    "county_name": gettext_lazy("County"),
    "department_id": gettext_lazy("Department id"),
    "department_code": gettext_lazy("Department code"),
    "department_name": gettext_lazy("Department"),
    "suppressed": gettext_lazy("Hidden (fewer than the minimum group)"),
    "reporters": gettext_lazy("Reporting cadres"),
    "reporter_weeks": gettext_lazy("Weekly logs"),
    "expected_logs": gettext_lazy("Weekly logs expected"),
    "completeness": gettext_lazy("Completeness"),
    "entries": gettext_lazy("Items"),
    "hours": gettext_lazy("Hours"),
    "hours_total": gettext_lazy("Hours in all"),
    "hours_per_reporter": gettext_lazy("Hours per cadre per week"),
    "week_share": gettext_lazy("Share of a 40-hour week"),
    "unnumbered_doc_share": gettext_lazy("Un-numbered notices"),
    "relayed_meeting_share": gettext_lazy("Relayed meetings"),
    "repeat_meeting_share": gettext_lazy("Repeated themes"),
    "accompanying_share": gettext_lazy("Accompanying meetings"),
    "disguised_inspection_share": gettext_lazy("Renamed inspections"),
    "duplicate_entry_share": gettext_lazy("Duplicate data entry"),
}
SHEET_NAMES = {
    "county-weeks": gettext_lazy("Weeks"),
    "county-townships": gettext_lazy("Townships"),
    "county-departments": gettext_lazy("Departments"),
    "region-counties": gettext_lazy("Counties"),
    "department-counties": gettext_lazy("Department by county"),
}
PERCENT_COLUMNS = {"week_share", "completeness", *stats.SHARE_FIELDS}
# Columns that are not measures: shown in a hidden row as they are.
_KEY_COLUMNS = {"week", "suppressed", "expected_logs"} | {
    f"{s}_{p}" for s in ("township", "county", "department") for p in ("code", "name", "id")
}


def column_label(code: str) -> str:
    """The header people read for a field code: entries_meeting -> 会议（件）, hours_meeting -> ..."""
    for prefix, label in (
        ("entries_", gettext_lazy("Items: %(kind)s")),
        ("hours_", gettext_lazy("Hours: %(kind)s")),
    ):
        kind = code.removeprefix(prefix)
        if code.startswith(prefix) and kind in KIND_WORDS:
            return str(label) % {"kind": KIND_WORDS[kind]}
    return str(COLUMN_LABELS.get(code, code))


def _readable(header, rows, notice: str):
    """Rows for people: a hidden row's measures read the notice, `suppressed` reads yes/no."""
    yes, no = str(_("yes")), str(_("no"))
    measures = [i for i, c in enumerate(header) if c not in _KEY_COLUMNS]
    at = header.index("suppressed") if "suppressed" in header else None
    for row in rows:
        if at is None or len(row) <= at or not isinstance(row[at], bool):
            yield row  # the note row
            continue
        row = list(row)
        if row[at]:
            for i in measures:
                row[i] = notice
        row[at] = yes if row[at] else no
        yield row


@dataclass(frozen=True)
class Dataset:
    roles: tuple
    subject: str  # "county", "region" or "department"
    selector: object
    columns: list  # leading key columns, then measures
    measures: list


DATASETS = {
    "county-weeks": Dataset(
        _COUNTY_ROLES,
        "county",
        stats.county_weeks,
        ["week"],
        [*_MEASURES[:2], "expected_logs", "completeness", *_MEASURES[2:]],
    ),
    "county-townships": Dataset(
        _COUNTY_ROLES,
        "county",
        stats.county_townships,
        ["township_code", "township_name"],
        [*_MEASURES[:2], "reporter_weeks", "expected_logs", "completeness", *_MEASURES[2:]],
    ),
    "county-departments": Dataset(
        _COUNTY_ROLES,
        "county",
        stats.county_departments,
        ["department_id", "department_code", "department_name"],
        ["suppressed", "reporters", "entries", *[f"entries_{k}" for k in KINDS], "hours"],
    ),
    "region-counties": Dataset(
        (Role.REGION_REVIEWER,),
        "region",
        stats.region_counties,
        ["county_code", "county_name"],
        [*_MEASURES[:2], "reporter_weeks", *_MEASURES[2:]],
    ),
    "department-counties": Dataset(
        (Role.DEPARTMENT_VIEWER, Role.REGION_REVIEWER),
        "department",
        stats.department_counties,
        ["county_code", "county_name"],
        ["suppressed", "reporters", "entries", "hours"],
    ),
}


def flatten(row: dict) -> dict:
    """One answer row as flat columns: {"hours": {"meeting": 1}} -> {"hours_meeting": 1}; the
    subject ({"code", "name"[, "id"]}) as <subject>_code, <subject>_name[, <subject>_id]."""
    flat = {}
    for key, value in row.items():
        if isinstance(value, dict):
            prefix = "entries" if key == "entries_by_kind" else key
            for inner, item in value.items():
                flat[f"{prefix}_{inner}"] = item
        elif value is None and key in ("entries", "hours", "entries_by_kind"):
            prefix = "entries" if key == "entries_by_kind" else key
            for kind in KINDS:
                flat.setdefault(f"{prefix}_{kind}", None)
            if key != "entries_by_kind":
                flat[key] = None
        else:
            flat[key] = value
    return flat


def note_of(answer: dict) -> str | None:
    """The one line a file carries when its figures are perturbed, in the reader's language."""
    return str(protection.ADJUSTED) if answer.get("perturbed") else None


def rows_of(dataset: Dataset, answer: dict, note: str | None = None) -> tuple[list[str], Iterator[list]]:
    """Header and rows of an answer: its parts, then (where the answer has one) its total, then
    (if given) the note as a row of its own, in the first column."""
    header = [*dataset.columns, *dataset.measures]
    # Translated now, in the request's language: the rows are generated while streaming.
    label = [_("Total"), *[""] * (len(dataset.columns) - 1)]

    def generate():
        for row in answer["results"]:
            flat = flatten(row)
            yield [flat.get(c) for c in header]
        total = answer.get("total")
        if total is not None:
            flat = flatten(total)
            yield [*label, *[flat.get(c) for c in dataset.measures]]
        if note:
            yield [note, *[None] * (len(header) - 1)]

    return header, generate()


class _Echo:
    def write(self, value):
        return value


def stream_csv(header, rows: Iterable[list]) -> Iterator[str]:
    """UTF-8 with a BOM so Excel on Chinese Windows opens it without mojibake."""
    writer = csv.writer(_Echo())
    yield codecs.BOM_UTF8.decode("utf-8") + writer.writerow([csv_value(v) for v in header])
    for row in rows:
        yield writer.writerow(["" if v is None else csv_value(v) for v in row])


def stream_json(meta: dict, header, rows: Iterable[list]) -> Iterator[str]:
    yield json.dumps(meta, ensure_ascii=False)[:-1] + ', "columns": ' + json.dumps(header) + ', "rows": ['
    for index, row in enumerate(rows):
        yield ("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]}\n"


def xlsx_file(title: str, header, rows: Iterable[list], title_block=(), codes=None):
    """A write-only workbook (rows go straight to disk), spooled in a temporary file: the title
    block's lines (one cell each), the header row (frozen), then the rows, shares formatted as
    percentages. Trailing empty cells are not written (the note row is one cell). `codes`: the
    field code of each column (the header may be in words)."""
    codes = codes or header
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    # Sensible widths: wide for names, narrower for numbers; Chinese characters count double.
    for index, (code, label) in enumerate(zip(codes, header, strict=True), start=1):
        words = sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(label))
        wide = 28 if code.endswith("_name") else 12
        sheet.column_dimensions[get_column_letter(index)].width = max(wide, min(words + 2, 30))
    sheet.freeze_panes = f"A{len(title_block) + 2}"
    for line in title_block:
        sheet.append(xlsx_row(sheet, [line]))
    sheet.append(xlsx_row(sheet, header))
    percent = {i for i, code in enumerate(codes) if code in PERCENT_COLUMNS}
    for row in rows:
        while row and row[-1] is None:
            row = row[:-1]
        # Text typed as text (formula-safe, portal.spreadsheets); shares as percentages.
        cells = xlsx_row(sheet, row)
        for i, value in enumerate(row):
            if i in percent and isinstance(value, float):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "0.0%"
                cells[i] = cell
        sheet.append(cells)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse closes it after streaming
    workbook.save(handle)
    handle.seek(0)
    return handle


HEADER_STYLES = ("names", "codes")


def _as_of_line(answer) -> str:
    when = as_of(answer.get("as_of"))
    return str(_("Data as of %(when)s (Beijing time)") % {"when": when}) if when else ""


def title_block(subject, period, answer) -> list[str]:
    """The lines above an Excel table people read: the subject, the period, the data's date and
    the perturbation note."""
    name = getattr(subject, "name", "")
    parent = getattr(getattr(subject, "parent", None), "name", "")
    lines = [
        " ".join(p for p in (parent, name) if p),
        str(_("Period: %(period)s") % {"period": period.label}),
        _as_of_line(answer),
        note_of(answer) or "",
        str(protection.NOTICE_EXPLAINED % {"n": answer["min_group"]}),
    ]
    return [line for line in lines if line]


def _subject(request, dataset: Dataset):
    """The dataset's subject from the query (or the user's own unit), scope-checked."""
    user = request.user
    params = request.query_params
    if dataset.subject == "county":
        code = params.get("county") or (getattr(policy.home_county(user), "code", None))
        if not code:
            raise ValidationError({"county": [_("Give a county code.")]})
        county = subjects.county_in_scope(user, code)
        return county, {}, [county.pk]
    if dataset.subject == "region":
        code = params.get("region") or (user.region.code if user.region_id else None)
        if not code:
            raise ValidationError({"region": [_("Give a region code.")]})
        region, county_ids = subjects.region_in_scope(user, code)
        return region, {}, county_ids
    raw = params.get("department") or (str(user.department_id) if user.department_id else "")
    if not raw:
        raise ValidationError({"department": [_("Give a department id.")]})
    department, counties = subjects.department_in_scope(user, raw)
    return department, {"counties": counties}, counties.values_list("pk", flat=True)


class _FirstRenderer(BaseContentNegotiation):
    """Files do not negotiate: a client asking for text/csv gets the file, and errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportView(APIView):
    permission_classes = [IsAuthenticated]
    content_negotiation_class = _FirstRenderer

    @extend_schema(
        parameters=[
            OpenApiParameter("dataset", OpenApiTypes.STR, OpenApiParameter.PATH, enum=sorted(DATASETS)),
            OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=sorted(FORMATS)),
            OpenApiParameter("county", OpenApiTypes.STR, description="County code (county datasets)."),
            OpenApiParameter("region", OpenApiTypes.STR, description="City or province code."),
            OpenApiParameter(
                "department",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                description="Department id (department datasets).",
            ),
            OpenApiParameter(
                "header",
                OpenApiTypes.STR,
                enum=list(HEADER_STYLES),
                description=(
                    "CSV and Excel: `names` (default) gives column headers and sheet names in the "
                    "reader's language, an Excel title block (subject, period, data as of, the "
                    "adjusted-figures note), percentages, and the notice in hidden rows; `codes` "
                    "gives the field codes and raw values, for scripts. JSON is unchanged."
                ),
            ),
            PERIOD_PARAMETER,
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
            (200, FORMATS["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY),
            # Errors are JSON whatever the file format asked for.
            (400, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description='Errors by parameter, e.g. {"period": ["..."]}.'
            ),
            (401, "application/json"): OpenApiResponse(DetailSerializer),
            (403, "application/json"): OpenApiResponse(
                DetailSerializer,
                description="The role may not read this dataset, or the subject is outside its scope.",
            ),
            (404, "application/json"): OpenApiResponse(
                DetailSerializer, description="No such dataset or subject."
            ),
        },
        description=(
            "A stats answer as a file, streamed; protected exactly as the answer, with a note that "
            "its figures are adjusted (JSON: in its meta; CSV and Excel: a final row)."
        ),
    )
    def get(self, request, dataset, fmt):
        spec = DATASETS.get(dataset)
        if spec is None or fmt not in FORMATS:
            raise Http404
        if not (policy.is_admin(request.user) or request.user.role in spec.roles):
            raise PermissionDenied(_("Your role may not read this answer."))
        raw_department = request.query_params.get("department")
        if raw_department and not (
            raw_department.isascii()
            and raw_department.isdigit()
            and len(raw_department) <= len(str(MAX_ID))
            and 0 < int(raw_department) <= MAX_ID
        ):
            # Checked for every dataset: the parameter is declared an integer for all of them.
            raise ValidationError({"department": [_("A department id is a whole number.")]})
        header_style = request.query_params.get("header", "names")
        if header_style not in HEADER_STYLES:
            raise ValidationError({"header": [_("Give header=names (the default) or header=codes.")]})
        subject, extra, county_ids = _subject(request, spec)
        period = parse_period(request)
        answer = stats.cached(spec.selector, subject, period, county_ids, **extra)
        note = note_of(answer)
        code = getattr(subject, "code", "")
        filename = f"{dataset}-{code}-{period.label}.{fmt}"
        readable = header_style == "names"
        if fmt in ("xlsx", "csv"):
            codes, rows = rows_of(spec, answer, note)
            header = [column_label(c) for c in codes] if readable else codes
            if readable:
                notice = str(protection.NOTICE % {"n": answer["min_group"]})
                rows = _readable(codes, rows, notice)
        if fmt == "xlsx":
            sheet = str(SHEET_NAMES[dataset]) if readable else dataset
            block = title_block(subject, period, answer) if readable else ()
            return FileResponse(
                xlsx_file(sheet, header, rows, block, codes),
                as_attachment=True,
                filename=filename,
                content_type=FORMATS["xlsx"],
            )
        if fmt == "csv":
            if readable:  # a table still, so the date goes in a last line, after the note
                rows = itertools.chain(rows, [[_as_of_line(answer)]])
            response = StreamingHttpResponse(stream_csv(header, rows), content_type=FORMATS["csv"])
        else:
            header, rows = rows_of(spec, answer)
            meta = {
                "dataset": dataset,
                "period": period.label,
                "min_group": answer["min_group"],
                "perturbed": answer["perturbed"],
                "as_of": answer.get("as_of"),
                "note": note,
                "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
            response = StreamingHttpResponse(stream_json(meta, header, rows), content_type=FORMATS["json"])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
