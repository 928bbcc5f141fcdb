"""The entry spec: every field of an entry in one table, with its type, bounds, choices, whether
it is required (for its kind), its default, label and help.

Everything that checks or describes an entry reads this table and nothing else: the services'
validation (`portal.services.normalize_row`, through `CHECKS`), the API's JSON type checks
(`json_type_errors`) and its OpenAPI schema (`portal.api.serializers.EntrySerializer`), the filing
form (`portal.forms.EntryForm`) and the spreadsheet import (`portal.week_import`: columns, enum
labels, yes/no cells). The rules themselves are DESIGN.md's entry table.

Text is read strictly: a date is exactly `YYYY-MM-DD` and numbers are plain decimals, in ASCII
digits with nothing around them ("2026-11-30\\n" and full-width "２０２６-11-30" are not dates), so
what the schema's pattern refuses the server refuses too.
"""

import dataclasses
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import (
    KIND_FIELDS,
    AppAction,
    DocChannel,
    Entry,
    InspectionLabel,
    Kind,
    MeetingFormat,
    MeetingRole,
)

# Field types.
ENUM, DATE, TEXT, HOURS, IDS, ID, BOOL, COUNT = "enum", "date", "text", "hours", "ids", "id", "bool", "count"

MAX_ID = 2**63 - 1  # a bigint primary key; a larger number would overflow the query
MAX_COUNT = 100_000
MAX_DAY_HOURS = Decimal(24)
MAX_BULK = 1000

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DATE_RE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_DECIMAL_RE = re.compile(r"\A[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")
_INT_RE = re.compile(r"\A[+-]?[0-9]+\Z")


@dataclasses.dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    label: str
    help: str
    kind: str | None = None  # the kind owning the field; None: every entry has it
    required: bool = False  # required (for its kind)
    choices: type | None = None  # a TextChoices class for ENUM
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    exclusive_minimum: bool = False
    decimals: int | None = None  # at most this many decimal places (HOURS)
    max_length: int | None = None  # TEXT
    min_items: int = 0  # IDS
    default: object = None  # the value of an empty optional field of the entry's kind
    reference: str | None = None  # ID/IDS: the table the ids name ("departments", "apps", "data_items")
    values: tuple = dataclasses.field(init=False, default=())

    def __post_init__(self):
        # Choices.values builds a new list on every access, and a 1,000-row batch asks ~18,000
        # times. A tuple, not a set: a JSON list or object as a value compares unequal instead of
        # raising "unhashable".
        if self.choices is not None:
            object.__setattr__(self, "values", tuple(self.choices.values))

    @property
    def nullable(self) -> bool:
        """Null in JSON: kind-specific fields are null for entries of other kinds."""
        return self.kind is not None


def _enum(name, choices, kind, label, help):
    return FieldSpec(name, ENUM, label, help, kind=kind, required=True, choices=choices)


def _bool(name, kind, label, help):
    return FieldSpec(name, BOOL, label, help, kind=kind, default=False)


