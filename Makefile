# Therabot backend. The two commands: `make dev` and `make test`. `make help` lists the rest.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help
export PORT ?= 3000
export AWS_PORT ?= 4566
# aws-lc seeds its random generator from the kernel only, without CPU-jitter sampling: that
# sampling was two thirds of a cold start's CPU (docs/decisions/0028). Every build made through
# make (tests, `make build`, `sam build`) gets the same setting, so they share one aws-lc.
export AWS_LC_SYS_NO_JITTER_ENTROPY ?= 1
# The Lambda functions (one binary each, under functions/).
FUNCTIONS := moods chat journals exercises account

.PHONY: help bootstrap dev stop test lint fmt openapi build deploy bench bench-account clean screen-layer train-screen train-lexical screen-calibrate screen-score screen-reference

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

bootstrap: ## Install the local AWS stand-in and linters into .venv (first run only)
	@tests/local/bootstrap.sh

dev: bootstrap ## Serve the whole API on 127.0.0.1:$PORT with local DynamoDB, auth and chatbot
	@tests/local/aws.sh start
	AWS_ENDPOINT_URL=http://127.0.0.1:$(AWS_PORT) cargo run -p therabot-local --bin therabot-dev

stop: ## Stop the local AWS stand-in started by `make dev`
	@tests/local/aws.sh stop

test: bootstrap lint ## Lint, then run every test against fresh local services
	@tests/local/run-tests.sh

lint: bootstrap ## cargo fmt --check, clippy -D warnings, cfn-lint, sam validate --lint
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	.venv/bin/cfn-lint template.yaml
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 .venv/bin/sam validate --lint --template template.yaml

fmt: ## Format the code
	cargo fmt --all

openapi: ## Regenerate docs/openapi.json from the code
	cargo run -q -p therabot-local --bin therabot-dev -- openapi > docs/openapi.json

screen-layer: bootstrap ## Lay out the crisis screen's encoder as a Lambda layer in .local/screen-layer/
	rm -rf .local/screen-layer && mkdir -p .local/screen-layer/screen-model
	cp .models/multilingual-e5-small/e5-small-q4.bin .local/screen-layer/screen-model/

build: screen-layer ## Build every function for Lambda (arm64 zips in target/lambda/) and the screen's model layer
	@tests/local/bootstrap.sh deploy
	PATH="$(CURDIR)/.venv-deploy/bin:$$PATH" cargo lambda build --release --arm64 $(addprefix -p ,$(FUNCTIONS)) --output-format zip

deploy: screen-layer ## sam build && sam deploy (STAGE=dev|prod, uses samconfig.toml)
	@tests/local/bootstrap.sh deploy
	PATH="$(CURDIR)/.venv-deploy/bin:$$PATH" sam build --beta-features
	PATH="$(CURDIR)/.venv-deploy/bin:$$PATH" sam deploy --config-env $${STAGE:-dev}

bench: bootstrap ## Measure the cold path (beside a Python peer), latency and memory of the release functions (docs/benchmarks.md)
	@FUNCTIONS="$(FUNCTIONS)" tests/local/bench.sh

bench-account: bootstrap ## Time export and erasure at 5,000 and 50,000 items (BENCH_ACCOUNT_ITEMS=...)
	@tests/local/run-tests.sh --run-ignored only --no-capture -E 'test(bench_export_and_erasure)'

train-screen: ## Retrain the screen's adapters, head and lexical model on the train split (PyTorch from PyPI; see docs/safety-screen.md)
	@tests/local/bootstrap.sh train
	HF_HUB_OFFLINE=1 .venv-train/bin/python shared/screen/train/train_adapter.py .models/multilingual-e5-small/e5-small-q4.bin \
	  shared/screen/data shared/screen/model/head.json \
	  1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f $${THREADS:-2}
	.venv-train/bin/python shared/screen/train/train_lexical.py shared/screen/data shared/screen/model/lexical.json
	@$(MAKE) --no-print-directory screen-calibrate

train-lexical: ## Refit only the screen's lexical model on the train split (numpy and scikit-learn, no PyTorch; thresholds untouched)
	@tests/local/bootstrap.sh lexical
	.venv-lexical/bin/python shared/screen/train/train_lexical.py shared/screen/data shared/screen/model/lexical.json

screen-calibrate: bootstrap ## Set the screen's thresholds (English, other languages) from the calibration slice into model/head.json
	cargo run -q --release -p therabot-screen --bin screen-tool -- calibrate --write

screen-score: bootstrap ## First-contact score of a new labelled batch: make screen-score BATCH=path.tsv
	cargo run -q --release -p therabot-screen --bin screen-tool -- score --misses $(BATCH)

screen-reference: ## Regenerate the encoder's reference embeddings (PyTorch) for the parity test
	@tests/local/bootstrap.sh train
	HF_HUB_OFFLINE=1 .venv-train/bin/python shared/screen/train/reference.py .models/multilingual-e5-small/e5-small-q4.bin shared/screen/model/reference.json

clean: ## Remove build output and local state
	cargo clean
	rm -rf .local .aws-sam
