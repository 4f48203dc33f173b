#!/usr/bin/env bash
# Checks the container image and the production start path without a container engine.
#
# 1. Builds the Dockerfile's stages as file trees: from a clean clone of the committed
#    tree (what .dockerignore lets into the build context), each stage's COPY and RUN
#    instructions are carried out in a directory standing for its WORKDIR, with this
#    machine's Node.js in place of the base image. The runtime stage's tree is then run
#    with its CMD and ENV, as its USER (uid 1000), and must answer the probes, accept an
#    alert and record it as an incident (Lua scripts, templates and the catalog present).
# 2. The README's production steps in the clean clone: npm ci, npm run build,
#    npm ci --omit=dev (the TypeScript compiler is gone), npm start; same checks.
#
# Needs: git, node/npm, a Redis (REDIS_URL, default redis://127.0.0.1:6379), setpriv.
# Usage: scripts/check-image.sh   (CI runs it from .ci/run)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
work=$(mktemp -d /tmp/falco-triage-image.XXXXXX)
chmod 755 "$work"
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM -- "-$pid"; wait "$pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '== %s\n' "$*"; }
fail() { printf 'check-image: %s\n' "$*" >&2; exit 1; }

git clone -q "$repo" "$work/context"
context="$work/context"

# Node major of the base image must be this machine's, or the check proves little.
image_node=$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9]*\).*/\1/p' "$context/Dockerfile")
host_node=$(node -p 'process.versions.node.split(".")[0]')
[ "$image_node" = "$host_node" ] || fail "Dockerfile uses Node $image_node, this machine has Node $host_node"

# --- interpret the Dockerfile ---------------------------------------------------------
# Joined continuation lines; only the instructions our Dockerfile uses are understood,
# anything else fails loudly so this script is updated with the Dockerfile.
mapfile -t lines < <(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$context/Dockerfile" | grep -v '^\s*#' | grep -v '^\s*$')
stage=
declare -A env_of user_of cmd_of
last=
for line in "${lines[@]}"; do
  read -r instr rest <<<"$line"
  case "$instr" in
    ARG) ;;
    FROM)
      stage=$(sed -n 's/.* AS \([a-z0-9_-]*\)$/\1/ip' <<<"$rest")
      [ -n "$stage" ] || fail "FROM without AS name: $line"
      mkdir -p "$work/stage/$stage"
      last=$stage
      say "stage $stage"
      ;;
    WORKDIR) [ "$rest" = /app ] || fail "only WORKDIR /app is understood: $line" ;;
    COPY)
      from=
      if [[ "$rest" == --from=* ]]; then
        from=${rest%% *}; from=${from#--from=}; rest=${rest#* }
      fi
      read -r -a parts <<<"$rest"
      dest=${parts[-1]}; dest=${dest#./}
      for src in "${parts[@]:0:${#parts[@]}-1}"; do
        if [ -n "$from" ]; then
          path="$work/stage/$from/${src#/app/}"
        else
          # The build context is what .dockerignore lets through.
          allowed=
          while read -r pattern; do
            pattern=${pattern#!}; pattern=${pattern%/\*\*}
            if [ "$src" = "$pattern" ] || [[ "$src" == "$pattern"/* ]]; then allowed=1; fi
          done < <(grep '^!' "$context/.dockerignore")
          [ -n "$allowed" ] || fail "COPY $src: excluded from the build context by .dockerignore"
          path="$context/$src"
        fi
        [ -e "$path" ] || fail "COPY $src: not found ($path)"
        target="$work/stage/$stage/$dest"
        if [ -d "$path" ]; then mkdir -p "$target" && cp -a "$path/." "$target/"
        else
          if [[ "$dest" == */ || "$dest" == . ]]; then mkdir -p "$target"; fi
          cp -a "$path" "$target"
        fi
      done
      ;;
    RUN) (cd "$work/stage/$stage" && bash -euo pipefail -c "$rest") >"$work/$stage.log" 2>&1 ||
      { cat "$work/$stage.log" >&2; fail "RUN failed in stage $stage: $rest"; } ;;
    ENV) env_of[$stage]="${env_of[$stage]:-} $rest" ;;
    USER) user_of[$stage]=$rest ;;
    EXPOSE) ;;
    CMD) cmd_of[$stage]=$rest ;;
    *) fail "instruction not understood by this script: $instr" ;;
  esac
done
runtime="$work/stage/$last"

# --- what the runtime stage holds -----------------------------------------------------
say "runtime stage: $(du -sh "$runtime" | cut -f1): $(cd "$runtime" && echo *)"
for dev in typescript tsx eslint prettier pino-pretty; do
  [ ! -e "$runtime/node_modules/$dev" ] || fail "the runtime stage holds the dev dependency $dev"
