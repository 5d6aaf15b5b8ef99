#!/usr/bin/env bash
# README's daily-use install on a fresh clone: publish the precompiled CLI, then check that it answers exactly as the
# built CLI does (the main job's mediation with bootstrap, and an exact discrete marginal). Needs the built CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
case "$(uname -m)" in x86_64) rid=linux-x64 ;; aarch64) rid=linux-arm64 ;; *) echo "precompiled CLI: no check on $(uname -m)"; exit 0 ;; esac
dotnet publish src/OrleansRca.Cli -p:PublishProfile=Precompiled -r "$rid" -o out/rca -v q -nologo
built=(dotnet src/OrleansRca.Cli/bin/Release/net10.0/rca.dll)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for cli in built precompiled; do
  if [ "$cli" = built ]; then run=("${built[@]}"); else run=(out/rca/rca); fi
  start=$(date +%s%N)
  "${run[@]}" analyze samples/late-deliveries --out "$work/$cli" > /dev/null
  "${run[@]}" marginals --network tests/data/bif/asia.bif --do smoke=yes --format json > "$work/$cli-marginals.json"
  echo "precompiled CLI check: $cli took $(( ($(date +%s%N) - start) / 1000000 )) ms for analyze + marginals"
done
cmp "$work/built/result.json" "$work/precompiled/result.json"
cmp "$work/built-marginals.json" "$work/precompiled-marginals.json"
echo "precompiled CLI check: results identical to the built CLI's"
