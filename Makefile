# rtlab — the two commands a newcomer needs are `make grade` and `make test`.

GO       ?= go
BIN      := bin/rtlab
URL      ?=
EXERCISE ?=
CMD      ?=
FORMAT   ?=
FUZZTIME ?= 5m
SUITES   ?=

SOAK     ?= 5m
SOAK_PING_INTERVAL ?= 8s
SOAK_PING_TIMEOUT  ?= 5s

.PHONY: all build grade grade-class test lint cross flake bench bench-servers fuzz node official-suites conformance-stress soak clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/rtlab

# make grade                                   grade every reference server and reference answer
# make grade URL=http://localhost:3000 EXERCISE=q17 [CMD='node server.js']
grade: build
	$(BIN) grade $(if $(URL),--url '$(URL)') $(if $(EXERCISE),--exercise '$(EXERCISE)') \
		$(if $(CMD),--cmd '$(CMD)') $(if $(FORMAT),--format '$(FORMAT)')

# make grade-class [JOBS=2] [CLASS_OUT=reports/class/sample]
# Grades the sample class of testdata/class end to end, each submission in
# the sandbox (bubblewrap; add CLASS_FLAGS=--no-sandbox where it cannot
# run), from a copy whose node_modules are the pinned packages
# (scripts/sample-class.sh). Writes the gradebook, index.html and every
# student's reports to CLASS_OUT and prints the gradebook.
JOBS        ?= 2
CLASS_OUT   ?= reports/class/sample
CLASS_FLAGS ?=
grade-class: build node
	@work=$$(mktemp -d); trap 'rm -rf "$$work"' EXIT; \
	sh scripts/sample-class.sh "$$work/class" && rm -rf '$(CLASS_OUT)' && \
	start=$$(date +%s) && \
	$(BIN) grade --class "$$work/class" --jobs $(JOBS) --exercise q2,q17,q18,q19 --out '$(CLASS_OUT)' $(CLASS_FLAGS) && \
	cat '$(CLASS_OUT)/gradebook.csv' && \
	echo "make grade-class: $$(( $$(date +%s) - start ))s with --jobs $(JOBS); open $(CLASS_OUT)/index.html"

# The test command of the README and of CI: vet, gofmt, the cross builds,
# then every test with the race detector. Interop tests install the pinned
# npm packages themselves.
test: lint cross node
	$(GO) test -race -count=1 -timeout 20m ./...

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Every platform students and instructors run rtlab on: vet cmd/rtlab (which
# type-checks every package it imports for that platform) and build it. Only
# compiles, cached by go: seconds once warm.
CROSS_PLATFORMS ?= linux/amd64 linux/arm64 darwin/arm64 darwin/amd64 windows/amd64
cross:
	@for p in $(CROSS_PLATFORMS); do \
		echo "== $$p"; \
		GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) vet ./cmd/rtlab && \
		GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) build -o /dev/null ./cmd/rtlab || \
		{ echo "cmd/rtlab does not vet or build for $$p"; exit 1; }; \
	done

# make flake [RUNS=10]
# Grades every reference server RUNS times with --repeat while two busy loops
# keep the machine's cores busy, the conditions under which timing races in a
# server or a check show up. Prints rtlab's report (the checks that failed or
# flipped), the total of failing checks and the time taken; fails on any
# failing or flipping check.
RUNS ?= 10
flake: build
	@mkdir -p reports/grade; \
	sh -c 'while :; do :; done' & b1=$$!; sh -c 'while :; do :; done' & b2=$$!; \
	trap 'kill $$b1 $$b2 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	start=$$(date +%s); rc=0; \
	$(BIN) grade --repeat $(RUNS) > reports/grade/flake.txt || rc=$$?; \
	cat reports/grade/flake.txt; \
	echo "make flake: $$(grep -E '^(UN)?STABLE:' reports/grade/flake.txt)"; \
	echo "make flake: $(RUNS) runs of every reference under two busy loops took $$(( $$(date +%s) - start ))s, exit $$rc"; \
	exit $$rc

# The pinned npm packages, reinstalled whenever the lock file is newer than
# what npm last installed.
node:
	@cd testdata/node && if [ ! -f node_modules/.package-lock.json ] || \
		[ package-lock.json -nt node_modules/.package-lock.json ]; then \
		npm ci --no-audit --no-fund; fi

bench: build
	$(BIN) bench

# rtlab serve loadtest against the Node.js socket.io 4.8 fixture, medians of
# 3 with both servers alternating: broadcast, echo and idle over WebSocket,
# echo and broadcast over polling. With two CPUs or more the load tool runs
# on CPU 0 and each server on CPU 1; the report (reports/load/latest/) says
# so, with the machine's load average at start and end.
bench-servers: build node
	$(BIN) load --compare

