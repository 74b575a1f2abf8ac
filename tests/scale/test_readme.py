"""The README's "At scale" examples (one Spark, one Ray) run as written from
the repository root and print the predictions `ludwig-infer predict` gives."""

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import CLI, REPO, model_dir


def _examples():
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## At scale") :]
    section = section[: section.index("\n## ", 4)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_two_examples():
    codes = _examples()
    assert len(codes) == 2 and "pyspark" in codes[0] and "ray" in codes[1]


@pytest.mark.parametrize("index", [0, 1], ids=["spark", "ray"])
def test_example_runs(index):
    code = _examples()[index]
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    cli = subprocess.run(
        [CLI, "predict", "--model", model_dir("tabular"), "--dataset", os.path.join(REPO, "testdata", "data", "tabular.csv")],
        check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    labels = [json.loads(line)["plan_predictions"] for line in cli[:3]]
    for i, label in enumerate(labels):
        # Spark's show() prints "|c000|basic|..."; Ray's take() prints dicts.
        row = re.search(r"c00%d\W+(plan_predictions\W+)?%s\b" % (i, label), out.stdout)
        assert row, "row c00%d: %s not in\n%s" % (i, label, out.stdout)
