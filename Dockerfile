# JCHAT: one image for the six apps and the migration runner.
#
#   docker build -t jchat:local .                      (anywhere debian:trixie-slim can be pulled)
#   docker run jchat:local gateway|auth|conversations|messaging|presence|rbac|migrate
#
# Where npm's registry is reached through an intercepting proxy, pass its CA bundle as a build
# secret (BuildKit): --secret id=npm_ca,src=/etc/ssl/certs/ca-certificates.crt. Where no image
# registry is reachable, build the base first: deploy/base/build-base.sh (README, Deploy).
ARG BASE_IMAGE=debian:trixie-slim

# --- Debian 13 with its own Node.js 20 and tini: the runtime every later stage starts from.
FROM ${BASE_IMAGE} AS node
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'

# --- npm ci with every dependency (the build needs the dev ones: tsc, the prisma CLI).
FROM node AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# `prisma generate` runs at postinstall: it needs the schema and its config.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma/schema.prisma prisma/schema.prisma
RUN --mount=type=secret,id=npm_ca,required=false \
    --mount=type=cache,target=/root/.npm \
    if [ -s /run/secrets/npm_ca ]; then export npm_config_cafile=/run/secrets/npm_ca; fi \
 && npm ci --no-audit --no-fund --loglevel=warn \
 && test -f libs/db/src/generated/client.ts

# --- compile (tsc -> dist/), then drop the dev dependencies from node_modules.
FROM deps AS build
COPY tsconfig.base.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY apps apps
COPY libs libs
RUN node scripts/build.mjs
# The generated Prisma client is compiled into dist/; production needs @prisma/client's runtime
# only, not the prisma CLI (an optional peer of @prisma/client, hence --omit=optional: the only
# other optional package is pg-cloudflare, for Cloudflare Workers), and no install script runs.
# The client generated for PostgreSQL and the nodejs runtime (prisma/schema.prisma) loads one
# query compiler, query_compiler_fast_bg.postgresql: the ones for other databases go (-55 MB).
RUN npm prune --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=warn \
 && cd node_modules/@prisma/client/runtime \
 && test -f query_compiler_fast_bg.postgresql.js \
 && find . -name 'query_compiler_*' ! -name 'query_compiler_fast_bg.postgresql.*' -delete \
 && cd /src \
 && find node_modules dist -name '*.map' -delete \
 && find node_modules -mindepth 1 -maxdepth 1 -type d -empty -delete \
 && rm -rf node_modules/.cache node_modules/.package-lock.json dist/.tsbuildinfo

# --- the image: production dependencies, compiled code, migrations; runs as a non-root user.
FROM node AS runtime
RUN useradd --system --uid 10001 --user-group --home-dir /nonexistent --no-create-home \
    --shell /usr/sbin/nologin jchat
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY scripts/register-paths.cjs scripts/db-migrate.mjs ./scripts/
COPY scripts/lib/migrate.mjs ./scripts/lib/migrate.mjs
COPY prisma/migrations ./prisma/migrations
COPY deploy/docker/healthcheck.cjs deploy/docker/wait-migrations.mjs ./deploy/
COPY deploy/docker/jchat.sh /usr/local/bin/jchat
# The gateway listens on every interface inside a container; every service serves /metrics and
# its health on OBSERVABILITY_PORT.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    OBSERVABILITY_PORT=9464
USER 10001:10001
EXPOSE 8080 9464
# Readiness of whichever app runs here (jchat healthcheck: /health/ready of the app).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/jchat", "healthcheck"]
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/jchat"]
CMD ["gateway"]
