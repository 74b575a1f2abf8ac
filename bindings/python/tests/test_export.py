"""ludwig_infer.export without Ludwig: the module stays optional, its errors are clear, and its
check's comparison rule holds. (The export itself runs in the Ludwig 0.17.10 venv:
conformance/current/, README "Ludwig 0.17.10".)"""

import json
import os
import subprocess
import sys

import pytest

from conftest import BINDING

from ludwig_infer import export


def run_module(*args, env=None):
    e = dict(os.environ, PYTHONPATH=BINDING, **(env or {}))
    return subprocess.run([sys.executable, "-m", "ludwig_infer.export", *args], capture_output=True, text=True,
                          env=e, timeout=120)


def test_import_ludwig_infer_does_not_import_export():
    code = "import sys, ludwig_infer; print('ludwig_infer.export' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=BINDING))
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_module_imports_only_the_standard_library():
    # ludwig_infer itself uses numpy when installed: only what the export module adds counts
    code = ("import sys, ludwig_infer; before = set(sys.modules); import ludwig_infer.export; "
            "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in "
            "('torch', 'ludwig', 'numpy', 'pandas')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=BINDING))
    assert out.stdout.strip() == "[]", out.stderr


def test_folder_without_the_json_files(tmp_path):
    (tmp_path / "model_weights.safetensors").write_bytes(b"x")
    out = run_module(str(tmp_path), str(tmp_path / "out"))
    assert out.returncode == 2
    assert out.stderr == (f"ludwig_infer.export: {tmp_path}: no model_hyperparameters.json "
                          "(expected a folder written by LudwigModel.save)\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(
    subprocess.run([sys.executable, "-c", "import ludwig"], capture_output=True).returncode == 0,
    reason="Ludwig is installed here")
def test_without_ludwig(tmp_path):
    for f in export.JSON_FILES:
        (tmp_path / f).write_text("{}")
    out = run_module(str(tmp_path), str(tmp_path / "out"))
    assert out.returncode == 2
    assert out.stderr == ("ludwig_infer.export: Ludwig is not installed: the export helper needs ludwig>=0.13 "
                          "and torch (pip install 'ludwig-infer[export]')\n")


def test_max_batch_below_two(tmp_path):
    for f in export.JSON_FILES:
        (tmp_path / f).write_text("{}")
    out = run_module(str(tmp_path), str(tmp_path / "out"), "--max-batch", "1")
    assert out.returncode == 2
    assert out.stderr == "ludwig_infer.export: --max-batch must be at least 2, got 1\n"


def test_version_gate():
    assert export._version_tuple("0.13.0") == (0, 13)
    assert export._version_tuple("0.17.10") == (0, 17)
    assert export._version_tuple("0.12.3rc1") == (0, 12)
    assert export._version_tuple("1.0.0.dev0") == (1, 0)
    assert export._version_tuple("0.12.3") < export.MIN_LUDWIG <= export._version_tuple("0.13.0")


def test_compare_values():
    assert export.compare_values(1.0, 1.0 + 1e-5) == pytest.approx((1e-5, 0), abs=1e-12)
    d, bad = export.compare_values(1.0, 1.0 + 3e-5)
    assert bad == 1 and d == pytest.approx(3e-5)
    assert export.compare_values("a", "a") == (0.0, 0)
    assert export.compare_values("a", "b") == (0.0, 1)
    assert export.compare_values(True, True) == (0.0, 0)
    assert export.compare_values(False, True) == (0.0, 1)
    assert export.compare_values([0.5, "x"], [0.5, "x"]) == (0.0, 0)
    assert export.compare_values([0.5], [0.5, 0.5]) == (0.0, 1)
    assert export.compare_values(None, None) == (0.0, 0)
    assert export.compare_values(None, 0.5) == (0.0, 1)


def test_find_cli(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("LUDWIG_INFER_CLI", raising=False)
    with pytest.raises(export.ExportError, match="ludwig-infer not found for the check"):
        export.find_cli()
    monkeypatch.setenv("LUDWIG_INFER_CLI", "/x/ludwig-infer")
    assert export.find_cli() == "/x/ludwig-infer"
    assert export.find_cli("/y/li") == "/y/li"


def test_archive_stack_traces(tmp_path):
    import zipfile

    p = tmp_path / "model.pt2"
    prog = {"graph_module": {"graph": {"nodes": [{"metadata": {"stack_trace": "File x.py, line 1"}},
                                                 {"metadata": {}}]}}}
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("model/models/model.json", json.dumps(prog))
        z.writestr("model/archive_format", "pt2")
    assert export.archive_stack_traces(str(p)) == 1
