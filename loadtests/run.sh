#!/usr/bin/env bash
# Load and soak runs against `rca serve` started here as real processes on 127.0.0.1, with the API key on.
#   loadtests/run.sh one   [SECONDS]   one silo (localhost clustering)
#   loadtests/run.sh three [SECONDS]   three silos on PostgreSQL (RCA_LOAD_POSTGRES: a connection string to an existing database)
#   loadtests/run.sh soak  [SECONDS]   one silo, mixed load for SECONDS (default 600), one line per 10 s, small dataset bounds
# Results go to loadtests/results/ (JSON summary, and the soak's curve as CSV). Bounded: every run stops at its time.
# Holds /tmp/rca-build.lock while it measures (the machine is shared); run it bare, not under flock.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-one}
seconds=${2:-60}
out=loadtests/results
mkdir -p "$out"
flock /tmp/rca-build.lock dotnet build src/OrleansRca.Cli -c Release -v q -nologo >/dev/null
flock /tmp/rca-build.lock dotnet build loadtests/OrleansRca.LoadTests -c Release -v q -nologo >/dev/null
cli=src/OrleansRca.Cli/bin/Release/net10.0/rca.dll
load=loadtests/OrleansRca.LoadTests/bin/Release/net10.0/OrleansRca.LoadTests.dll
# The machine is shared: the measurement holds the build lock too, so no build or benchmark runs beside it.
exec 9>/tmp/rca-build.lock
flock 9
key=$(mktemp)
head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$key"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -f "$key"; }
trap cleanup EXIT

start() { # start URL SILO_PORT GATEWAY_PORT [more serve options]
  local url=$1 silo=$2 gateway=$3; shift 3
  # RCA_SERVE_HEAP_LIMIT (bytes, hex as 0x...): the GC heap limit a container's memory limit would set, for serve only.
  env ${RCA_SERVE_HEAP_LIMIT:+DOTNET_GCHeapHardLimit=$RCA_SERVE_HEAP_LIMIT} RCA_API_KEY= dotnet "$cli" serve --urls "$url" --silo-port "$silo" --gateway-port "$gateway" --api-key-file "$key" "$@" \
    > "$out/serve-$silo.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 60); do curl -sf "$url/healthz" >/dev/null && return 0; sleep 1; done
  echo "serve on $url did not become healthy; see $out/serve-$silo.log" >&2; exit 1
}

case "$mode" in
  one)
    start http://127.0.0.1:5281 21281 31281 --cluster-id "load-$$"
    dotnet "$load" --url http://127.0.0.1:5281 --api-key-file "$key" --workers 16 --count 1000000 --seconds "$seconds" \
      --warmup 500 --server-pid "${pids[0]}" --out "$out/one-silo.json" ;;
  three)
    : "${RCA_LOAD_POSTGRES:?set RCA_LOAD_POSTGRES to a PostgreSQL connection string}"
    for i in 1 2 3; do
      start "http://127.0.0.1:528$i" "2128$i" "3128$i" --clustering adonet --connection "$RCA_LOAD_POSTGRES" --cluster-id "load-$$"
    done
    dotnet "$load" --url http://127.0.0.1:5281,http://127.0.0.1:5282,http://127.0.0.1:5283 --api-key-file "$key" --workers 24 \
      --count 1000000 --seconds "$seconds" --warmup 500 --server-pid "$(IFS=,; echo "${pids[*]}")" --out "$out/three-silos.json" ;;
  soak)
    # Results kept a minute (not a day) and small dataset bounds, so a few minutes show whether memory levels off
    # once results expire and the store is full. Override with RCA_SOAK_RETENTION, RCA_SOAK_STORE_BYTES, RCA_SOAK_CACHE_BYTES.
    start http://127.0.0.1:5281 21281 31281 --cluster-id "soak-$$" --retention "${RCA_SOAK_RETENTION:-00:01:00}" \
      --dataset-store-bytes "${RCA_SOAK_STORE_BYTES:-134217728}" --dataset-cache-bytes "${RCA_SOAK_CACHE_BYTES:-67108864}"
    # The store's own figures beside the generator's curve (the /metrics scrape needs no key).
    ( while kill -0 "${pids[0]}" 2>/dev/null; do
        printf '%s %s\n' "$(date +%s)" "$(curl -sf http://127.0.0.1:5281/metrics | grep -E '^(rca_dataset_(store|cache)_|rca_analyses_expiring|dotnet_gc_last_collection_(heap_size|memory_committed)|dotnet_process_memory_working_set|orleans_catalog_activations\{[^}]*analysisorchestrator)' | tr '\n' ' ')"
        sleep 10
      done ) > "$out/soak-store.txt" 2>/dev/null &
    dotnet "$load" --url http://127.0.0.1:5281 --api-key-file "$key" --workers 8 --count 100000000 --seconds "${2:-600}" \
      --warmup 500 --sample-every 10 --server-pid "${pids[0]}" --out "$out/soak.json" ;;
  *) echo "usage: loadtests/run.sh one|three|soak [SECONDS]" >&2; exit 2 ;;
esac
