"""Compile locale/*/LC_MESSAGES/*.po into .mo files without GNU gettext.

`make install` runs this so a fresh machine needs no gettext tools; Django's
compilemessages would need msgfmt.
"""

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def main() -> int:
    compiled = 0
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        catalogue = polib.pofile(str(po_path))
        catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
        compiled += 1
    print(f"Compiled {compiled} translation catalogue(s).")
    return 0 if compiled else 1


if __name__ == "__main__":
    sys.exit(main())
