"""Compares ludwig-infer with Ludwig for every case and prints the pass/fail table.

For each case that Ludwig trained and exported (ludwig_side.py), runs li_runner.py in its own
process (a crash is attributed to its case), then checks, per request (the held-out batch and
a single row):

  columns   ludwig-infer's `columns` form == InferenceModule.predict's columns: same names in
            the same order, strings/bools exact, floats |a-b| <= 1e-5 + 1e-5*|b|.
  full      ludwig-infer's `full` form == its `columns` plus the columns derived from Ludwig's
            TorchScript outputs (binary/category <f>_probabilities_<label>, <f>_probability;
            text <f>_response),
            and == LudwigModel.predict's columns of the same names wherever Ludwig's two paths
            agree on that feature (contract section 9 lists where they do not), in
            LudwigModel.predict's column order.

Exit status: 0 all pass; 1 a ludwig-infer mismatch or error; 2 only unexpected Ludwig failures.

Usage: python check.py --work DIR --lib LIB [--site SITE] [CASE ...]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ATOL = RTOL = 1e-5


def diff(a, b, path=""):
    """First difference between got a and expected b, or None."""
    if isinstance(b, list):
        if not isinstance(a, list):
            return f"{path}: got {short(a)}, want a list {short(b)}"
        if len(a) != len(b):
            return f"{path}: got {len(a)} items, want {len(b)} ({short(a)} vs {short(b)})"
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    if isinstance(b, bool) or isinstance(a, bool) or isinstance(b, str) or isinstance(a, str):
        return None if (a == b and type(a) is type(b)) else f"{path}: got {short(a)}, want {short(b)}"
    if b is None or a is None:
        return None if a is None and b is None else f"{path}: got {short(a)}, want {short(b)}"
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return None if abs(a - b) <= ATOL + RTOL * abs(b) else f"{path}: got {a!r}, want {b!r} (|diff| {abs(a-b):.3g})"
    return None if a == b else f"{path}: got {short(a)}, want {short(b)}"


def short(v, n=160):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[:n] + "..."


def check_request(got, exp):
    """Returns (columns_errors, full_errors, notes)."""
    cerr, ferr, notes = [], [], []
    cols = got.get("columns", {})
    if "__error__" in cols:
        cerr.append(f"li_infer failed: {cols['__error__']}")
    else:
        want = exp["columns"]
        if list(cols) != exp["column_order"]:
            if set(cols) != set(want):
                cerr.append(f"column names: got {sorted(cols)}, want {sorted(want)}")
            else:
                cerr.append(f"column order: got {list(cols)}, want {exp['column_order']}")
        for c, w in want.items():
            if c in cols:
                d = diff(cols[c], w, c)
                if d:
                    cerr.append(d)
    full = got.get("full", {})
    if "__error__" in full:
        ferr.append(f"li_infer failed: {full['__error__']}")
        return cerr, ferr, notes
    want_full = dict(exp["columns"])
    want_full.update(exp["derived_full"])
    extra = [c for c in full if c not in want_full]
    missing = [c for c in want_full if c not in full]
    if extra:
        ferr.append(f"unexpected full columns {extra}")
    if missing:
        ferr.append(f"missing full columns {missing}")
    for c, w in want_full.items():
        if c in full:
            d = diff(full[c], w, c)
            if d:
                ferr.append(d + (" (derived from TorchScript outputs)" if c in exp["derived_full"] else ""))
    # Against LudwigModel.predict, where Ludwig's two paths agree on the feature.
    py = exp["python"]
    disagreement = python_disagreement(exp) if not exp.get("python_error") else {}
    for feat, why in disagreement.items():
        if why:
            notes.append(f"Ludwig's two paths differ on {feat}: {why[0]}")
    for c in exp["derived_full"]:
        feat = next((f for f in disagreement if c.startswith(f + "_")), None)
        # A text output's <f>_response: compared wherever Ludwig's paths agree on the tokens.
        text = next((f for f, t in exp["outputs"].items() if t == "text" and c == f + "_response"), None)
        if text is not None:
            pc = f"{text}_predictions"
            if c in full and pc in py and not diff(exp["columns"].get(pc), py[pc], pc):
                d = diff(full[c], py.get(c), c)
                if d:
                    ferr.append(d + " (vs LudwigModel.predict)")
            continue
        if feat is None or c not in full or disagreement[feat]:
            continue
        if c not in py:
            ferr.append(f"{c}: LudwigModel.predict has no such column")
            continue
        # Ludwig's two paths agree within Ludwig's own tolerance (1e-4, its is_all_close);
        # ludwig-infer follows the TorchScript path, so it is judged with that tolerance here.
        d = diff_tol(full[c], py[c], 1e-4, c)
        if d:
            ferr.append(d + " (vs LudwigModel.predict)")
    if exp.get("python_error"):
        notes.append(f"LudwigModel.predict failed: {exp['python_error']}")
    python_only = sorted(c for c in py if c not in full)
    if python_only:
        notes.append(f"LudwigModel.predict columns not in full: {python_only}")
    # The full form keeps LudwigModel.predict's column order (its columns that full also has).
    py_order = [c for c in py if c in full]
    full_order = [c for c in full if c in py]
    if py_order != full_order:
        ferr.append(f"column order: got {full_order}, LudwigModel.predict has {py_order}")
    return cerr, ferr, notes


def python_disagreement(exp):
    """Per binary/category output: where do Ludwig's two paths (TorchScript,
    LudwigModel.predict) differ on predictions or probabilities? Judged with Ludwig's own
    test tolerance (is_all_close: 1e-4)."""
    out = {}
    for name, t in exp["outputs"].items():
        if t not in ("binary", "category"):
            continue
        why = []
        for key in ("predictions", "probabilities"):
            col = f"{name}_{key}"
            a, b = exp["columns"].get(col), exp["python"].get(col)
            if a is None or b is None:
                why.append(f"{col} missing on one path")
                continue
            rows = [i for i, (x, y) in enumerate(zip(a, b)) if diff_tol(x, y, 1e-4, col)]
            if rows:
                i = rows[0]
                why.append(f"{col} differs in {len(rows)} of {len(a)} rows; row {i}: TorchScript "
                           f"{short(a[i], 80)} vs Python {short(b[i], 80)}")
        out[name] = why
    return out


def diff_tol(a, b, atol, path):
    global ATOL
    old = ATOL
    ATOL = atol
    try:
        return diff(a, b, path)
    finally:
        ATOL = old


# Features that stay in TorchScript by design (docs/native.md): classes with no native
# implementation at all. Any other feature left to TorchScript must owe it to a class that
# recognition does not know (a tokenizer outside knownOps, say), never to a known class.
BY_DESIGN = {"_ImagePreprocessing", "_AudioPreprocessing", "_TimeseriesPostprocessing"}
WHY_RE = re.compile(r'^(input|output) feature "(.*?)" \((\w+)\): (.*)$')
ALL_OR_NONE = "postprocessing runs natively only when every output feature can"


def recognition_errors(st_info):
    """Native recognition against this real export: every class recognition knows uses only
    the operations core/native/ops.go lists for it, and every feature that could run natively
    does (see issue 14: knownOps must come from real exports)."""
    errs = []
    code = st_info.get("code")
    if code is None:
        return ["model info has no stages.code (the library predates the op-set record)"]
    unknown_class = set()
    for c in code:
        if c["known"] and c["unknown"]:
            errs.append(f"feature {c['feature']}: Ludwig's {c['class']} uses {', '.join(c['unknown'])}, "
                        f"which core/native/ops.go does not list for it")
        if not c["known"]:
            unknown_class.add(c["feature"])
    for why in st_info.get("torchscript") or []:
        m = WHY_RE.match(why)
        if m is None:
            if ALL_OR_NONE not in why:
                errs.append(f"left to TorchScript: {why}")
            continue
        feature, cls = m.group(2), m.group(3)
        if cls in BY_DESIGN or feature in unknown_class:
            continue
        errs.append(f"recognisable but not recognised: {why}")
    return errs


GO_OP_RE = re.compile(r"(aten::\w+|prim::\w+|ops\.\w+\.\w+)")


def go_engine(got):
    """The Go engine's coverage of this case: 'go' when it runs the predictor, else the first
    operator it lacks (or its load error)."""
    ge = got.get("go_engine")
    if ge is None:
        return "go: not tried"
    if ge.get("loaded"):
        return "go"
    m = GO_OP_RE.search(ge.get("error", ""))
    return "go: falls back (" + (m.group(1) if m else ge.get("error", "")[:60]) + ")"


def evaluate(name, cdir, args):
    """Runs and checks one case. Returns (result, features, detail, details, notes)."""
    with open(os.path.join(cdir, "status.json")) as fh:
        st = json.load(fh)
    with open(os.path.join(cdir, "case.json")) as fh:
        case = json.load(fh)
    what = f"{'+'.join(sorted(set(case['inputs'])))} -> {'+'.join(sorted(set(case['outputs'])))}"
    if st["ludwig"] != "ok":
        msg = f"{name}: Ludwig failed at {st['stage']}: {st['error'][:600]}"
        if st.get("expected_failure"):
            return "XFAIL-LUDWIG", what, f"Ludwig fails at {st['stage']} (expected)", [msg], []
        return "LUDWIG-ERROR", what, f"Ludwig failed at {st['stage']}", [msg], []
    t0 = time.time()
    got_path = os.path.join(cdir, "got.json")
    if os.path.exists(got_path):
        os.remove(got_path)
    proc = subprocess.run([sys.executable, os.path.join(HERE, "li_runner.py"), "--lib", args.lib,
                           "--site", args.site, cdir], capture_output=True, text=True, timeout=600)
    secs = time.time() - t0
    if proc.returncode != 0 or not os.path.exists(got_path):
        return "FAIL", what, f"runner exited {proc.returncode}", [
            f"{name}: runner exited {proc.returncode}:\n{proc.stderr[-2000:]}"], []
    with open(got_path, encoding="utf-8") as fh:
        got = json.load(fh)
    if "load_error" in got:
        return "FAIL", what, "li_load failed", [f"{name}: li_load: {got['load_error']}"], []
    with open(os.path.join(cdir, "expected.json"), encoding="utf-8") as fh:
        exp = json.load(fh)
    errs, notes = [], []
    for rname, e in exp["requests"].items():
        g = got["requests"].get(rname, {})
        ce, fe, nt = check_request(g, e)
        errs += [f"[{rname} columns] {x}" for x in ce] + [f"[{rname} full] {x}" for x in fe]
        notes += [f"[{rname}] {x}" for x in nt]
        # Native (Go) pre/postprocessing against the export's TorchScript modules, exact.
        if "native_vs_torchscript" not in g:
            errs.append(f"[{rname} native vs TorchScript] not compared: "
                        f"{got.get('torchscript_load_error', 'no comparison in got.json')}")
        else:
            errs += [f"[{rname} native vs TorchScript] {x}" for x in g["native_vs_torchscript"]]
        # The Go engine against libtorch (1e-5), where the Go engine loads the export.
        if "go_vs_libtorch" in g:
            go_errs, go_notes = g["go_vs_libtorch"]
            errs += [f"[{rname} go engine vs libtorch] {x}" for x in go_errs]
            notes += [f"[{rname} go engine vs libtorch] {x}" for x in go_notes]
    notes = list(dict.fromkeys(notes))
    st_info = got.get("stages", {})
    errs += [f"[recognition] {x}" for x in recognition_errors(st_info)]
    native = (f"native {len(st_info.get('native_inputs') or [])}/{len(case['inputs'])} in, "
              f"{len(st_info.get('native_outputs') or [])}/{len(case['outputs'])} out; {go_engine(got)}")
    if errs:
        return "FAIL", what, errs[0][:110], [f"{name}:\n  " + "\n  ".join(errs[:12])], notes
    return "PASS", what, f"{secs:.1f} s; {native}" + (f"; {len(notes)} note(s)" if notes else ""), [], notes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--site", default="")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    sys.path.insert(0, HERE)
    import cases as catalogue  # noqa: E402 - only for the order and the list of current cases

    root = os.path.join(args.work, "cases")
    names = args.cases or [c["name"] for c in catalogue.CASES]
    names = [n for n in names if os.path.exists(os.path.join(root, n, "status.json"))]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda n: evaluate(n, os.path.join(root, n), args), names))
    rows = [(n,) + r[:3] for n, r in zip(names, results)]
    w = max([len(r[0]) for r in rows] + [4])
    print()
    print(f"{'case':<{w}}  {'result':<12}  {'features':<40}  detail")
    print(f"{'-'*w}  {'-'*12}  {'-'*40}  {'-'*30}")
    for r in rows:
        print(f"{r[0]:<{w}}  {r[1]:<12}  {r[2][:40]:<40}  {r[3]}")
    details = [d for r in results for d in r[3]]
    if details:
        print("\nDetails:")
        for d in details:
            print(d)
    notes = [(n, r[4]) for n, r in zip(names, results) if r[4]]
    if notes:
        print("\nNotes (not failures: where Ludwig's own two paths differ, or its Python path has more):")
        for n, ns in notes:
            for x in ns:
                print(f"  {n}: {x[:300]}")
    counts = {}
    for r in rows:
        counts[r[1]] = counts.get(r[1], 0) + 1
    n_pass, n_fail = counts.get("PASS", 0), counts.get("FAIL", 0)
    n_x, n_lerr = counts.get("XFAIL-LUDWIG", 0), counts.get("LUDWIG-ERROR", 0)
    print(f"\n{n_x} expected Ludwig failures, {n_lerr} unexpected Ludwig failures (both counted as skipped)")
    print(f"conformance: {n_pass} passed, {n_fail} failed" + (f", {n_x + n_lerr} skipped" if n_x + n_lerr else ""))
    if n_fail:
        return 1
    if n_lerr or not rows:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
