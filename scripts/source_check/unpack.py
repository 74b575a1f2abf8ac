#!/usr/bin/env python3
"""Lays out the text of a repository and of every archive inside it, for the source check.

    unpack.py repo ROOT OUT      every file git tracks under ROOT, and every zip archive among them
                                 (TorchScript .pt, .carton, .zip; nested archives too) unpacked
    unpack.py sdist TARBALL OUT  the .py files of a Python sdist

Archive entries are written under OUT/<archive path>!/<entry>. Entries compressed with zstd (zip
method 93, as in .carton files) need the `zstandard` module. A TorchScript `.debug_pkl` entry is a
pickle of source ranges; the strings it holds (the Python source text the module was compiled
from) are written out as `<entry>.py`, so that a line-based comparison reads them as code.
Pickles are walked with pickletools (opcodes only: nothing is imported or executed).

Prints one line: how many files and archive entries were written.
"""
import io
import os
import pickletools
import subprocess
import sys
import tarfile
import zipfile

ZSTD_METHOD = 93
MAX_DEPTH = 4


def pickle_strings(data):
    """The str values a pickle holds, in stream order."""
    found = []
    try:
        for op, arg, _ in pickletools.genops(io.BytesIO(data)):
            if isinstance(arg, str) and "UNICODE" in op.name:
                found.append(arg)
    except Exception as e:  # a damaged pickle: keep what was read, say so
        found.append(f"# unreadable pickle after {len(found)} strings: {type(e).__name__}")
    return found


def read_entry(zf, info):
    if info.compress_type != ZSTD_METHOD:
        return zf.read(info)
    try:
        import zstandard
    except ImportError:
        sys.exit("unpack.py: a zstd-compressed entry needs the `zstandard` module (pip install zstandard)")
    raw = zf.fp  # zipfile refuses method 93; read the stored bytes after the local header ourselves
    raw.seek(info.header_offset)
    header = raw.read(30)
    name_len = int.from_bytes(header[26:28], "little")
    extra_len = int.from_bytes(header[28:30], "little")
    raw.seek(info.header_offset + 30 + name_len + extra_len)
    return zstandard.ZstdDecompressor().decompress(raw.read(info.compress_size), max_output_size=1 << 30)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def lay_out(name, data, out, depth, counts):
    """Writes a file, or the entries of an archive (recursively)."""
    if data[:4] == b"PK\x03\x04" and depth < MAX_DEPTH:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                inner = os.path.join(name + "!", info.filename.lstrip("/").replace("..", "__"))
                lay_out(inner, read_entry(zf, info), out, depth + 1, counts)
        counts["archives"] += 1
        return
    if name.endswith(".debug_pkl"):
        text = "\n".join(pickle_strings(data)) + "\n"
        write(os.path.join(out, name + ".py"), text.encode("utf-8", "surrogateescape"))
    else:
        write(os.path.join(out, name), data)
    counts["files" if depth == 0 else "entries"] += 1


def repo(root, out):
    listed = subprocess.run(["git", "-C", root, "ls-files", "-z"], check=True, capture_output=True).stdout
    counts = {"files": 0, "entries": 0, "archives": 0}
    for rel in filter(None, listed.decode().split("\0")):
        path = os.path.join(root, rel)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            lay_out(rel, f.read(), out, 0, counts)
    print(f"unpack.py: {counts['files']} files, {counts['archives']} archives, {counts['entries']} archive entries")


def sdist(tarball, out):
    n = 0
    with tarfile.open(tarball) as tf:
        for m in tf.getmembers():
            if m.isfile() and m.name.endswith(".py"):
                rel = m.name.lstrip("/").replace("..", "__")
                write(os.path.join(out, rel), tf.extractfile(m).read())
                n += 1
    print(f"unpack.py: {n} .py files from {os.path.basename(tarball)}")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("repo", "sdist"):
        sys.exit(__doc__)
    (repo if sys.argv[1] == "repo" else sdist)(sys.argv[2], sys.argv[3])
