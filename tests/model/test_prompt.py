"""The Python parser against the specification table model/prompts.tsv."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "model"))
from prompt import parse, tsv_fields  # noqa: E402


def rows():
    with open(os.path.join(HERE, "..", "..", "model", "prompts.tsv")) as f:
        for line in f:
            if line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            yield fields[0].replace("\\t", "\t").replace("\\n", "\n"), fields[1:]


def test_table_size():
    assert len(list(rows())) >= 100


def test_table():
    bad = [(t, want, tsv_fields(*parse(t))) for t, want in rows() if tsv_fields(*parse(t)) != want]
    assert not bad, bad[:5]
