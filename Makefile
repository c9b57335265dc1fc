# rtlab — the two commands a newcomer needs are `make grade` and `make test`.

GO       ?= go
BIN      := bin/rtlab
URL      ?=
EXERCISE ?=
CMD      ?=
FORMAT   ?=
FUZZTIME ?= 5m

.PHONY: all build grade test lint bench bench-servers fuzz node clean

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

node:
	@[ -d testdata/node/node_modules/socket.io ] || (cd testdata/node && npm ci --no-audit --no-fund)

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

clean:
	rm -rf bin
