#!/bin/sh
# conformance-stress.sh RTLAB RUNS [SUITES]
#
# Runs the conformance suites RUNS times against one `rtlab serve
# conformance` while two busy loops keep both cores of a small machine
# saturated, and prints the pass counts. Ordering races (a packet handled
# before one the client sent earlier, on another connection or goroutine)
# show up only when the scheduler is starved; this is how they were found.
#
# Always: rtlab's Go port of the official suites (internal/conformance).
# With SUITES (a folder laid out as the official-suites target of the
# Makefile describes): the official Engine.IO v4 and Socket.IO v5 mocha
# suites too, which hard-code localhost:3000; the server then listens
# there, and the port must be free. Without SUITES it listens on a free
# port. Logs of failed runs are kept in $TMPDIR (printed).
#
# Exit status: 0 when every run of every suite passed, 1 otherwise, 2 on a
# usage error.
set -u
rtlab=${1:?usage: conformance-stress.sh RTLAB RUNS [SUITES]}
runs=${2:?usage: conformance-stress.sh RTLAB RUNS [SUITES]}
suites=${3:-}
case $runs in ''|*[!0-9]*|0) echo "RUNS must be a positive number, got '$runs'"; exit 2;; esac
if [ -n "$suites" ] && { [ ! -f "$suites/engine.io/test-suite.js" ] || [ ! -f "$suites/socket.io/test-suite.js" ]; }; then
	echo "SUITES=$suites: expected $suites/engine.io/test-suite.js and $suites/socket.io/test-suite.js (see the official-suites target in the Makefile)"
	exit 2
fi

logs=$(mktemp -d "${TMPDIR:-/tmp}/conformance-stress.XXXXXX")
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

go test -c -o "$logs/conformance.test" ./internal/conformance || exit 1

if [ -n "$suites" ]; then
	addr=localhost:3000
	if node -e 'require("net").connect(3000,"127.0.0.1").on("connect",()=>process.exit(0)).on("error",()=>process.exit(1))'; then
		echo "something already listens on localhost:3000; stop it first"
		exit 1
	fi
else
	addr=127.0.0.1:0
fi
"$rtlab" serve conformance --addr "$addr" >"$logs/server.log" 2>&1 &
pids="$pids $!"
url=
for _ in $(seq 100); do
	url=$(sed -n 's/.* on \(http:[^ ]*\).*/\1/p' "$logs/server.log" | head -n 1)
	[ -n "$url" ] && break
	sleep 0.1
done
if [ -z "$url" ]; then
	echo "rtlab serve conformance did not start:"; cat "$logs/server.log"
	exit 1
fi
# The Go port dials the address; localhost:3000 may be ::1 first.
url=$(echo "$url" | sed 's#//localhost:#//127.0.0.1:#')

yes >/dev/null & pids="$pids $!"
yes >/dev/null & pids="$pids $!"
echo "rtlab serve conformance on $url; two busy loops; $runs runs; logs in $logs"

port=0 eio=0 sio=0
i=1
start=$(date +%s)
while [ "$i" -le "$runs" ]; do
	line="run $i:"
	if RTLAB_CONFORMANCE_URL=$url "$logs/conformance.test" -test.run '^TestPortAgainstURL$' -test.count=1 -test.timeout 5m >"$logs/port-$i.log" 2>&1; then
		port=$((port + 1)); line="$line go-port ok"; rm -f "$logs/port-$i.log"
	else
		line="$line go-port FAIL ($logs/port-$i.log)"
	fi
	if [ -n "$suites" ]; then
		if (cd "$suites" && npx mocha --timeout 10000 engine.io/test-suite.js) >"$logs/engine.io-$i.log" 2>&1; then
			eio=$((eio + 1)); line="$line, engine.io ok"; rm -f "$logs/engine.io-$i.log"
		else
			line="$line, engine.io FAIL ($logs/engine.io-$i.log)"
		fi
		if (cd "$suites" && npx mocha --timeout 10000 socket.io/test-suite.js) >"$logs/socket.io-$i.log" 2>&1; then
			sio=$((sio + 1)); line="$line, socket.io ok"; rm -f "$logs/socket.io-$i.log"
		else
			line="$line, socket.io FAIL ($logs/socket.io-$i.log)"
		fi
	fi
	echo "$line"
	if ! kill -0 $(echo $pids | cut -d' ' -f1) 2>/dev/null; then
		echo "rtlab serve conformance exited:"; cat "$logs/server.log"
		exit 1
	fi
	i=$((i + 1))
done

echo "passed, of $runs runs under two busy loops ($(( $(date +%s) - start ))s):"
echo "  go port (internal/conformance): $port"
ok=$((port == runs))
if [ -n "$suites" ]; then
	echo "  official Engine.IO v4 suite:    $eio"
	echo "  official Socket.IO v5 suite:    $sio"
	ok=$((ok && eio == runs && sio == runs))
fi
[ "$ok" -eq 1 ]
