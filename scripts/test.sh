#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs the project with its test extras into .venv,
# installs the Debian packages some tests need (scripts/system-deps.sh: Chromium, Java), starts the
# servers the tests need (a throwaway PostgreSQL on loopback; Debian's package is installed when
# missing and we are root), runs pytest and the shipped policies' own tests, and
# stops what it started. Without a server its tests are skipped, saying why.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'

pgdir=$(mktemp -d)
cleanup() { bash scripts/postgres.sh stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$pgdir"; }
trap cleanup EXIT
if url=$(bash scripts/postgres.sh start "$pgdir"); then
  export AFTERSALE_TEST_POSTGRES="$url"
else
  echo "test.sh: PostgreSQL could not be started; its tests will be skipped" >&2
fi

.venv/bin/python -m pytest -q
.venv/bin/aftersale test policies/ --min-coverage 100
