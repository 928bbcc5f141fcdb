"""Refresh the catalogues, fill in Chinese, compile; safe while others do the same.

    .venv/bin/python scripts/translate.py [new-pairs.json ...]

The zh_Hans .po catalogues are the one source of the Chinese text: translate a new message by
writing its msgstr in locale/zh_Hans/LC_MESSAGES/django.po (or djangojs.po) and run this script,
or pass JSON files of {"English msgid": "中文"} to fill many at once. Such a file is input only:
delete it afterwards, so no copy of the translations lives beside the catalogues.

Under an exclusive lock: runs makemessages (zh_Hans and en, django and djangojs domains), which
keeps every existing msgstr, applies the given pairs to the zh_Hans catalogues, drops fuzzy
guesses (they are never shown and would hide a missing translation), compiles every catalogue,
and lists the zh_Hans msgids still untranslated. Needs GNU gettext (apt-get install gettext).
"""

import fcntl
import json
import os
import pathlib
import subprocess
import sys

import polib

ROOT = pathlib.Path(__file__).resolve().parent.parent
LOCK = pathlib.Path("/tmp/burden-portal-messages.lock")
IGNORE = [
    "--ignore=.venv",
    "--ignore=staticfiles",
    "--ignore=static/vendor",
    "--ignore=tests/browser/vendor",
    "--ignore=var",
    "--ignore=bench",
]


def main(paths):
    translations = {}
    for path in paths:
        translations.update(json.loads(pathlib.Path(path).read_text(encoding="utf-8")))
    env = dict(os.environ, DEBUG="1")
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        (ROOT / "locale").mkdir(exist_ok=True)
        for domain in ("django", "djangojs"):
            subprocess.run(
                [
                    sys.executable,
                    "manage.py",
                    "makemessages",
                    "-d",
                    domain,
                    "-l",
                    "zh_Hans",
                    "-l",
                    "en",
                    "--no-obsolete",
                    "--no-location",  # the catalogues are edited by hand and merged: no line numbers
                    *IGNORE,
                ],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        missing = []
        for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
            po = polib.pofile(str(po_path))
            chinese = po_path.parts[-3] == "zh_Hans"
            for entry in po:
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                    entry.msgstr = ""
                    entry.previous_msgid = None
                    entry.previous_msgid_plural = None
                    entry.previous_msgctxt = None
                if chinese:
                    if entry.msgid in translations:
                        entry.msgstr = translations[entry.msgid]
                    if entry.msgid_plural and entry.msgid in translations:
                        entry.msgstr_plural = {0: translations[entry.msgid]}
                    if not entry.msgstr and not any(entry.msgstr_plural.values()):
                        missing.append(entry.msgid)
            po.save()
            po.save_as_mofile(str(po_path.with_suffix(".mo")))
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    print(f"{len(missing)} untranslated zh_Hans messages")


if __name__ == "__main__":
    main(sys.argv[1:])
