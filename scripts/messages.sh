#!/usr/bin/env bash
# Interface translations. `scripts/messages.sh update` extracts every marked string into
# stocktake/locale/django.pot and merges it into each language's django.po;
# `scripts/messages.sh compile` writes the django.mo files Django reads (commit both).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
locale=stocktake/locale
languages=(fr ar)
case "${1:-}" in
  update)
    $bin/pybabel extract -F babel.cfg -k gettext_lazy -k gettext_noop -k pgettext_lazy:1c,2 \
      -k ngettext_lazy:1,2 --no-location --sort-output --project Stocktake -o "$locale/django.pot" --ignore-dirs="migrations tests" stocktake
    for lang in "${languages[@]}"; do
      if [ -f "$locale/$lang/LC_MESSAGES/django.po" ]; then
        $bin/pybabel update --no-fuzzy-matching -D django -i "$locale/django.pot" -d "$locale" -l "$lang"
      else
        $bin/pybabel init -D django -i "$locale/django.pot" -d "$locale" -l "$lang"
      fi
    done
    ;;
  compile)
    $bin/pybabel compile --statistics -D django -d "$locale"
    ;;
  *) echo "usage: scripts/messages.sh update|compile" >&2; exit 2 ;;
esac