# make soak [SOAK=5m] [SOAK_PING_INTERVAL=8s SOAK_PING_TIMEOUT=5s]
# Holds acked conversations and broadcasts for SOAK with our client and the
# npm socket.io-client, over websocket, polling and polling+upgrade, against
# `rtlab serve loadtest` and `rtlab serve q18` run as separate processes
# (internal/soak). Fails on any disconnect, lost ack or lost broadcast, or
# when a server's goroutines or RSS grow more than 10 % from start to end
# (both printed). The heartbeat is short, so that five minutes hold many,
# and its timeout shorter than its interval, as socket.io's 20 s / 25 s: a
# write deadline left over from a ping then passes between two pings, as in
# issue 12. `make test` runs a few seconds of the same (TestSoak).
soak: build node
	$(GO) test -count=1 -timeout 0 -run '^TestSoak$$' -v ./internal/soak -args \
		-soak=$(SOAK) -soak.rtlab='$(abspath $(BIN))' \
		-soak.ping-interval=$(SOAK_PING_INTERVAL) -soak.ping-timeout=$(SOAK_PING_TIMEOUT)

# Long fuzzing, outside `make test` (whose runs cover the seed corpora).
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			echo "== $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

# make official-suites SUITES=DIR
# Runs the official Engine.IO v4 and Socket.IO v5 protocol test suites (mocha)
# against `rtlab serve conformance` on localhost:3000, the address the suites
# hard-code. The suites are third-party code and stay out of this repo: DIR is
# a folder you prepare yourself, laid out as
#   DIR/package.json                 {"type":"module"}; npm install mocha chai@4 chai-string node-fetch@3 ws
#   DIR/engine.io/test-suite.js      socketio/engine.io-protocol test-suite/test-suite.js (EIO=4)
#   DIR/socket.io/test-suite.js      socketio/socket.io-protocol test-suite/test-suite.js (EIO=4)
#   DIR/*/node-imports.js            sets globalThis.fetch (node-fetch), WebSocket (ws), chai (+ chai-string)
# Both suites always run; the target fails if either fails. Port 3000 must be
# free. Note: ws 8.17+ dispatches messages of one TCP read synchronously, so the
# suites' back-to-back waitFor() can miss the Socket.IO "auth" packet on any
# server (npm's too); WebSocket options {allowSynchronousEvents: false} in
# node-imports.js avoid that.
official-suites: build
	@[ -n "$(SUITES)" ] && [ -f '$(SUITES)/engine.io/test-suite.js' ] && [ -f '$(SUITES)/socket.io/test-suite.js' ] || \
		{ echo "usage: make official-suites SUITES=DIR (DIR/engine.io/test-suite.js, DIR/socket.io/test-suite.js; see the Makefile)"; exit 2; }
	@if $(PORT3000_OPEN); then echo "something already listens on localhost:3000; stop it first"; exit 1; fi; \
	$(BIN) serve conformance --addr localhost:3000 & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	ready=; for i in $$(seq 100); do \
		kill -0 $$pid 2>/dev/null || { echo "rtlab serve conformance exited"; exit 1; }; \
		if $(PORT3000_OPEN); then ready=1; break; fi; \
		sleep 0.1; \
	done; \
	[ -n "$$ready" ] || { echo "rtlab serve conformance did not listen on localhost:3000"; exit 1; }; \
	rc=0; \
	(cd '$(SUITES)' && npx mocha --timeout 10000 engine.io/test-suite.js) || rc=1; \
	(cd '$(SUITES)' && npx mocha --timeout 10000 socket.io/test-suite.js) || rc=1; \
	exit $$rc

# make conformance-stress [RUNS=10] [SUITES=DIR]
# Runs the conformance suites RUNS times against one `rtlab serve
# conformance` with two busy loops (yes >/dev/null) on the machine, and
# prints how many runs of each passed: our Go port (internal/conformance)
# always, on a free port; the official suites too when SUITES=DIR is given
# (laid out as for official-suites; the server then needs localhost:3000).
# Races between a session's connections show up only under such load.
RUNS ?= 10
conformance-stress: build node
	@sh scripts/conformance-stress.sh $(BIN) '$(RUNS)' '$(SUITES)'

PORT3000_OPEN = node -e 'require("net").connect(3000,"127.0.0.1").on("connect",()=>process.exit(0)).on("error",()=>process.exit(1))'

clean:
	rm -rf bin
