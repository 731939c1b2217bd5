# The two commands of README's quickstart: `make dev` and `make test`. Each installs whatever
# is missing first (scripts/setup.sh) and is safe to run again.
.PHONY: dev test bench build setup call simulate lint fuzz clean

setup:
	@bash scripts/setup.sh

build: setup
	@bash scripts/build.sh

dev: build
	@bash scripts/dev.sh

test: build
	@bash scripts/test.sh

bench: build
	@bash scripts/bench.sh
	@bash scripts/fuzz.sh

# cargo-fuzz on shared's parsers for FUZZ_SECS seconds each (default 20); part of make bench.
fuzz: setup
	@bash scripts/fuzz.sh

# Simulate a call to a tracking number on the running local edge: make call NUMBER=+15550100201
call:
	@bash scripts/call.sh $(NUMBER)

# Attribution accuracy vs pool size for simulated traffic; pass options with ARGS, e.g.
# make simulate ARGS="--visitors-per-hour 50 --sizes 5,10,20"
simulate:
	@. scripts/env.sh && cargo run -q --release -p ringtrace-shared --features sim --bin simulate -- $(ARGS)

lint: setup
	@bash scripts/lint.sh

clean:
	rm -rf dist target edge/build
