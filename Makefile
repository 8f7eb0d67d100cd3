# Thin wrapper over CMake presets. `make demo` and `make test` work from a clean clone.
.PHONY: all deps build demo test asan bench clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake --preset default >/dev/null
	@cmake --build --preset default

demo: build
	@scripts/demo build/default/countersign

test: build
	@ctest --preset default

asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan
	@ctest --preset asan

bench: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release
	@bench/run build/release

clean:
	rm -rf build
