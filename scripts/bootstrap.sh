# Sourced by start.sh and test.sh: makes .venv with Python 3.11+ and installs Stocktake into it,
# again only when pyproject.toml changed (a stamp file remembers), so later runs start at once.
# Usage: source scripts/bootstrap.sh; stocktake_bootstrap [dev]

pick_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "Stocktake needs Python 3.11 or newer; none was found on PATH." >&2
  return 1
}

stocktake_bootstrap() {
  local extra="${1:-}" venv="${STOCKTAKE_VENV:-.venv}" python want stamp have target
  if [ ! -x "$venv/bin/python" ]; then
    python=$(pick_python) || return 1
    echo "Creating the virtual environment in $venv with $($python --version)..."
    "$python" -m venv "$venv"
  fi
  want="$(sha256sum < pyproject.toml | cut -d' ' -f1)-${extra}"
  stamp="$venv/.stocktake-installed"
  have="$(cat "$stamp" 2>/dev/null || true)"
  if [ "$have" = "$want" ] || [ "$have" = "${want%-}-dev" ]; then
    return 0  # installed already (a dev install serves start.sh too)
  fi
  echo "Installing Stocktake${extra:+ with its $extra tools} into $venv (first run, or pyproject.toml changed)..."
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  if [ -n "$extra" ]; then target=".[$extra]"; else target="."; fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$target"
  echo "$want" > "$stamp"
}
