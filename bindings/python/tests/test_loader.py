"""Finding and checking the shared library (each case in a fresh interpreter:
the library is loaded once per process)."""

import os
import shutil
import subprocess
import sys

import pytest

from ludwig_infer import _lib
from conftest import BINDING, REPO

PROBE = "import ludwig_infer as li\ntry:\n    print('OK', li.version(), li.library_path())\nexcept li.LibraryError as e:\n    print('LibraryError', e.code)\n    print(e)\n"


def run_probe(env_extra, pythonpath=BINDING, unset=()):
    env = {k: v for k, v in os.environ.items() if k not in unset and k != "LUDWIG_INFER_LIB"}
    env.update(env_extra)
    env["PYTHONPATH"] = pythonpath
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_search_paths(monkeypatch, tmp_path):
    monkeypatch.delenv("LUDWIG_INFER_LIB", raising=False)
    paths = _lib.search_paths()
    assert paths[0] == os.path.join(os.path.dirname(_lib.__file__), "lib", "libludwiginfer.so")
    pkg = os.path.dirname(os.path.abspath(_lib.__file__))
    assert os.path.normpath(os.path.join(pkg, "..", "..", "..", "build", "libludwiginfer.so")) in paths
    if pkg == os.path.join(BINDING, "ludwig_infer"):  # the source tree finds the repository's build/
        assert os.path.join(REPO, "build", "libludwiginfer.so") in paths
    monkeypatch.setenv("LUDWIG_INFER_LIB", str(tmp_path))
    assert _lib.search_paths() == [str(tmp_path / "libludwiginfer.so")]
    monkeypatch.setenv("LUDWIG_INFER_LIB", str(tmp_path / "x.so"))
    assert _lib.search_paths() == [str(tmp_path / "x.so")]


def test_env_var_file_and_folder():
    lib = os.path.join(REPO, "build", "libludwiginfer.so")
    for value in (lib, os.path.dirname(lib)):
        out = run_probe({"LUDWIG_INFER_LIB": value})
        assert out.startswith("OK 0.1.0 " + lib), out


def test_env_var_missing_names_it(tmp_path):
    missing = str(tmp_path / "nowhere" / "libludwiginfer.so")
    out = run_probe({"LUDWIG_INFER_LIB": missing})
    assert out.startswith("LibraryError None"), out
    assert missing in out and "LUDWIG_INFER_LIB" in out


def test_not_found_names_every_place(tmp_path):
    """A copy of the package with no lib/ and no build/ nearby lists both places."""
    pkg = tmp_path / "a" / "b" / "site"
    shutil.copytree(os.path.join(BINDING, "ludwig_infer"), pkg / "ludwig_infer", ignore=shutil.ignore_patterns("lib", "__pycache__"))
    out = run_probe({}, pythonpath=str(pkg))
    assert out.startswith("LibraryError"), out
    assert str(pkg / "ludwig_infer" / "lib" / "libludwiginfer.so") in out
    assert str(tmp_path / "a" / "build" / "libludwiginfer.so") in out
    assert "./build.sh" in out


def test_package_lib_folder(tmp_path):
    """A library copied into the package's lib/ is found there first."""
    pkg = tmp_path / "site"
    shutil.copytree(os.path.join(BINDING, "ludwig_infer"), pkg / "ludwig_infer", ignore=shutil.ignore_patterns("lib", "__pycache__"))
    (pkg / "ludwig_infer" / "lib").mkdir()
    shutil.copy(os.path.join(REPO, "build", "libludwiginfer.so"), pkg / "ludwig_infer" / "lib")
    out = run_probe({}, pythonpath=str(pkg))
    assert out.startswith("OK 0.1.0 " + str(pkg / "ludwig_infer" / "lib" / "libludwiginfer.so")), out


def _compile(tmp_path, source):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler to build a fake library")
    src = tmp_path / "fake.c"
    src.write_text(source)
    so = tmp_path / "libludwiginfer.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(so), str(src)], check=True)
    return so


def test_unknown_abi_is_refused(tmp_path):
    so = _compile(tmp_path, "int li_abi_version(void) { return 2; }\n")
    out = run_probe({"LUDWIG_INFER_LIB": str(so)})
    assert out.startswith("LibraryError"), out
    assert "ABI version 2" in out and "ABI version 1" in out


def test_not_our_library_is_refused(tmp_path):
    so = _compile(tmp_path, "int something_else(void) { return 1; }\n")
    out = run_probe({"LUDWIG_INFER_LIB": str(so)})
    assert out.startswith("LibraryError") and "li_abi_version" in out, out


def test_unloadable_file_is_reported(tmp_path):
    bad = tmp_path / "libludwiginfer.so"
    bad.write_bytes(b"not an ELF file")
    out = run_probe({"LUDWIG_INFER_LIB": str(bad)})
    assert out.startswith("LibraryError") and "cannot load" in out and str(bad) in out, out
