"""One table of hostile entry values, sent through the three ways in: the REST API (single and
bulk), the web filing form and the spreadsheet import. Each is refused by the same rule of
portal.entry_spec, with an error naming the field (the API's 400, the form's field error) or the
row and column (the import), and nothing is stored."""

import csv
import io
import json
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from portal import entry_spec
from portal.models import Entry
from portal.week_import import HEADER
from tests.api.conftest import client_for

API, FORM, IMPORT = "api", "form", "import"
ALL = (API, FORM, IMPORT)


@dataclass
class Case:
    name: str
    kind: str
    field: str
    api: object  # the JSON value
    text: object = ...  # what a form field or a spreadsheet cell holds; ... = str(api)
    channels: tuple = ALL  # the ways in that can carry the value at all

    def __post_init__(self):
        if self.text is ...:
            self.text = self.api if isinstance(self.api, str) else json.dumps(self.api)


BIG = str(2**63)  # one past the largest bigint id
CASES = [
    Case("date with a trailing newline", "meeting", "occurred_on", "2026-11-20\n"),
    Case("date in full-width digits", "meeting", "occurred_on", "２０２６-11-20"),
    Case("date with a full-width year only", "meeting", "occurred_on", "２０２６-１１-２０"),
    Case("date that does not exist", "meeting", "occurred_on", "2026-02-30"),
    Case("date in the future", "meeting", "occurred_on", "2026-11-23"),
    Case("date as a number", "meeting", "occurred_on", 20261120, channels=(API,)),
    Case("hours 0", "meeting", "hours", 0, "0"),
    Case("hours negative", "meeting", "hours", -1, "-1"),
    Case("hours NaN", "meeting", "hours", "NaN"),
    Case("hours Infinity", "meeting", "hours", "Infinity"),
    Case("hours huge", "meeting", "hours", 1e300, "1" + "0" * 300),
    Case("hours 3 decimals", "meeting", "hours", 1.234, "1.234"),
    Case("hours in full-width digits", "meeting", "hours", "１.５"),
    Case("hours as an exponent", "meeting", "hours", "1e1"),
    Case("hours as a boolean", "meeting", "hours", True, channels=(API,)),
    Case("title of 201 characters", "meeting", "title", "会" * 201),
    Case("title empty", "meeting", "title", ""),
    Case("title of spaces", "meeting", "title", "   "),
    Case("title with a NUL", "meeting", "title", "会\x00议"),
    Case("title as a number", "meeting", "title", 123, channels=(API,)),
    Case("flag as yes", "meeting", "relayed", "yes", "maybe"),
    Case("flag as 2", "meeting", "relayed", 2, "2"),
    Case("unknown enum value", "meeting", "meeting_format", "telepathy"),
    Case("enum of another field", "meeting", "meeting_role", "video"),
    Case("required enum missing", "meeting", "meeting_role", None, ""),
    Case("unknown kind", "party", "kind", "party", channels=(API, IMPORT)),
    Case("department id out of bounds", "meeting", "departments", [2**63], BIG),
    Case("department id 0", "meeting", "departments", [0], "0"),
    Case("department id negative", "meeting", "departments", [-1], "-1"),
    Case("unknown department", "meeting", "departments", [999999], "999999"),
    Case("departments empty", "meeting", "departments", [], ""),
    Case("departments as a string", "meeting", "departments", "1", channels=(API,)),
    Case("app id out of bounds", "app_task", "app", 2**64, str(2**64)),
    Case("unknown app", "app_task", "app", 999999, "999999"),
    Case("data item out of bounds", "app_task", "data_items", [2**63], BIG),
    Case("pages negative", "document", "pages", -3, "-3"),
    Case("pages over the bound", "document", "pages", entry_spec.MAX_COUNT + 1),
    Case("pages in full-width digits", "document", "pages", "３"),
    Case("pages a fraction", "document", "pages", 2.5, "2.5"),
    # A form shows only its kind's fields, so another kind's field cannot be posted through it.
    Case("pages of 5000 digits", "document", "pages", "9" * 5000, channels=(FORM, IMPORT)),
    Case("department id of 5000 digits", "meeting", "departments", ["9" * 5000], "9" * 5000),
    Case("app id of 5000 digits", "app_task", "app", "9" * 5000, channels=(FORM, IMPORT)),
    Case("a field of another kind", "meeting", "pages", 3, "3", channels=(API, IMPORT)),
]


KIND_TEXT = {
    "meeting": {"meeting_format": "video", "meeting_role": "participant", "relayed": "否"},
    "document": {"doc_channel": "unnumbered", "pages": "3"},
    "app_task": {"app_action": "data_entry"},
}


def _valid(w, kind):
    """A valid entry of the kind (a meeting for an unknown kind): JSON for the API, text cells
    for the form and the import."""
    own = kind if kind in KIND_TEXT else "meeting"
    api = w.entry_data(kind=own)
    api.update(occurred_on="2026-11-20", hours=1.5, departments=[w.dept_city.pk])
    row = {"kind": own, "occurred_on": "2026-11-20", "title": api["title"], "hours": "1.5"}
    row.update(departments=w.dept_city.code, **KIND_TEXT[own])
    if own == "app_task":
        row.update(app=w.app.code, data_items=w.item.code)
    api["kind"] = row["kind"] = kind
    return api, row


