#!/bin/sh
# Install and start a PostgreSQL server on loopback for the test suite, then print its URL.
#
#   scripts/ci-postgres.sh            -> postgresql+psycopg://referral_builder:...@127.0.0.1:PORT/referral_builder_test
#   export TEST_DATABASE_URL="$(scripts/ci-postgres.sh)"
#
# Runs as root on a fresh Debian (CI, a developer's machine): installs Debian's `postgresql`
# when missing, creates a cluster when there is none, starts it listening on 127.0.0.1 only,
# and creates a role and a database owned by it (both kept when they exist already). Progress
# goes to stderr; stdout is the URL alone. The tests make a fresh schema inside this database
# for every test and drop it afterwards, so the database itself can be reused.
set -eu
ROLE=${PGROLE:-referral_builder}
DB=${PGDATABASE_NAME:-referral_builder_test}
PASSWORD=${PGPASSWORD_TEST:-referral-builder-test}

say() { echo "ci-postgres: $*" >&2; }

if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    say "run as root (or with sudo): it installs and starts PostgreSQL"; exit 1
fi

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    say "installing postgresql"
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        postgresql >&2
fi

VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if [ -z "$(pg_lsclusters -h 2>/dev/null | awk -v v="$VERSION" '$1 == v && $2 == "main"')" ]; then
    say "creating cluster $VERSION/main"
    $SUDO pg_createcluster "$VERSION" main >&2
fi
CONF=/etc/postgresql/$VERSION/main
# Loopback only: the test server never listens on a public interface.
$SUDO sed -i "s/^#*listen_addresses *=.*/listen_addresses = '127.0.0.1'/" "$CONF/postgresql.conf"
PORT=$(pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $3}')
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main"' | grep -q online; then
    say "starting cluster $VERSION/main on 127.0.0.1:$PORT"
    $SUDO pg_ctlcluster "$VERSION" main start >&2
fi

i=0
until $SUDO runuser -u postgres -- pg_isready -q -h 127.0.0.1 -p "$PORT"; do
    i=$((i + 1)); [ "$i" -lt 30 ] || { say "PostgreSQL did not start"; exit 1; }
    sleep 1
done

psql_admin() { $SUDO runuser -u postgres -- psql -q -p "$PORT" -v ON_ERROR_STOP=1 "$@"; }
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]; then
    say "creating role $ROLE"
    psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >&2
fi
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
    say "creating database $DB"
    psql_admin -c "CREATE DATABASE $DB OWNER $ROLE ENCODING 'UTF8' TEMPLATE template0" >&2
fi
echo "postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
