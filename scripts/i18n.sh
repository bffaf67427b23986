#!/usr/bin/env bash
# Refresh the translation catalogues (src/garde/locale/{fr,en}/LC_MESSAGES/django.po) from the
# French source strings in templates and Python, then compile them to .mo files.
#
# French is the source language: fr/django.po keeps empty msgstr, except plural entries, whose
# msgstr[0]/msgstr[1] repeat the French singular/plural so that French plural rules apply
# (0 is singular). After running this script, open en/django.po and translate every NEW msgid
# (empty msgstr) and every entry marked "#, fuzzy" (msgmerge's guess from a similar string:
# check it, then delete the flag); fill any new plural entry of fr/django.po; then run this
# script again so the .mo files match. Check with:
#   msgfmt --check-format -o /dev/null --statistics src/garde/locale/en/LC_MESSAGES/django.po
# which should report only translated messages.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN="$ROOT/.venv/bin"
# Django needs a data directory to import the settings; keep it away from ./var.
export GARDE_DATA_DIR="${GARDE_DATA_DIR:-$(mktemp -d -t garde-i18n.XXXXXX)}"
export PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
export DJANGO_SETTINGS_MODULE=garde.settings

cd "$ROOT/src/garde"
"$BIN/django-admin" makemessages -l fr -l en -i "migrations/*" --no-obsolete
"$BIN/django-admin" compilemessages -l fr -l en

untranslated=$(msgattrib --untranslated --no-obsolete locale/en/LC_MESSAGES/django.po \
  | grep -c '^msgid ' || true)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete locale/en/LC_MESSAGES/django.po \
  | grep -c '^msgid ' || true)
# msgattrib prints the header entry too when anything is listed.
if [ "$untranslated" -gt 1 ] || [ "$fuzzy" -gt 1 ]; then
  echo "en/django.po needs work: translate the empty and fuzzy entries, then re-run $0" >&2
  exit 1
fi
echo "catalogues up to date"
