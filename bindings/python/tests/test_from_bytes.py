"""InferenceModule.from_bytes (li_load_buffer): archives in memory answer as the folder does."""

import io
import json
import tarfile
import zipfile

import pytest

import ludwig_infer
from conftest import load_golden, model_dir


def _plain(preds):
    """JSON text of a predictions dict (numpy arrays as lists)."""
    return json.dumps({k: v.tolist() if hasattr(v, "tolist") else v for k, v in preds.items()})


def _tar(name, gz=False):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w:gz" if gz else "w") as t:
        t.add(model_dir(name), arcname=name)
    return b.getvalue()


def _zip(name):
    import os

    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(os.listdir(model_dir(name))):
            z.write(os.path.join(model_dir(name), f), f)
    return b.getvalue()


@pytest.mark.parametrize("pack", ["tar", "tar.gz", "zip", "bytearray", "memoryview"])
def test_archives_answer_as_the_folder(models, pack):
    data = {
        "tar": lambda: _tar("tabular"),
        "tar.gz": lambda: _tar("tabular", gz=True),
        "zip": lambda: _zip("tabular"),
        "bytearray": lambda: bytearray(_tar("tabular")),
        "memoryview": lambda: memoryview(_zip("tabular")),
    }[pack]()
    want = models("tabular")
    with ludwig_infer.InferenceModule.from_bytes(data, warmup=False) as m:
        for case in load_golden("tabular")["cases"]:
            got, _ = m.predict(case["request"], return_type=dict, form="full")
            exp, _ = want.predict(case["request"], return_type=dict, form="full")
            assert _plain(got) == _plain(exp)
        assert m.directory == "<buffer>"
        assert m.schema["path"].startswith("<buffer>")
        assert m.config is None
        assert m.schema["artifact"]["kind"] == "torchscript_export"


def test_carton_bytes():
    with open(model_dir("tabular_carton") + "/tabular.carton", "rb") as f:
        data = f.read()
    with ludwig_infer.InferenceModule.from_bytes(data) as m:
        assert m.schema["artifact"]["kind"] == "carton"
        assert m.schema["path"] == "<buffer>/model.carton"


def test_errors():
    with pytest.raises(ludwig_infer.InvalidArgumentError, match="the model buffer is empty"):
        ludwig_infer.InferenceModule.from_bytes(b"")
    with pytest.raises(ludwig_infer.ModelError, match="not a zip, tar or tar.gz archive"):
        ludwig_infer.InferenceModule.from_bytes(b"model please")
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        info = tarfile.TarInfo("../escape.json")
        info.size = 2
        t.addfile(info, io.BytesIO(b"{}"))
    with pytest.raises(ludwig_infer.ModelError, match=r'entry "\.\./escape\.json" is not a relative path'):
        ludwig_infer.InferenceModule.from_bytes(b.getvalue())
    with pytest.raises(TypeError):
        ludwig_infer.InferenceModule.from_bytes(42)


def test_scale_modules_import_lazily():
    """import ludwig_infer.spark / .ray loads neither the frameworks nor the
    native library (a pyspark daemon that forks workers may import them)."""
    import os
    import subprocess
    import sys

    from conftest import BINDING

    code = (
        "import sys, ludwig_infer, ludwig_infer.spark, ludwig_infer.ray, ludwig_infer._lib as l;"
        "print(l._lib is None, [m for m in ('pyspark', 'ray', 'pyarrow', 'fsspec') if m in sys.modules])"
    )
    env = dict(os.environ, PYTHONPATH=BINDING)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "True []", out.stderr
