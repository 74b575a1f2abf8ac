#!/usr/bin/python3
"""Compares two folders of goldens value for value: compare_goldens.py OLD_GOLDEN_DIR NEW_GOLDEN_DIR

Every golden file (one per model), every case, and in each case the request, the module inputs and
every stage's values (preprocessed, predicted, postprocessed, the `full` form's columns) must be
equal exactly: the goldens hold float32 values as the exact doubles, so no tolerance applies. A
number must keep its JSON type too (1 and 1.0 differ), and keys their order (the stages' output order). Prints one line per difference, with its
path, and exits 1 if there is any; 0 and a summary when the folders agree. Standard library only.

Used to prove that a change of the generator (testdata/generate.py --out DIR) moved nothing.
"""
import json
import os
import sys
from typing import Any, Iterator, List


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if v is None:
        return "null"
    return type(v).__name__


def _case_label(case: Any, i: int) -> str:
    if isinstance(case, dict) and isinstance(case.get("name"), str):
        return f"cases[{i}:{case['name']}]"
    return f"cases[{i}]"


def differences(old: Any, new: Any, path: str) -> Iterator[str]:
    """Yields a line for every place where new differs from old."""
    if _kind(old) != _kind(new):
        yield f"{path}: {_kind(old)} {_short(old)} became {_kind(new)} {_short(new)}"
        return
    if isinstance(old, dict):
        for key in old:
            if key not in new:
                yield f"{path}.{key}: missing in the new golden"
        for key in new:
            if key not in old:
                yield f"{path}.{key}: only in the new golden"
        common_old = [k for k in old if k in new]
        common_new = [k for k in new if k in old]
        if common_old != common_new:
            yield f"{path}: keys in another order: {common_old} became {common_new}"
        for key in common_old:
            yield from differences(old[key], new[key], f"{path}.{key}")
        return
    if isinstance(old, list):
        if len(old) != len(new):
            yield f"{path}: {len(old)} elements became {len(new)}"
        is_cases = path.endswith(".cases")
        for i, (a, b) in enumerate(zip(old, new)):
            label = f"{path[:-len('.cases')]}.{_case_label(a, i)}" if is_cases else f"{path}[{i}]"
            yield from differences(a, b, label)
        return
    if old != new:
        yield f"{path}: {_short(old)} became {_short(new)}"


def _short(v: Any) -> str:
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 80 else s[:77] + "..."


def _golden_files(d: str) -> List[str]:
    return sorted(f for f in os.listdir(d) if f.endswith(".json"))


def compare_dirs(old_dir: str, new_dir: str) -> List[str]:
    """Returns the difference lines between two golden folders (empty when they agree)."""
    out: List[str] = []
    old_files, new_files = _golden_files(old_dir), _golden_files(new_dir)
    out += [f"{f}: missing in {new_dir}" for f in old_files if f not in new_files]
    out += [f"{f}: only in {new_dir}" for f in new_files if f not in old_files]
    for f in old_files:
        if f not in new_files:
            continue
        with open(os.path.join(old_dir, f), encoding="utf-8") as fh:
            old = json.load(fh)
        with open(os.path.join(new_dir, f), encoding="utf-8") as fh:
            new = json.load(fh)
        out += list(differences(old, new, f[: -len(".json")]))
    return out


def _count(d: str) -> str:
    files = _golden_files(d)
    cases = 0
    for f in files:
        with open(os.path.join(d, f), encoding="utf-8") as fh:
            cases += len(json.load(fh).get("cases", []))
    return f"{len(files)} models, {cases} cases"


def main(argv: List[str]) -> int:
    if len(argv) != 2 or not all(os.path.isdir(a) for a in argv):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    diffs = compare_dirs(argv[0], argv[1])
    for line in diffs:
        print(line)
    if diffs:
        print(f"{len(diffs)} differences", file=sys.stderr)
        return 1
    print(f"equal: {_count(argv[0])}, every request, module input and stage value")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
