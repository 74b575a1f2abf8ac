#!/usr/bin/env python3
"""Step 3 of scripts/source_check/run.sh: `duplicates` between our text and Ludwig's.

    dupcheck.py WORK     WORK/ours (unpack.py repo) and WORK/ludwig/<version> (unpack.py sdist)

For each group of our files, a scratch git repository holds Ludwig's .py files as a commit and the
group as untracked files; `duplicates --change` then lists only the pairs one side of which is
ours. A row between two of our files says "(both added)" and is not a finding; any other row pairs
our text with Ludwig's and fails the check. When a run's rows are cut ("(+N more pairs)") or it is
incomplete, the group is split in two and each half checked again, down to single files, so a
crossing pair can never hide behind pairs of our own. Exit status 1 on any finding.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys

SOURCE_EXT = (".py", ".go", ".c", ".h", ".cc", ".cpp", ".rs", ".sh")
ROW = re.compile(r"^D\d+\s")


def unique_files(root, exts):
    """Relative paths under root, first of each distinct content."""
    seen, out = set(), []
    for d, _, names in sorted(os.walk(root)):
        for n in sorted(names):
            if not n.endswith(exts):
                continue
            p = os.path.join(d, n)
            with open(p, "rb") as f:
                h = hashlib.sha256(f.read()).digest()
            if h not in seen:
                seen.add(h)
                out.append(os.path.relpath(p, root))
    return out


def git(repo, *args):
    subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True)


def reference_repo(work):
    repo = os.path.join(work, "dup")
    ref = os.path.join(work, "ludwig")
    for rel in unique_files(ref, (".py",)):
        dst = os.path.join(repo, "ludwig", rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.join(ref, rel), dst)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=check", "-c", "user.email=check@localhost", "commit", "-qm", "ludwig")
    return repo


def flat_name(i, rel):
    """A short name for our file in the scratch repository (duplicates shortens long paths)."""
    return f"{i:05d}{os.path.splitext(rel)[1]}"


def run_group(repo, ours_root, group):
    target = os.path.join(repo, "ours")
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    names = {flat_name(i, rel): rel for i, rel in enumerate(group)}
    for flat, rel in names.items():
        shutil.copyfile(os.path.join(ours_root, rel), os.path.join(target, flat))
    out = subprocess.run(["duplicates", "--repo", repo, "--change", "--most", "200", "--seconds", "600"],
                         capture_output=True, text=True).stdout
    lines = out.splitlines()
    crossing = [l for l in lines if ROW.match(l) and "(both added)" not in l]
    cut = any(l.startswith(("(+", "incomplete:")) for l in lines)
    return crossing, cut, names, out


def check(repo, ours_root, group):
    crossing, cut, names, out = run_group(repo, ours_root, group)
    if crossing:
        for r in crossing:
            r = re.sub(r"ours/(\d{5}\.\w+)", lambda m: names.get(m.group(1), m.group(0)), r)
            print(f"source-check: shared with Ludwig: {r}", file=sys.stderr)
        return len(crossing)
    if cut:
        if len(group) == 1:
            print(f"source-check: duplicates could not finish on {group[0]}:\n{out}", file=sys.stderr)
            return 1
        half = len(group) // 2
        return check(repo, ours_root, group[:half]) + check(repo, ours_root, group[half:])
    return 0


def main(work):
    ours_root = os.path.join(work, "ours")
    repo = reference_repo(work)
    ours = unique_files(ours_root, SOURCE_EXT)
    found = check(repo, ours_root, ours)
    print(f"source-check: duplicates: {len(ours)} distinct files of ours against Ludwig's sdists: "
          f"{found} shared runs", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
