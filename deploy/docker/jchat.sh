#!/bin/sh
# The JCHAT image's command (PID 1 is tini): `jchat APP` runs one app, `jchat migrate` applies
# the database migrations, `jchat wait-migrations` waits until they are applied, `jchat
# healthcheck` checks the app running in this container.
# Without an argument, $APP names the app.
set -eu
command="${1:-${APP:-}}"
[ "$#" -gt 0 ] && shift
cd /app
case "$command" in
  gateway | auth | conversations | messaging | presence | rbac)
    export APP="$command"
    exec node -r ./scripts/register-paths.cjs "dist/apps/$command/src/main.js" "$@"
    ;;
  migrate)
    exec node scripts/db-migrate.mjs "$@"
    ;;
  wait-migrations)
    exec node deploy/wait-migrations.mjs "$@"
    ;;
  healthcheck)
    exec node deploy/healthcheck.cjs "$@"
    ;;
  *)
    echo "usage: jchat gateway|auth|conversations|messaging|presence|rbac|migrate|wait-migrations|healthcheck" >&2
    echo "(or set APP to one of the apps)" >&2
    exit 64
    ;;
esac
