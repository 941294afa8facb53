#!/bin/sh
# First start of the compose file's PostgreSQL: the application's login, with row rights only (the schema
# owner, POSTGRES_USER, migrates and grants it what it needs: db/roles.ts, README "Security").
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v pw="$SETTLE_APP_DB_PASSWORD" <<'SQL'
create role settle_app with login nosuperuser nocreatedb nocreaterole noinherit password :'pw';
SQL
