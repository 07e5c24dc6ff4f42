#!/usr/bin/env bash
# (Re)starts examples/server for the benchmark harness: builds it, creates
# user1..user10@example.test with password "secret" on first start, and
# runs it in the background with its data in $STATE.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
STATE=${STATE:-/var/tmp/bulwark-bench}
BIN=$STATE/bulwark-server
mkdir -p "$STATE"
(cd "$HERE/.." && go build -o "$BIN" .)
if [ -f "$STATE/pid" ]; then
	kill "$(cat "$STATE/pid")" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$(cat "$STATE/pid")" 2>/dev/null || break; sleep 0.1; done
fi
if [ ! -f "$STATE/data/bulwark.db" ]; then
	for i in $(seq 1 10); do
		"$BIN" -data "$STATE/data" account add "user$i@example.test" secret >/dev/null
	done
fi
nohup "$BIN" -config "$HERE/bench.toml" -data "$STATE/data" >"$STATE/server.log" 2>&1 &
echo $! >"$STATE/pid"
for _ in $(seq 100); do
	(exec 3<>/dev/tcp/127.0.0.1/1144) 2>/dev/null && exit 0
	sleep 0.1
done
echo "server did not start; see $STATE/server.log" >&2
exit 1
