#!/usr/bin/env bash
# Create the project's Python environment (.venv) from the lock file, on a fresh machine.
#
# Why a script: Python >= 3.12 is needed (Mesa >= 3.4), and `python3` is 3.12 only inside this
# repository (pyenv reads .python-version). uv installs the locked dependencies; it is itself
# installed from PyPI into that interpreter if missing. uv never downloads a Python here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

py=""
for candidate in python3 python3.12 python3.13; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
    py="$(command -v "$candidate")"
    break
  fi
done
if [[ -z $py ]]; then
  echo "bootstrap: error: Python >= 3.12 not found (pyenv users: pyenv install 3.12)" >&2
  exit 1
fi
exe="$("$py" -c 'import sys; print(sys.executable)')"
if ! "$exe" -m uv --version >/dev/null 2>&1; then
  echo "bootstrap: installing uv into $exe"
  "$exe" -m pip install --quiet --disable-pip-version-check uv
fi
export UV_PYTHON_DOWNLOADS=never
"$exe" -m uv sync --locked --quiet --compile-bytecode --python "$exe"
echo "bootstrap: environment ready (.venv, $(.venv/bin/python --version))"
