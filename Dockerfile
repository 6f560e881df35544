# syntax=docker/dockerfile:1
# The hub with its console in one image; the same image runs the EPJ simulator for demos
# (deploy/compose.yaml, profile "demo"). Build from the repository root:
#   docker build -t knutepunkt-hub .
# Settings are environment variables (deploy/env.example lists them all).

FROM node:20-bookworm-slim AS build
WORKDIR /app
# pnpm at the version package.json's packageManager names.
RUN corepack enable
# The manifests alone first, so the dependency layer is reused while only sources change.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY hub/package.json hub/
COPY console/package.json console/
COPY device-adapters/package.json device-adapters/
COPY simulators/package.json simulators/
COPY deploy/package.json deploy/
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm build
# Compilers, test tools and the browser test runner stay in this stage: only production
# dependencies are left, and the runtime tree is gathered in /out.
RUN CI=true pnpm install --frozen-lockfile --prod \
 && mkdir /out \
 && cp -a --parents package.json node_modules \
      hub/package.json hub/node_modules hub/dist \
      device-adapters/package.json device-adapters/dist \
      simulators/package.json simulators/node_modules simulators/dist \
      console/build /out/

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HUB_HOST=0.0.0.0 \
    HUB_PORT=3000 \
    MQTT_HOST=0.0.0.0 \
    MQTT_PORT=1884
WORKDIR /app
COPY --from=build /out/ /app/
# The only place the hub writes: the demo fleet manifest (DEMO_FLEET) and the embedded
# PostgreSQL when DATABASE_URL is unset. A production hub sets DATABASE_URL and writes nothing.
RUN mkdir -p /app/.knutepunkt && chown node:node /app/.knutepunkt
# The node image's unprivileged user (uid 1000).
USER node
EXPOSE 3000 1884
# /health answers 200 only when the MQTT broker, PostgreSQL and Redis all are ready.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HUB_PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The hub stops cleanly on SIGTERM (queues closed, in-flight steps finished).
CMD ["node", "hub/dist/main.js"]