def _count(name, kind, label, help):
    return FieldSpec(name, COUNT, label, help, kind=kind, minimum=0, maximum=MAX_COUNT, default=0)


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "kind",
        ENUM,
        gettext_lazy("Kind"),
        gettext_lazy("Meeting, document, inspection or app task."),
        required=True,
        choices=Kind,
    ),
    FieldSpec(
        "occurred_on",
        DATE,
        gettext_lazy("Date"),
        gettext_lazy("The day it happened; it decides the week. Not in the future."),
        required=True,
    ),
    FieldSpec(
        "title",
        TEXT,
        gettext_lazy("Title"),
        gettext_lazy("A short name, e.g. the meeting's or the notice's title."),
        required=True,
        max_length=Entry._meta.get_field("title").max_length,
    ),
    FieldSpec(
        "hours",
        HOURS,
        gettext_lazy("Hours"),
        gettext_lazy("Your own time including preparation and travel, e.g. 1.5. At most 24 a day."),
        required=True,
        minimum=Decimal(0),
        exclusive_minimum=True,
        maximum=MAX_DAY_HOURS,
        decimals=2,
    ),
    FieldSpec(
        "departments",
        IDS,
        gettext_lazy("Issuing departments"),
        gettext_lazy("The superior body that issued it. Pick several for a joint issuance."),
        required=True,
        min_items=1,
        minimum=1,
        maximum=MAX_ID,
        reference="departments",
    ),
    # meeting
    _enum(
        "meeting_format",
        MeetingFormat,
        Kind.MEETING,
        gettext_lazy("Meeting format"),
        gettext_lazy("In person, by video or by phone."),
    ),
    _enum(
        "meeting_role",
        MeetingRole,
        Kind.MEETING,
        gettext_lazy("Your role"),
        gettext_lazy("Accompanying: you sat in without a part to play."),
    ),
    _bool(
        "relayed",
        Kind.MEETING,
        gettext_lazy("Relayed level by level from above"),
        gettext_lazy(
            "The same meeting passed down level by level from above, "
            "“one pole straight to the bottom” (一竿子插到底)."
        ),
    ),
    _bool(
        "repeat_topic",
        Kind.MEETING,
        gettext_lazy("Theme already heard at another meeting"),
        gettext_lazy("You already heard the same theme at another meeting (a “nesting-doll” meeting)."),
    ),
    # document
    _enum(
        "doc_channel",
        DocChannel,
        Kind.DOCUMENT,
        gettext_lazy("How it arrived"),
        gettext_lazy(
            "Un-numbered notices, oral instructions (口头通知), chat messages and sticky notes "
            "are documents too: record them here."
        ),
    ),
    _count(
        "pages",
        Kind.DOCUMENT,
        gettext_lazy("Pages"),
        gettext_lazy("Length of the document, 0 if it was oral or a chat message."),
    ),
    _bool(
        "report_back",
        Kind.DOCUMENT,
        gettext_lazy("Demands a written report back"),
        gettext_lazy("It demands a written report, table or summary back."),
    ),
    # inspection
    _enum(
        "inspection_label",
        InspectionLabel,
        Kind.INSPECTION,
        gettext_lazy("Called"),
        gettext_lazy(
            "What it was called. An inspection in the name of “research” (以“调研”名义的检查) "
            "or “guidance” is still an inspection."
        ),
    ),
    _count(
        "materials_pages",
        Kind.INSPECTION,
        gettext_lazy("Pages of materials prepared"),
        gettext_lazy("Pages of ledgers, photos and materials you prepared for it."),
    ),
    _bool(
        "rectification",
        Kind.INSPECTION,
        gettext_lazy("Demanded a rectification"),
        gettext_lazy("It demanded a rectification."),
    ),
    _bool(
        "conflicting_demand",
        Kind.INSPECTION,
        gettext_lazy("Contradicts an earlier inspection"),
        gettext_lazy("It demanded the opposite of what an earlier inspection wanted."),
    ),
    # app task
    FieldSpec(
        "app",
        ID,
        gettext_lazy("App or platform"),
        gettext_lazy("The app, platform or work chat group that demanded the work."),
        kind=Kind.APP_TASK,
        required=True,
        minimum=1,
        maximum=MAX_ID,
        reference="apps",
    ),
    _enum(
        "app_action",
        AppAction,
        Kind.APP_TASK,
        gettext_lazy("What it made you do"),
        gettext_lazy("What the app made you do."),
    ),
    _bool(
        "duplicate_entry",
        Kind.APP_TASK,
        gettext_lazy("Data already submitted elsewhere"),
        gettext_lazy("The same data was already submitted elsewhere (重复填报)."),
    ),
    FieldSpec(
        "data_items",
        IDS,
        gettext_lazy("Data items"),
        gettext_lazy("The data items you filled in; they show which data is asked for again and again."),
        kind=Kind.APP_TASK,
        minimum=1,
        maximum=MAX_ID,
        default=(),
        reference="data_items",
    ),
)

SPEC = {f.name: f for f in FIELDS}
COMMON = [f for f in FIELDS if f.kind is None]
KIND_SPECIFIC = [f for f in FIELDS if f.kind is not None]
NAMES = [f.name for f in FIELDS]
TITLE_MAX = SPEC["title"].max_length
# The database's per-kind constraints are built from models.KIND_FIELDS: the table must agree.
assert {k: [f.name for f in KIND_SPECIFIC if f.kind == k] for k in Kind} == {
    k: list(v) for k, v in KIND_FIELDS.items()
}, "entry_spec.FIELDS and models.KIND_FIELDS disagree"


