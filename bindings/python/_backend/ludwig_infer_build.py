"""A PEP 517 / PEP 660 build backend for the ludwig_infer package, standard
library only, so that

    python3 -m pip install --no-build-isolation ./bindings/python

works offline with nothing but pip (setuptools cannot build a wheel without
the `wheel` package, which --no-build-isolation does not install).

The wheel holds the ludwig_infer package and, when it exists at build time,
the shared library in ludwig_infer/lib/ (the loader looks there): from
$LUDWIG_INFER_LIB (a file or a folder) or the repository's
build/libludwiginfer.so. A wheel with the library is tagged for this
platform; without it, py3-none-any. LUDWIG_INFER_BUNDLE=0 leaves it out.
An editable install (pip install -e) points a .pth file at the source tree,
which finds the library in build/.
"""

import base64
import hashlib
import io
import os
import re
import sysconfig
import tarfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # bindings/python
PACKAGE = "ludwig_infer"
PROJECT = "ludwig-infer"
DIST = "ludwig_infer"
LIB_NAMES = ("libludwiginfer.so", "libludwiginfer.dylib", "ludwiginfer.dll")
# A fixed timestamp (2020-01-01) keeps the archives reproducible.
EPOCH = (2020, 1, 1, 0, 0, 0)


def _version():
    with open(os.path.join(ROOT, PACKAGE, "_version.py"), encoding="utf-8") as f:
        m = re.search(r'^__version__\s*=\s*"([^"]+)"', f.read(), re.M)
    if not m:
        raise RuntimeError("no __version__ in %s/_version.py" % PACKAGE)
    return m.group(1)


def _metadata():
    readme = ""
    path = os.path.join(ROOT, "README.md")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            readme = f.read()
    lines = [
        "Metadata-Version: 2.1",
        "Name: %s" % PROJECT,
        "Version: %s" % _version(),
        "Summary: Run Ludwig TorchScript exports without torch or Ludwig (ctypes binding of libludwiginfer)",
        "Requires-Python: >=3.8",
        "Provides-Extra: numpy",
        "Requires-Dist: numpy; extra == \"numpy\"",
        "Provides-Extra: pandas",
        "Requires-Dist: numpy; extra == \"pandas\"",
        "Requires-Dist: pandas; extra == \"pandas\"",
        "Description-Content-Type: text/markdown",
    ]
    return "\n".join(lines) + "\n\n" + readme


def _library():
    """The shared library to bundle, or None."""
    if os.environ.get("LUDWIG_INFER_BUNDLE", "1").strip().lower() in ("0", "false", "no"):
        return None
    env = os.environ.get("LUDWIG_INFER_LIB", "").strip()
    if env:
        candidates = [os.path.join(env, n) for n in LIB_NAMES] if os.path.isdir(env) else [env]
    else:
        build = os.path.join(os.path.dirname(os.path.dirname(ROOT)), "build")
        candidates = [os.path.join(build, n) for n in LIB_NAMES]
    for c in candidates:
        if os.path.isfile(c):
            return c
    return None


def _bundled_name(lib):
    """The name the loader looks for: a versioned file (libludwiginfer.so.1,
    what `./build.sh install` puts in lib/) is stored unversioned."""
    base = os.path.basename(lib)
    if base.startswith("libludwiginfer.so."):
        return "libludwiginfer.so"
    return base


def _package_files():
    """(archive name, path) of every file of the package (no caches, no lib/)."""
    out = []
    base = os.path.join(ROOT, PACKAGE)
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", "lib"))
        for fn in sorted(filenames):
            if fn.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(dirpath, fn)
            out.append((os.path.relpath(path, ROOT).replace(os.sep, "/"), path))
    return out


def _digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")


class _Wheel:
    def __init__(self, path):
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self.records = []

    def add(self, arcname, data, mode=0o644):
        if isinstance(data, str):
            data = data.encode("utf-8")
        info = zipfile.ZipInfo(arcname, EPOCH)
        info.external_attr = (0o100000 | mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        self.records.append("%s,%s,%d" % (arcname, _digest(data), len(data)))

    def finish(self, dist_info):
        record = dist_info + "/RECORD"
        self.records.append(record + ",,")
        info = zipfile.ZipInfo(record, EPOCH)
        info.external_attr = (0o100644) << 16
        self.zip.writestr(info, "\n".join(self.records) + "\n")
        self.zip.close()


def _platform_tag():
    return re.sub(r"[^A-Za-z0-9]", "_", sysconfig.get_platform())


def _write_wheel(wheel_directory, editable):
    version = _version()
    lib = None if editable else _library()
    tag = "py3-none-%s" % _platform_tag() if lib else "py3-none-any"
    name = "%s-%s-%s.whl" % (DIST, version, tag)
    dist_info = "%s-%s.dist-info" % (DIST, version)
    w = _Wheel(os.path.join(wheel_directory, name))
    if editable:
        w.add("__editable__.%s.pth" % DIST, ROOT + "\n")
    else:
        for arcname, path in _package_files():
            with open(path, "rb") as f:
                w.add(arcname, f.read())
        if lib:
            with open(lib, "rb") as f:
                w.add("%s/lib/%s" % (PACKAGE, _bundled_name(lib)), f.read(), 0o755)
    w.add(dist_info + "/METADATA", _metadata())
    w.add(
        dist_info + "/WHEEL",
        "Wheel-Version: 1.0\nGenerator: ludwig_infer_build\nRoot-Is-Purelib: %s\nTag: %s\n"
        % ("false" if lib else "true", tag),
    )
    w.add(dist_info + "/top_level.txt", PACKAGE + "\n")
    w.finish(dist_info)
    return name


# --- PEP 517 -----------------------------------------------------------------


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, editable=False)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, editable=True)


def build_sdist(sdist_directory, config_settings=None):
    version = _version()
    base = "%s-%s" % (DIST, version)
    name = base + ".tar.gz"
    files = [("pyproject.toml", os.path.join(ROOT, "pyproject.toml"))]
    for extra in ("README.md", "bench_latency.py"):
        if os.path.exists(os.path.join(ROOT, extra)):
            files.append((extra, os.path.join(ROOT, extra)))
    files.append(("_backend/ludwig_infer_build.py", os.path.abspath(__file__)))
    files += _package_files()
    tests = os.path.join(ROOT, "tests")
    for fn in sorted(os.listdir(tests)) if os.path.isdir(tests) else ():
        if fn.endswith(".py"):
            files.append(("tests/" + fn, os.path.join(tests, fn)))

    def add(tar, arcname, data):
        info = tarfile.TarInfo("%s/%s" % (base, arcname))
        info.size = len(data)
        info.mtime = int(time.mktime(EPOCH + (0, 0, -1)))
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(data))

    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for arcname, path in files:
            with open(path, "rb") as f:
                add(tar, arcname, f.read())
        add(tar, "PKG-INFO", _metadata().encode("utf-8"))
    return name
