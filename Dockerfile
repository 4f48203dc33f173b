# falco-triage container image.
#   docker build -t falco-triage .
#   docker run --rm -p 3000:3000 --env-file falco-triage.env falco-triage
# The runtime stage holds production dependencies, the compiled program, the guidance
# templates, the rule catalog and the Lua scripts; nothing else. scripts/check-image.sh
# builds the same file tree without a container engine and runs it (CI does).
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: compile TypeScript to dist/ -------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY blocks ./blocks
RUN npm run build

# --- deps: production dependencies only ------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./package.json
COPY --from=build /app/dist ./dist
COPY templates ./templates
COPY data ./data
COPY src/incidents/lua ./src/incidents/lua
# The image's "node" user, by number so Kubernetes can verify runAsNonRoot. Nothing
# under /app is writable by it; the program writes nothing to disk.
USER 1000:1000
EXPOSE 3000
# No HEALTHCHECK: orchestrators probe GET /healthz (alive) and GET /readyz (Redis answers).
# node, not npm, as PID 1: SIGTERM reaches the program, which drains and stops its
# engine child process.
CMD ["node", "dist/src/main.js"]
