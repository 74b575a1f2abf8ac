"""The standard-library path: the suites whose behaviour depends on numpy
and pandas run again in a subprocess with both hidden (LUDWIG_INFER_NO_NUMPY=1)."""

import os
import subprocess
import sys

import pytest

from conftest import HERE, NO_NUMPY


@pytest.mark.skipif(NO_NUMPY, reason="already running with numpy and pandas hidden")
def test_suite_without_numpy_and_pandas():
    env = dict(os.environ, LUDWIG_INFER_NO_NUMPY="1")
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        + [os.path.join(HERE, f) for f in ("test_goldens.py", "test_api.py", "test_errors.py", "test_process.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-5000:] + out.stderr[-3000:]
    assert " passed" in out.stdout


def test_hidden_means_absent():
    code = "import ludwig_infer._compat as c; print(c.np, c.pd, c.HAVE_NUMPY)"
    env = dict(os.environ, LUDWIG_INFER_NO_NUMPY="1", PYTHONPATH=os.path.dirname(HERE))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["None", "None", "False"], out.stderr
