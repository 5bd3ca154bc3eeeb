# Model pipeline (issue 4). Included by the top-level Makefile.
# `make model`: training from seed (a fixed step count, reproducible; two threads, see
# model/REPORT.md for its time on this machine) + export + golden vectors. Issue 21's model
# starts from issue 4's one-object weights (model/base.pt, its `make model` at commit 00f0fae)
# and learns the second object, the relation and the flatter renders in MODEL_STEPS steps.
MODEL_PY      ?= /usr/bin/python3
MODEL_OUT     ?= model/out
MODEL_STEPS   ?= 22000
MODEL_SEED    ?= 1

.PHONY: model model-train model-export model-golden model-check model-check3 model-test model-report model-judge

model: model-train model-export model-golden

model-train:
	$(MODEL_PY) model/train.py --init model/base.pt --steps $(MODEL_STEPS) --batch 96 --lr 1e-3 \
	  --seed $(MODEL_SEED) --pool 40000 --threads 2 --out $(MODEL_OUT)

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
	$(MODEL_PY) model/judge.py --train --steps 3000

# sheet of generated images with captions, one and two objects (model/out/sheet.png, ~30 s),
# and the prompt adherence tables, float and integer, 200 one-object and 200 two-object
# prompts, 20 steps, guidance 7.5, with background noise (model/out/adherence.md, a few minutes)
model-report:
	$(MODEL_PY) model/sheet.py --out $(MODEL_OUT)/sheet.png
	$(MODEL_PY) model/adherence.py --n 200 --n2 200 --steps 20 --guidance 75 --ckpt model/float.pt --out $(MODEL_OUT)/adherence.md
