#!/usr/bin/env bash
# Create .venv with Python >= 3.12 and install the pinned dependencies. Safe to re-run: it does
# nothing when requirements.lock and pyproject.toml have not changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    local candidate
    for candidate in python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            command -v "$candidate"; return 0
        fi
    done
    # pyenv installs versions without putting them on PATH.
    local root="${PYENV_ROOT:-$HOME/.pyenv}"
    command -v pyenv >/dev/null 2>&1 && root="$(pyenv root)"
    for candidate in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V); do
        "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' && { echo "$candidate"; return 0; }
    done
    return 1
}

stamp=.venv/.installed
if [ -f "$stamp" ] && [ "$stamp" -nt requirements.lock ] && [ "$stamp" -nt pyproject.toml ]; then
    :  # up to date
else
    if [ ! -x .venv/bin/python ]; then
        python=$(find_python) || { echo "error: PeakData needs Python >= 3.12 (for Mesa 3.5); none found on PATH or under pyenv" >&2; exit 1; }
        echo "Creating .venv with $python"
        "$python" -m venv .venv
    fi
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r requirements.lock
    .venv/bin/python -m pip install --quiet --no-deps -e .
    touch "$stamp"
fi
