# Shared by scripts/run and scripts/test: make .venv and install the project into it.
# Re-installs only when pyproject.toml changed, so repeated runs start at once.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Slotbot needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=".venv/.slotbot-installed"
wanted="$(cksum pyproject.toml)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "Installing Slotbot and its dependencies into .venv ..." >&2
    if ! { .venv/bin/python -m pip install --quiet --upgrade pip &&
           .venv/bin/python -m pip install --quiet -e ".[test]"; } > .venv/install.log 2>&1; then
        cat .venv/install.log >&2
        echo "Installing the dependencies failed (log above, also in .venv/install.log)" >&2
        exit 1
    fi
    echo "$wanted" > "$stamp"
fi
