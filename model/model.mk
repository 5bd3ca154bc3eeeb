# Model pipeline (issue 4). Included by the top-level Makefile.
# `make model`: full training from seed (<= 45 min on 2 threads) + export + golden vectors.
MODEL_PY      ?= /usr/bin/python3
MODEL_OUT     ?= model/out
MODEL_MINUTES ?= 42
MODEL_SEED    ?= 1

.PHONY: model model-train model-export model-golden model-check model-check3 model-test model-report model-judge

model: model-train model-export model-golden

model-train:
	$(MODEL_PY) model/train.py --minutes $(MODEL_MINUTES) --seed $(MODEL_SEED) --pool 40000 --out $(MODEL_OUT)

# the EMA weights of the checkpoint are committed as model/float.pt (float reference for
# the PSNR test and the adherence table); the exporter reads that file
model-export:
	$(MODEL_PY) model/export.py --ckpt $(MODEL_OUT)/ckpt.pt --keep model/float.pt

model-golden:
	$(MODEL_PY) model/golden.py

# integer reference vs golden vectors, parser table, renderer (fast)
model-test:
	$(MODEL_PY) -m pytest -q tests/model

# PSNR integer vs float over 50 prompts (needs the checkpoint)
model-check:
	$(MODEL_PY) model/compare.py --n 50 --ckpt model/float.pt

# PSNR at guidance 3.0 too
model-check3:
	$(MODEL_PY) model/compare.py --n 50 --guidance 30 --ckpt model/float.pt

# the judge (a float classifier of the scenes; model/judge.pt is committed)
model-judge:
	$(MODEL_PY) model/judge.py --train --minutes 6

# sheet of generated images with captions (model/out/sheet.png, ~30 s) and the prompt
# adherence table, float and integer, 200 prompts, 20 steps, guidance 7.5
# (model/out/adherence.md, a few minutes)
model-report:
	$(MODEL_PY) model/sheet.py --out $(MODEL_OUT)/sheet.png
	$(MODEL_PY) model/adherence.py --n 200 --steps 20 --guidance 75 --ckpt model/float.pt --out $(MODEL_OUT)/adherence.md
