#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1 (5432, 6379), the
# addresses UniFlow's defaults and its tests use. Installs them from Debian's
# packages when missing, starts them when stopped, creates the `uniflow`
# database for `make run`, and the database DATABASE_URL names when that URL
# points at this local server. Idempotent, and silent when everything is up.
#
# For a development machine or CI only: it may switch PostgreSQL to trust
# auth on loopback (see ensure_trust_auth). Production uses docker compose
# or a managed database instead.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_PORT=6379
DB_NAME=uniflow
WAIT_SECONDS=60

log() { echo "services: $*" >&2; }

# as_root runs a command as root: directly in CI (root), via sudo on a
# developer's machine.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		log "need root for: $*"
		return 1
	fi
}

apt_updated=
apt_install() {
	if [ -z "$apt_updated" ]; then
		log "apt-get update"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		apt_updated=1
	fi
	log "installing $*"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pg_up() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }
psql_pg() { psql -X -q -w -h "$PG_HOST" -p "$PG_PORT" -U postgres "$@"; }

wait_for() {
	local what=$1 check=$2 i
	for ((i = 0; i < WAIT_SECONDS * 2; i++)); do
		if "$check"; then return 0; fi
		sleep 0.5
	done
	log "$what did not become ready within ${WAIT_SECONDS}s"
	return 1
}

# The newest installed PostgreSQL version (Debian keeps configs per version).
pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }

start_postgres() {
	local v
	v=$(pg_version)
	if [ -z "$v" ]; then
		log "no PostgreSQL cluster under /etc/postgresql"
		return 1
	fi
	log "starting PostgreSQL $v"
	# Exit code 2 is "already running": then it is listening elsewhere or
	# still starting, and wait_for below tells which.
	as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start || [ $? -eq 2 ]
}

# A fresh Debian install asks for a password on TCP (scram-sha-256), while
# UniFlow's defaults and the tests connect as postgres over 127.0.0.1 without
# one. Trusting loopback is fine on a single-user dev or CI machine, never on
# a shared or production host.
ensure_trust_auth() {
	if psql_pg -d postgres -Atc 'SELECT 1' >/dev/null 2>&1; then return 0; fi
	local v hba
	v=$(pg_version)
	hba=/etc/postgresql/$v/main/pg_hba.conf
	if [ ! -f "$hba" ] || as_root grep -q '# uniflow: trust loopback' "$hba"; then
		log "cannot connect to PostgreSQL as postgres on $PG_HOST:$PG_PORT; check $hba"
		return 1
	fi
	log "allowing passwordless loopback connections in $hba (dev/CI only)"
	# First matching line wins, so ours go on top.
	as_root sed -i '1i # uniflow: trust loopback (local development and CI only)\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
	as_root pg_ctlcluster --skip-systemctl-redirect "$v" main reload
	wait_for "PostgreSQL (auth)" pg_auth_ok
}
pg_auth_ok() { psql_pg -d postgres -Atc 'SELECT 1' >/dev/null 2>&1; }

# ensure_database creates database $1 (a name checked by local_url_database or our own).
ensure_database() {
	if [ "$(psql_pg -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$1'")" != 1 ]; then
		log "creating database $1"
		psql_pg -d postgres -c "CREATE DATABASE \"$1\"" >/dev/null
	fi
}

# local_url_database prints the database a postgres:// URL names when the URL points at the
# server this script runs (127.0.0.1, localhost or ::1 on port 5432); nothing for another
# server, a URL without a database, or a key=value DSN. A name other than letters, digits, _
# and - is left to the operator rather than quoted into SQL. Never prints the URL: it may
# hold a password.
local_url_database() {
	local url=$1 re='^postgres(ql)?://([^@/]*@)?(\[::1\]|[^/:?@]*)(:([0-9]*))?/([^?#]*)([?#].*)?$'
	[ -n "$url" ] || return 0
	if ! [[ $url =~ $re ]]; then
		log "DATABASE_URL is not a postgres://host:port/database URL: not creating its database"
		return 0
	fi
	local host=${BASH_REMATCH[3]} port=${BASH_REMATCH[5]:-5432} db=${BASH_REMATCH[6]}
	case $host in
	'' | 127.0.0.1 | localhost | '[::1]') ;;
	*) return 0 ;; # another server: its database is its operator's business
	esac
	if [ "$port" != "$PG_PORT" ] || [ -z "$db" ]; then return 0; fi
	if ! [[ $db =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$ ]]; then
		log "DATABASE_URL names a database this script does not create (use letters, digits, _ and -, or create it yourself)"
		return 0
	fi
	echo "$db"
}

start_redis() {
	log "starting Redis"
	as_root mkdir -p /var/lib/redis /var/log/redis
	as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
		--save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
}

# --- PostgreSQL -------------------------------------------------------------
if ! command -v pg_ctlcluster >/dev/null || ! command -v psql >/dev/null || [ -z "$(pg_version)" ]; then
	apt_install postgresql postgresql-client
fi
if ! pg_up; then
	start_postgres
	wait_for "PostgreSQL on $PG_HOST:$PG_PORT (see port in /etc/postgresql/$(pg_version)/main/postgresql.conf)" pg_up
fi
ensure_trust_auth
ensure_database "$DB_NAME"
if url_db=$(local_url_database "${DATABASE_URL:-}") && [ -n "$url_db" ]; then
	ensure_database "$url_db"
fi

# --- Redis ------------------------------------------------------------------
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
	apt_install redis-server redis-tools
fi
if ! redis_up; then
	start_redis
	wait_for Redis redis_up
fi
