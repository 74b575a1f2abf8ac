#!/usr/bin/env python3
"""Finds runs of RUN or more lines that a tree of ours shares, to the letter, with reference trees.

    compare.py [--run N] OURS REFERENCE...

Lines are compared as the `duplicates` tool compares them: white space folded, and blank lines,
comments, lone punctuation and import lines passed over. Every window of N such lines in a source
file under OURS (.py .go .c .h .cc .rs .sh, the text of .debug_pkl entries included) that also
stands in a .py file under a REFERENCE is printed with both places. Exit status 1 when any is
found, 0 otherwise. This is the exact half of scripts/source_check/run.sh; `duplicates` adds the
runs that differ only in names, strings and numbers.
"""
import os
import re
import sys

OURS_EXT = (".py", ".go", ".c", ".h", ".cc", ".cpp", ".rs", ".sh")
PUNCT = re.compile(r"^[\s()\[\]{}:;,.]*$")
IMPORT = re.compile(r"^(import\s|from\s+\S+\s+import\s)")


def significant(text):
    """(line number, folded text) of the lines that count."""
    kept = []
    for no, line in enumerate(text.splitlines(), 1):
        s = " ".join(line.split())
        if not s or s.startswith(("#", "//")) or PUNCT.match(s) or IMPORT.match(s):
            continue
        kept.append((no, s))
    return kept


def files(root, exts):
    for d, _, names in os.walk(root):
        for n in sorted(names):
            if n.endswith(exts):
                yield os.path.join(d, n)


def read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def main(argv):
    run = 6
    if argv[:1] == ["--run"]:
        run, argv = int(argv[1]), argv[2:]
    if len(argv) < 2:
        sys.exit(__doc__)
    ours, refs = argv[0], argv[1:]
    windows = {}
    for ref in refs:
        for path in files(ref, (".py",)):
            lines = significant(read(path))
            for i in range(len(lines) - run + 1):
                key = tuple(s for _, s in lines[i:i + run])
                windows.setdefault(key, f"{os.path.relpath(path, ref)}:{lines[i][0]}")
    found = 0
    checked = 0
    for path in files(ours, OURS_EXT):
        checked += 1
        lines = significant(read(path))
        i = 0
        while i <= len(lines) - run:
            key = tuple(s for _, s in lines[i:i + run])
            if key in windows:
                found += 1
                print(f"shared: {os.path.relpath(path, ours)}:{lines[i][0]}-{lines[i + run - 1][0]} ~ {windows[key]}")
                i += run
                continue
            i += 1
    print(f"compare.py: {checked} files of ours against {len(windows)} reference windows of {run} lines: "
          f"{found} shared")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
