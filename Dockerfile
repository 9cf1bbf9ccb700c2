# tufwatch: the monitoring service (`tufwatch serve`) on Node 22 LTS.
#
#   docker build -t tufwatch .
#   docker run -d -p 8080:8080 -v tufwatch-data:/data -v tufwatch-state:/var/lib/tufwatch \
#     -e TUFWATCH_API_TOKENS=<a token of 16+ characters> tufwatch
#
# Without a config of its own, it monitors Fleet's repository
# (https://updates.fleetdm.com) from the root shipped in data/. To monitor
# another repository, mount a config file over /etc/tufwatch/config.json, with
# `server.host` "0.0.0.0" and `storage.path` under /data. .ci/node22.sh runs the
# test suite on the same Node major.

# --- build: compile TypeScript and better-sqlite3's native module -----------
FROM node:22-bookworm-slim AS build

# python3, make and g++ build better-sqlite3 from source (node-gyp); tini is
# copied into the runtime stage as a static binary.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Compile against the headers of this image's node (no download from nodejs.org),
# and never fetch a prebuilt binary: what runs is what was built here.
ENV npm_config_nodedir=/usr/local \
    npm_config_build_from_source=true

# Dependencies first, so that this layer is cached while only sources change.
# --ignore-scripts: the `prepare` script would build before the sources are here;
# better-sqlite3's own install script then runs alone.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3

COPY . .
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && node -e "new (require('better-sqlite3'))(':memory:').close()"

# --- runtime: compiled code, production dependencies, shipped data ----------
FROM node:22-bookworm-slim AS runtime

ENV NODE_ENV=production
WORKDIR /app

COPY --from=build /usr/bin/tini-static /usr/bin/tini
# Owned by root and read-only for the service: it writes only under /data.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/data ./data

# A non-root user with a fixed uid (Kubernetes runAsNonRoot checks the number);
# the default config listens on every interface of the container and keeps
# the evidence database on the volume.
RUN groupadd --gid 10001 tufwatch \
 && useradd --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin tufwatch \
 && mkdir -p /etc/tufwatch /data /var/lib/tufwatch \
 && printf '%s\n' \
      '{' \
      '  "server": { "host": "0.0.0.0", "port": 8080 },' \
      '  "storage": { "path": "/data/tufwatch.db" }' \
      '}' > /etc/tufwatch/config.json \
 && chown 10001:10001 /data /var/lib/tufwatch

# The store's creation markers live in the state directory, apart from /data: a start that
# finds /data empty while a marker says a chain was created refuses to begin a new one (an
# unmounted volume). Mount a small named volume here too (-v tufwatch-state:/var/lib/tufwatch)
# so that the markers outlive the container.
ENV XDG_STATE_HOME=/var/lib/tufwatch

# Declared after the chown: a new named volume starts with this owner.
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8080

# The slim image has no HTTP client: node's fetch. /healthz answers without a token.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# tini as PID 1 forwards SIGTERM to node (serve finishes the run in progress and
# closes the database) and reaps zombies.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/scripts/tufwatch.js", "serve", "--config", "/etc/tufwatch/config.json"]
