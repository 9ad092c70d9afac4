#!/usr/bin/env bash
# Runs ccxt's krakenfutures client (REST and websocket), unmodified, against a freshly started
# tickpath-sim over TLS (issue #4: a third-party client cannot tell the simulator from the venue).
#
#   tests/thirdparty/ccxt_check.sh PATH/TO/tickpath-sim
#
# ccxt comes from the npm registry at setup time (scripts/setup installs it into
# build/thirdparty/ccxt, pinned; TICKPATH_CCXT_DIR overrides). When node or ccxt is missing the
# check prints TICKPATH-SKIPPED and exits 0, so ctest reports it as skipped, not passed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sim=$1
ccxt_dir=${TICKPATH_CCXT_DIR:-$here/../../build/thirdparty/ccxt}
if ! command -v node >/dev/null 2>&1 || [ ! -d "$ccxt_dir/node_modules/ccxt" ]; then
  echo "TICKPATH-SKIPPED: ccxt is not installed in $ccxt_dir (scripts/setup installs it; needs node and npm)"
  exit 0
fi
work=$(mktemp -d)
sim_pid=
cleanup() {
  if [ -n "$sim_pid" ]; then kill -TERM "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
(umask 077 && head -c 64 /dev/urandom | base64 -w0 > "$work/secret")
cat > "$work/sim.toml" <<TOML
[sim]
port = 0
ca_out_file = "$work/ca.pem"
[[sim.accounts]]
name = "ccxt"
api_key = "ccxt-check-key"
api_secret_file = "$work/secret"
[sim.market]
deltas_per_second = 200.0
trades_per_second = 5.0
TOML
"$sim" --config "$work/sim.toml" > "$work/out" 2> "$work/err" &
sim_pid=$!
rest=
for _ in $(seq 100); do
  rest=$(sed -n 's/^rest //p' "$work/out")
  [ -n "$rest" ] && break
  sleep 0.1
done
if [ -z "$rest" ]; then
  echo "tickpath-sim did not start:"; cat "$work/err"; exit 1
fi
base=${rest%/derivatives/api/v3}
ws=$(sed -n 's/^websocket //p' "$work/out")
echo "tickpath-sim at $base, ccxt $(node -e "console.log(require('$ccxt_dir/node_modules/ccxt/package.json').version)")"
CCXT_DIR=$ccxt_dir SIM_BASE=$base SIM_WS=$ws SIM_API_KEY=ccxt-check-key SIM_API_SECRET=$(cat "$work/secret") \
  NODE_EXTRA_CA_CERTS=$work/ca.pem timeout 300 node "$here/ccxt_check.cjs"
