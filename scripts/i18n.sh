#!/usr/bin/env bash
# Extract UI text, merge it into the pt_BR catalogue, compile. Run from the repository root.
set -euo pipefail
pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 --no-location -o /tmp/wms-messages.pot . >/dev/null 2>&1
pybabel update -i /tmp/wms-messages.pot -d wms/translations --no-fuzzy-matching --ignore-obsolete >/dev/null 2>&1
pybabel compile -d wms/translations --statistics 2>&1 | grep translated
