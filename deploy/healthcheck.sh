#!/usr/bin/env bash
# Container health check for `rca serve`: GET /healthz on this container's HTTP port must answer 200.
# The aspnet base image has no curl or wget, so this speaks HTTP/1.0 over bash's /dev/tcp.
# The port is the one in the first ASPNETCORE_URLS entry (8080 when unset or without a port).
set -u
url=${ASPNETCORE_URLS:-http://0.0.0.0:8080}
url=${url%%;*}
port=8080
if [[ $url =~ :([0-9]+)/?$ ]]; then port=${BASH_REMATCH[1]}; fi
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
IFS= read -r -t 4 status <&3 || exit 1
exec 3<&-
[[ $status == HTTP/1.[01]\ 200* ]] || { echo "unhealthy: ${status%$'\r'}"; exit 1; }
