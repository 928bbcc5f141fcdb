"""Compile every locale/*/LC_MESSAGES/*.po to .mo with polib, so no gettext tools are needed.

The compiled catalogues are committed; tests/portal/test_i18n.py checks they are current.
"""

import pathlib

import polib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"compiled {po_path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
