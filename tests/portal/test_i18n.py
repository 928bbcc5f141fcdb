"""The Chinese catalogue is complete and the committed compiled catalogues are current.

Covers every helper's strings: after changing user-facing text, write the Chinese in
locale/zh_Hans/LC_MESSAGES/*.po (the one source), run `.venv/bin/python scripts/translate.py`
and commit the .po and .mo files.
"""

import pathlib

import polib
import pytest
from django.utils import translation

ROOT = pathlib.Path(__file__).resolve().parents[2]
CATALOGUES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))
CHINESE = [p for p in CATALOGUES if p.parts[-3] == "zh_Hans"]


def test_there_are_catalogues():
    assert any(p.name == "django.po" for p in CHINESE)


def test_the_catalogues_are_the_only_source_of_translations():
    """A second copy (the JSON files once kept beside the catalogues) drifts from the first."""
    copies = [p for p in (ROOT / "locale").rglob("*") if p.is_file() and p.suffix not in (".po", ".mo")]
    assert copies == []


@pytest.mark.parametrize("po_path", CHINESE, ids=lambda p: p.name)
def test_no_chinese_message_is_untranslated_or_fuzzy(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in po.fuzzy_entries() if not e.obsolete]
    assert untranslated == [], f"{len(untranslated)} untranslated in {po_path.name}: run scripts/translate.py"
    assert fuzzy == []


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: "/".join(p.parts[-3:]))
def test_the_committed_mo_equals_a_fresh_compile(po_path, tmp_path):
    fresh = tmp_path / "fresh.mo"
    polib.pofile(str(po_path)).save_as_mofile(str(fresh))
    committed = po_path.with_suffix(".mo")
    assert committed.exists(), f"{committed.name} is missing: run scripts/compile_messages.py"
    assert committed.read_bytes() == fresh.read_bytes(), (
        f"{committed} is stale: run scripts/compile_messages.py"
    )


def test_chinese_is_what_a_page_shows():
    with translation.override("zh-hans"):
        assert translation.gettext("Log in") == "登录"
        assert (
            translation.gettext("Hours must be more than 0 and at most 24.")
            == "耗时必须大于 0 且不超过 24 小时。"
        )
