# rtlab — the two commands a newcomer needs are `make grade` and `make test`.

GO       ?= go
BIN      := bin/rtlab
URL      ?=
EXERCISE ?=
CMD      ?=
FORMAT   ?=
FUZZTIME ?= 5m
SUITES   ?=

.PHONY: all build grade test lint bench bench-servers fuzz node official-suites conformance-stress clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/rtlab

# make grade                                   grade every reference server
# make grade URL=http://localhost:3000 EXERCISE=q17 [CMD='node server.js']
grade: build
	$(BIN) grade $(if $(URL),--url '$(URL)') $(if $(EXERCISE),--exercise '$(EXERCISE)') \
		$(if $(CMD),--cmd '$(CMD)') $(if $(FORMAT),--format '$(FORMAT)')

# The test command of the README and of CI: vet, gofmt, then every test with
# the race detector. Interop tests install the pinned npm packages themselves.
test: lint node
	$(GO) test -race -count=1 -timeout 20m ./...

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# The pinned npm packages, reinstalled whenever the lock file is newer than
# what npm last installed.
node:
	@cd testdata/node && if [ ! -f node_modules/.package-lock.json ] || \
		[ package-lock.json -nt node_modules/.package-lock.json ]; then \
		npm ci --no-audit --no-fund; fi

bench: build
	$(BIN) bench

bench-servers: build node
	$(BIN) load --compare

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