done
[ ! -e "$runtime/node_modules/.bin/tsc" ] || fail "the runtime stage holds tsc"
for need in dist/src/main.js templates data/falco-rules.json src/incidents/lua package.json; do
  [ -e "$runtime/$need" ] || fail "the runtime stage lacks $need"
done
if [ -e "$runtime/test" ] || [ -e "$runtime/src/main.ts" ]; then fail "the runtime stage holds sources or tests"; fi

# --- run it ---------------------------------------------------------------------------
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# Starts "$@" in directory $1 with the bot's environment, checks the probes, posts an alert
# and waits for the engine to record it, then stops it with SIGTERM (must exit 0).
smoke() {
  local dir=$1; shift
  local port prefix token=check-image-ingest-token-0123456789
  port=$(free_port)
  prefix="ft-image-$$-$RANDOM:"
  local extra=()
  read -r -a extra <<<"${EXTRA_ENV:-}"
  (
    cd "$dir"
    # A process group of its own, so SIGTERM reaches everything it started (npm start
    # runs node under sh, which does not pass signals on).
    exec setsid env -i PATH="$PATH" HOME=/tmp \
      SLACK_BOT_TOKEN=xoxb-check-image SLACK_SIGNING_SECRET=check-image \
      SLACK_API_URL=http://127.0.0.1:9/api/ SLACK_DEFAULT_CHANNEL=C0CHECKIMG1 \
      REDIS_URL="$REDIS_URL" REDIS_KEY_PREFIX="$prefix" INGEST_TOKEN=$token \
      HOST=127.0.0.1 LOG_LEVEL=error "${extra[@]}" PORT="$port" "$@"
  ) &
  pid=$!
  node - "$port" "$token" <<'EOF' || { kill -TERM "$pid" 2>/dev/null; fail "the program did not serve alerts"; }
const [port, token] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const until = async (what, f) => {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try { if (await f()) return; } catch {}
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
await until('/readyz', async () => (await fetch(`${base}/readyz`)).ok);
if ((await fetch(`${base}/healthz`)).status !== 200) throw new Error('/healthz');
const res = await fetch(`${base}/falco`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: JSON.stringify({ rule: 'Terminal shell in container', priority: 'Notice',
    time: new Date().toISOString(), output: 'check-image', output_fields: { 'container.id': 'abcabcabcabc' } }),
});
if (res.status !== 202) throw new Error(`POST /falco answered ${res.status}`);
await until('the incident to be recorded', async () =>
  /falco_triage_alerts_processed_total\{outcome="new"\} 1/.test(await (await fetch(`${base}/metrics`)).text()));
console.log(`   probes answer, POST /falco -> 202, incident recorded (port ${port})`);
EOF
  if [ "${SIGNAL_GROUP:-}" ]; then
    kill -TERM -- "-$pid"
    wait "$pid" || true
    for _ in $(seq 1 150); do pgrep -g "$pid" >/dev/null || break; sleep 0.1; done
    ! pgrep -g "$pid" >/dev/null || fail "processes were left running after SIGTERM"
  else
    kill -TERM "$pid"
    wait "$pid" || fail "the program did not exit 0 on SIGTERM"
  fi
  pid=
  # Delete what the run stored (SCAN, never KEYS: the Redis may be shared).
  node -e '
    const { Redis } = require(process.argv[1] + "/node_modules/ioredis");
    const r = new Redis(process.argv[2]);
    const s = r.scanStream({ match: process.argv[3] + "*", count: 1000 });
    s.on("data", (keys) => { if (keys.length) r.unlink(...keys); });
    s.on("end", () => r.quit());' "$dir" "$REDIS_URL" "$prefix"
}

# The runtime stage as a container would run it: its ENV, its USER, its CMD.
read -r -a cmd < <(node -p 'JSON.parse(process.argv[1]).join(" ")' "${cmd_of[$last]}")
user=${user_of[$last]:-}
[[ "$user" =~ ^[0-9]+:[0-9]+$ ]] || fail "the runtime stage must set a numeric USER uid:gid (got '$user')"
[ "${user%%:*}" != 0 ] || fail "the runtime stage runs as root"
say "runtime stage: ${cmd[*]} as uid ${user%%:*}, ENV${env_of[$last]}"
EXTRA_ENV="${env_of[$last]}" smoke "$runtime" \
  setpriv --reuid="${user%%:*}" --regid="${user##*:}" --clear-groups "${cmd[@]}"

# The README's production steps in the clean clone.
say "clean clone: npm ci && npm run build && npm ci --omit=dev && npm start"
(cd "$context" && npm ci --no-audit --no-fund && npm run build && npm ci --omit=dev --no-audit --no-fund) \
  >"$work/clone.log" 2>&1 || { cat "$work/clone.log" >&2; fail "building the clean clone failed"; }
[ ! -e "$context/node_modules/typescript" ] || fail "npm ci --omit=dev left typescript installed"
SIGNAL_GROUP=1 smoke "$context" npm start --silent
say "image tree and production start path: OK"