def of_type(*types) -> list[FieldSpec]:
    return [f for f in FIELDS if f.type in types]


# ---------------------------------------------------------------------------- reading values


_HUGE = 10**20  # stands for any longer number: past every bound here, and int() of thousands
# of digits raises ValueError (Python's limit on converting long strings)


def as_ascii_int(value: str):
    """int of an ASCII decimal string, or None ("²", "３" and "1_000" are not numbers here)."""
    if not _INT_RE.match(value):
        return None
    if len(value) > 21:
        return -_HUGE if value.startswith("-") else _HUGE
    return int(value)


def as_id(value):
    """A positive bigint id from an int, an ASCII digit string or a model instance; else None."""
    if isinstance(value, bool):
        return None
    if hasattr(value, "pk"):
        value = value.pk
    if isinstance(value, str):
        value = as_ascii_int(value)
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return value
    return None


def as_id_list(value):
    """De-duplicated ids (order kept), or None if the value is not a list of ids."""
    if value is None or isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        return None
    ids = [as_id(v) for v in value]
    if any(i is None for i in ids):
        return None
    return list(dict.fromkeys(ids))


def as_date(value):
    """A date from a date or an exact ASCII `YYYY-MM-DD` string; None otherwise."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE_RE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def as_decimal(value):
    """A finite Decimal from a number or a plain ASCII decimal string; None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        value = value.strip(" ")
        if not _DECIMAL_RE.match(value):
            return None
    elif not isinstance(value, (int, float, Decimal)):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def as_count(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return as_ascii_int(value.strip(" "))
    return None


def storable(text: str) -> bool:
    """No NUL (PostgreSQL refuses it) and no lone surrogate (not encodable as UTF-8)."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_empty(value) -> bool:
    return value is None or value == ""


def _check_enum(spec, value, lookups, today):
    if value in spec.values:
        return value, None
    if spec.name == "kind":
        return None, _("“%(value)s” is not a valid kind.") % {"value": value}
    return None, _("“%(value)s” is not a valid choice.") % {"value": value}


def _check_bool(spec, value, lookups, today):
    if value is True or value is False:
        return value, None
    return None, _("Must be true or false.")


def _check_count(spec, value, lookups, today):
    number = as_count(value)
    if number is None:
        return None, _("Enter a whole number.")
    if number < spec.minimum:
        return None, _("Must be 0 or more.")
    if number > spec.maximum:
        return None, _("At most %(max)d.") % {"max": spec.maximum}
    return number, None


def _check_date(spec, value, lookups, today):
    day = as_date(value)
    if day is None:
        return None, _("Enter a valid date (YYYY-MM-DD).")
    if day > today:
        return None, _("The date cannot be in the future.")
    return day, None


def _check_text(spec, value, lookups, today):
    if not isinstance(value, str) or not value.strip():
        return None, _("This field is required.")
    if not storable(value):
        return None, _("The text holds characters that cannot be stored.")
    value = value.strip()  # what is stored, and what a form's field (strip=True) would measure
    if len(value) > spec.max_length:
        return None, _("At most %(max)d characters.") % {"max": spec.max_length}
    return value, None


def _check_hours(spec, value, lookups, today):
    number = as_decimal(value)
    if number is None:
        return None, _("Enter a number of hours.")
    if number <= spec.minimum or number > spec.maximum:
        return None, _("Hours must be more than 0 and at most 24.")
    step = _STEPS[spec.decimals]
    if number != number.quantize(step):
        return None, _("Hours may have at most 2 decimal places.")
    return number.quantize(step), None


def _check_id(spec, value, lookups, today):
    pk = as_id(value)
    if pk is None or pk not in getattr(lookups, spec.reference):
        return None, _("Unknown app: %(id)s.") % {"id": value}
    return pk, None


def _check_ids(spec, value, lookups, today):
    ids = as_id_list(value)
    departments = spec.name == "departments"
    if ids is None:
        return None, _("Give a list of department ids.") if departments else _(
            "Give a list of data item ids."
        )
    known = getattr(lookups, spec.reference)
    unknown = [i for i in ids if i not in known]
    if unknown:
        message = _("Unknown department: %(ids)s.") if departments else _("Unknown data item: %(ids)s.")
        return None, message % {"ids": ", ".join(map(str, unknown))}
    if len(ids) < spec.min_items:
        return None, _("Name at least one issuing department.")
    return ids, None


_STEPS = {n: Decimal(1).scaleb(-n) for n in range(6)}
# How a non-empty value of each type is checked: (clean value, None) or (None, message).
CHECKS = {
    ENUM: _check_enum,
    BOOL: _check_bool,
    COUNT: _check_count,
    DATE: _check_date,
    TEXT: _check_text,
    HOURS: _check_hours,
    ID: _check_id,
    IDS: _check_ids,
}


def check_value(spec: FieldSpec, value, lookups, today):
    """(clean value, None) or (None, message) for a non-empty value of a field of the entry's kind.

    `lookups` has sets of existing ids named by each spec's `reference`; `today` bounds dates."""
    return CHECKS[spec.type](spec, value, lookups, today)


def required_message(spec: FieldSpec) -> str:
    if spec.name == "departments":
        return _("Name at least one issuing department.")
    return _("This field is required.")


def other_kind_message(spec: FieldSpec) -> str:
    return _("Only for entries of kind “%(kind)s”.") % {"kind": Kind(spec.kind).label}


# ---------------------------------------------------------------------------- JSON types (the API)


def _json_type_ok(spec: FieldSpec, value) -> str | None:
    """The message for a JSON value of the wrong type for `spec`, or None."""
    kind = spec.type
    if kind in (ENUM, TEXT, DATE):
        if not isinstance(value, str):
            return _("Must be a string.")
        if not storable(value):
            if "\x00" in value:
                return _("Null characters are not allowed.")
            return _("The text holds characters that cannot be stored.")
        if kind == DATE and not _DATE_RE.match(value):
            return _("Enter a valid date (YYYY-MM-DD).")
        return None
    if kind == HOURS:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _("Must be a number.")
        return None
    if kind == BOOL:
        return None if isinstance(value, bool) else _("Must be true or false.")
    if kind in (COUNT, ID):
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_ID:
            return _("Must be a whole number.")
        return None
    if kind == IDS:
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_ID for v in value
        ):
            return _("Give a list of ids.")
        return None
    return None


