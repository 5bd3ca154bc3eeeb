# Model pipeline (issue 4). Included by the top-level Makefile.
# `make model`: full training from seed (<= 45 min on 2 threads) + export + golden vectors.
MODEL_PY      ?= /usr/bin/python3
MODEL_OUT     ?= model/out
MODEL_MINUTES ?= 40
MODEL_SEED    ?= 1

.PHONY: model model-train model-export model-golden model-check model-test model-report

model: model-train model-export model-golden

model-train:
	$(MODEL_PY) model/train.py --minutes $(MODEL_MINUTES) --seed $(MODEL_SEED) --pool 40000 --out $(MODEL_OUT)

model-export:
	$(MODEL_PY) model/export.py --ckpt $(MODEL_OUT)/ckpt.pt

model-golden:
	$(MODEL_PY) model/golden.py

# integer reference vs golden vectors, parser table, renderer (fast)
model-test:
	$(MODEL_PY) -m pytest -q tests/model

# PSNR integer vs float over 50 prompts (needs the checkpoint)
model-check:
	$(MODEL_PY) model/compare.py --n 50 --ckpt $(MODEL_OUT)/ckpt.pt

# image sheet + adherence table (phase 2)
model-report:
	@echo "model-report: not yet implemented (issue 4, phase 2)"; exit 1