@pytest.fixture
def w(world, frozen):
    return world


def cases_through(channel):
    """The cases a channel can carry at all (a form cannot post a JSON number, say): the others
    are not generated, so a run has nothing to skip."""
    return pytest.mark.parametrize("case", [c for c in CASES if channel in c.channels], ids=lambda c: c.name)


@cases_through(API)
def test_the_api_refuses_it_naming_the_field(w, case):
    entry, _row = _valid(w, case.kind)
    entry[case.field] = case.api
    client = client_for(w.cadre)
    answer = client.post("/api/v1/entries/", entry, format="json")
    assert answer.status_code == 400, answer.content
    assert case.field in answer.json(), answer.json()
    good, _row = _valid(w, "meeting")
    answer = client.post("/api/v1/entries/bulk/", {"entries": [good, entry]}, format="json")
    assert answer.status_code == 400, answer.content
    assert list(answer.json()["entries"]) == ["1"] and case.field in answer.json()["entries"]["1"]
    assert not Entry.objects.exists()


@cases_through(FORM)
def test_the_filing_form_refuses_it_at_the_field(w, case):
    _entry, row = _valid(w, case.kind)
    data = {
        **row,
        "departments": [str(w.dept_city.pk)],
        "relayed": "on",
        "app": str(w.app.pk),
        "data_items": [str(w.item.pk)],
    }
    data.pop("kind")
    if case.field in ("departments", "data_items"):
        data[case.field] = [case.text] if case.text else []
    else:
        data[case.field] = case.text
    client = Client(raise_request_exception=False)
    client.force_login(w.cadre)
    url = reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": case.kind})
    answer = client.post(url, data)
    if answer.status_code == 400:  # a NUL anywhere in a request: refused before the view
        assert case.field in answer.content.decode()
    else:
        assert answer.status_code == 200
        assert answer.context["form"].errors.get(case.field), answer.context["form"].errors
    assert not Entry.objects.exists()


@cases_through(IMPORT)
def test_the_import_refuses_it_naming_the_row_and_column(w, case):
    _entry, good = _valid(w, "meeting")
    _entry, bad = _valid(w, case.kind)
    bad[case.field] = case.text
    columns = list(dict.fromkeys([*good, *bad]))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in (good, bad):
        writer.writerow([row.get(c, "") for c in columns])
    client = Client(raise_request_exception=False)
    client.force_login(w.cadre)
    upload = SimpleUploadedFile("week.csv", out.getvalue().encode())
    answer = client.post("/import/", {"file": upload})
    assert answer.status_code == 200
    problems = answer.context["problems"]
    assert problems and {number for number, _message in problems} == {3}, problems
    assert any(HEADER[case.field] in message for _number, message in problems), problems
    assert not Entry.objects.exists()


def test_a_title_of_200_characters_with_spaces_around_is_stored_trimmed_by_api_and_form(w):
    """The length is that of the stored, trimmed title: the form's field trims before it measures,
    and the API and the import measure the same way."""
    title = "  " + "会" * 200 + " "
    entry, row = _valid(w, "meeting")
    answer = client_for(w.cadre).post("/api/v1/entries/", {**entry, "title": title}, format="json")
    assert answer.status_code == 201, answer.content
    client = Client()
    client.force_login(w.cadre)
    data = {**row, "title": title, "departments": [str(w.dept_city.pk)]}
    data.pop("kind"), data.pop("relayed")  # the import's 否 is the form's unticked box
    answer = client.post(reverse("entry_add_kind", kwargs={"week": "2026-W47", "kind": "meeting"}), data)
    assert answer.status_code == 302, answer.context and answer.context["form"].errors
    assert list(Entry.objects.values_list("title", flat=True)) == ["会" * 200] * 2


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_json_number_literals_that_are_not_finite_are_refused(w, literal):
    entry, _row = _valid(w, "meeting")
    body = json.dumps({**entry, "hours": "HOURS"}).replace('"HOURS"', literal)
    answer = client_for(w.cadre).post("/api/v1/entries/", body, content_type="application/json")
    assert answer.status_code == 400
    assert not Entry.objects.exists()


def test_every_spec_field_is_a_form_field_and_an_import_column(w):
    """The form and the import template are made from the spec: nothing is left out."""
    from portal.forms import EntryForm
    from portal.week_import import COLUMNS

    for kind in entry_spec.SPEC["kind"].values:
        form = EntryForm(kind=kind)
        own = [s.name for s in entry_spec.FIELDS if s.kind in (None, kind) and s.name != "kind"]
        assert list(form.fields) == own
        title = form.fields["title"].widget.attrs["maxlength"]
        assert title == str(entry_spec.TITLE_MAX) == "200"
    assert set(entry_spec.NAMES) <= {field for field, _header in COLUMNS}


def test_every_label_and_help_of_the_spec_is_translated():
    """The spec's labels and help are the form's: each must be in the Chinese catalogue."""
    from django.utils import translation

    texts = [text for spec in entry_spec.FIELDS for text in (spec.label, spec.help)]
    with translation.override("en"):
        english = [str(text) for text in texts]
    with translation.override("zh-hans"):
        chinese = [str(text) for text in texts]
    assert not [e for e, c in zip(english, chinese) if e == c]