def json_type_errors(row) -> dict[str, list[str]]:
    """Errors by field where a JSON value has the wrong type for the spec (the API's schema
    promises JSON types; the services also take the form's and the import's text). Values
    themselves (bounds, choices, required fields, references, the daily total) are checked by
    portal.services through `check_value`. Null is left to the services (required or not)."""
    if not isinstance(row, dict):
        return {"non_field_errors": [_("Expected a JSON object.")]}
    errors = {}
    for name, value in row.items():
        spec = SPEC.get(name)
        if spec is None or value is None:
            continue
        message = _json_type_ok(spec, value)
        if message:
            errors[name] = [message]
    return errors


# ---------------------------------------------------------------------------- OpenAPI


def openapi_schema(spec: FieldSpec) -> dict:
    """The OpenAPI 3.0 schema of one field's JSON value (enums are left to DRF's ChoiceField,
    which names them as components)."""
    kind = spec.type
    if kind == DATE:
        schema = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    elif kind == TEXT:
        # No NUL: the API's JSON parser refuses it (PostgreSQL text cannot hold one).
        schema = {"type": "string", "minLength": 1, "maxLength": spec.max_length, "pattern": "^[^\\u0000]*$"}
    elif kind == HOURS:
        schema = {
            "type": "number",
            "format": "double",
            "minimum": float(spec.minimum),
            "exclusiveMinimum": spec.exclusive_minimum,
            "maximum": float(spec.maximum),
        }
    elif kind == BOOL:
        schema = {"type": "boolean"}
    elif kind in (COUNT, ID):
        schema = {"type": "integer", "minimum": spec.minimum, "maximum": spec.maximum}
        if kind == ID:
            schema["format"] = "int64"
    elif kind == IDS:
        item = {"type": "integer", "format": "int64", "minimum": spec.minimum, "maximum": spec.maximum}
        schema = {"type": "array", "items": item}
        if spec.min_items:
            schema["minItems"] = spec.min_items
    else:  # pragma: no cover - enums are DRF ChoiceFields
        raise AssertionError(kind)
    if spec.nullable:
        schema["nullable"] = True
    schema["description"] = str(spec.help)
    return schema
