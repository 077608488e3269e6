#!/usr/bin/env bash
# Starts Nube on a scratch data dir and runs the shared conformance scripts (real cs and libcloud clients) against it.
# Usage: scripts/conformance.sh [DIR]   DIR holds the conformance scripts (run_all.sh and the scripts it runs);
# default: ../shared/conformance beside the checkout. CONFORMANCE_SKIP is empty unless set.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scripts="${1:-$root/../shared/conformance}"
[ -f "$scripts/run_all.sh" ] || { echo "no run_all.sh in $scripts: give the conformance scripts' directory as the argument" >&2; exit 2; }
data="$(mktemp -d)"
port="${CONFORMANCE_PORT:-18080}"
log="$data/serve.log"
NUBE_DATA_DIR="$data" NUBE_LISTEN="127.0.0.1:$port" NUBE_DNS_LISTEN="${CONFORMANCE_DNS_LISTEN:-127.0.0.1:0}" node "$root/bin/nube.js" serve >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do grep -q '^Ready\.$' "$log" && break; sleep 0.1; done
grep -q '^Ready\.$' "$log" || { cat "$log"; echo "nube did not become ready" >&2; exit 1; }
cred="$data/credentials.json"
get() { python3 -c "import json,sys; d=json.load(open('$cred')); print(eval('d'+sys.argv[1]))" "$1"; }
export CS_ENDPOINT="$(get "['cloudstack']['endpoint']")" CS_KEY="$(get "['cloudstack']['key']")" CS_SECRET="$(get "['cloudstack']['secret']")"
export CLOUDSIGMA_URL="$(get "['cloudsigma']['url']")" CLOUDSIGMA_USER="$(get "['cloudsigma']['user']")" CLOUDSIGMA_PASSWORD="$(get "['cloudsigma']['password']")"
export CONFORMANCE_SKIP="${CONFORMANCE_SKIP:-}" JOB_TIMEOUT="${JOB_TIMEOUT:-60}" POLL_INTERVAL="${POLL_INTERVAL:-0.2}"
bash "$scripts/run_all.sh"
