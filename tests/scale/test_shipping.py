"""Shipping a model: ludwig_infer.archive and ModelSource over fsspec
(file:// and memory://), folders and single files; the per-process cache."""

import os

import fsspec
import pytest

import ludwig_infer
from ludwig_infer import _scale
from conftest import golden_frame, model_dir


def _answers(m):
    frame, _ = golden_frame("tabular")
    preds, _ = m.predict(frame, return_type=dict, form="full")
    return {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in preds.items()}


@pytest.fixture(scope="module")
def want():
    with ludwig_infer.InferenceModule.from_directory(model_dir("tabular")) as m:
        return _answers(m)


@pytest.fixture()
def memory_model():
    fs = fsspec.filesystem("memory")
    for name in os.listdir(model_dir("tabular")):
        with open(os.path.join(model_dir("tabular"), name), "rb") as f:
            fs.pipe("/models/tabular/" + name, f.read())
    with open(os.path.join(model_dir("tabular_carton"), "tabular.carton"), "rb") as f:
        fs.pipe("/models/tabular.carton", f.read())
    yield "memory://models"
    fs.rm("/models", recursive=True)


def test_memory_folder_and_file(memory_model, want):
    m = _scale.ModelSource(memory_model + "/tabular").load()
    assert _answers(m) == want
    assert m.directory == "<buffer>"
    c = _scale.ModelSource(memory_model + "/tabular.carton").load()
    assert c.schema["artifact"]["kind"] == "carton"


def test_file_uri_and_archive_of_a_file_uri(want):
    m = _scale.ModelSource("file://" + model_dir("tabular")).load()
    assert m.directory == model_dir("tabular")  # file:// loads the folder in place
    assert _answers(m) == want
    b = ludwig_infer.archive("file://" + model_dir("tabular"))
    assert _answers(ludwig_infer.InferenceModule.from_bytes(b)) == want


def test_archive_of_a_local_folder_is_a_tar_of_its_files():
    import io
    import tarfile

    b = ludwig_infer.archive(model_dir("tabular"))
    with tarfile.open(fileobj=io.BytesIO(b)) as t:
        assert sorted(t.getnames()) == sorted(os.listdir(model_dir("tabular")))
    with open(os.path.join(model_dir("tabular_carton"), "tabular.carton"), "rb") as f:
        assert ludwig_infer.archive(os.path.join(model_dir("tabular_carton"), "tabular.carton")) == f.read()


def test_cache_loads_once_and_keeps_four():
    src = _scale.ModelSource(model_dir("tabular"), warmup=False)
    a, b = src.load(), src.load()
    assert a is b and _scale.load_count(src.key) == 1
    others = [_scale.ModelSource(model_dir(n), warmup=False) for n in ("regression", "binary_plain", "date2", "text_category")]
    for o in others:
        o.load()
    assert a.closed  # the oldest of five went
    assert src.load() is not a and _scale.load_count(src.key) == 2


def test_bad_sources():
    with pytest.raises(TypeError, match="model must be a path, an fsspec URI, archive bytes"):
        _scale.ModelSource(42)
    with pytest.raises(ludwig_infer.NotFoundError, match="model memory://no/such/model: no such file or folder"):
        _scale.ModelSource("memory://no/such/model").load()
