"""ludwig-infer side of the current-Ludwig suite (0.13 and later; profiles 0.13.0-0.17.10): run every case's exports through the
`ludwig-infer predict` command and compare with what LudwigModel.predict answered.

Standard library only (runs with any python3; never imports torch): for each case of
<work>/cases/ that Ludwig trained, for each export (`stock`: `ludwig export_model -f
torch_export`, batch fixed at 2; `helper`: python -m ludwig_infer.export, batch 1..1024) and
each request (held_out, single, b1, b2, b5, b1000), it runs

    ludwig-infer predict --model <case>/<export> --dataset requests/<r>.json \
        --form columns|full --batch-size <rows of the request> --output <tmp>.jsonl

(one inference call per request: ludwig-infer splits it in the graph's batch itself) and checks

- `full`: Ludwig's columns, same names, same order;
- `columns`: Ludwig's columns less those postprocessing adds (binary/category
  `<f>_probability`, `<f>_probabilities_<label>`; text `<f>_response`, `<f>_probability`;
  sequence `<f>_probability`), same order;
- values: strings and booleans exact, floats |a - b| <= 1e-5 + 1e-5 |b|, lists element-wise;
  a label (or any value of that output feature on that row) that differs where Ludwig's own
  decision margin (expected.json "margins") is below 1e-5 is reported as a note, not counted.

Usage: python3 check017.py --work DIR [--cli PATH] [--timing] [CASE ...]
Prints one line per case and export, then `conformance <release>: N passed, N failed, N ludwig-failed`;
writes <work>/results.json. Exit status 0 when nothing failed, 1 otherwise.
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

ATOL = RTOL = 1e-5
MARGIN = 1e-5
EXPORTS = ("stock", "helper")
FORMS = ("columns", "full")


def derived(name, ftype, col):
    """Whether column col is one LudwigModel.predict's postprocessing adds to feature name."""
    if ftype in ("binary", "category"):
        return col == f"{name}_probability" or col.startswith(f"{name}_probabilities_")
    if ftype == "text":
        return col in (f"{name}_response", f"{name}_probability")
    if ftype == "sequence":  # the sequence's probability (sum of the steps' log probabilities)
        return col == f"{name}_probability"
    return False


def owner(outputs, col):
    """The output feature a column belongs to (the longest name that prefixes it)."""
    best = None
    for name in outputs:
        if col.startswith(name + "_") and (best is None or len(name) > len(best)):
            best = name
    return best


def diff(a, b):
    """None when ludwig-infer's a equals Ludwig's b, else a short reason."""
    if isinstance(b, list):
        if not isinstance(a, list) or len(a) != len(b):
            return f"{a!r} != {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y)
            if d:
                return f"[{i}] {d}"
        return None
    if isinstance(b, bool) or isinstance(a, bool):  # True == 1 in Python: types must agree too
        return None if type(a) is type(b) and a == b else f"{a!r} != {b!r}"
    if isinstance(b, str) or b is None or isinstance(a, str) or a is None:
        return None if a == b else f"{a!r} != {b!r}"
    if isinstance(a, list):
        return f"{a!r} != {b!r}"
    if math.isclose(float(a), float(b), rel_tol=0, abs_tol=ATOL + RTOL * abs(float(b))):
        return None
    return f"{a!r} != {b!r} (|d| = {abs(float(a) - float(b)):.3g})"


def compare(form, got_rows, exp, outputs):
    """Returns (failures, notes) for one request and form."""
    order = exp["column_order"]
    if form == "columns":
        order = [c for c in order if not derived(owner(outputs, c), outputs.get(owner(outputs, c)), c)]
    fails, notes = [], []
    if len(got_rows) != exp["rows"]:
        return [f"{len(got_rows)} rows for {exp['rows']}"], notes
    got_cols = list(got_rows[0].keys()) if got_rows else order
    if got_cols != order:
        fails.append(f"columns {got_cols} != Ludwig's {order}")
    margins = exp.get("margins", {})
    for col in order:
        if col not in (got_rows[0] if got_rows else {}):
            continue
        feat = owner(outputs, col)
        for i, want in enumerate(exp["columns"][col]):
            d = diff(got_rows[i][col], want)
            if d is None:
                continue
            m = margins.get(feat, [None] * exp["rows"])[i] if feat else None
            if m is not None and m < MARGIN:
                notes.append(f"{col} row {i}: {d} (Ludwig's margin {m:.2g} < {MARGIN})")
            else:
                fails.append(f"{col} row {i}: {d}" + (f" (margin {m:.3g})" if m is not None else ""))
    return fails, notes


def run_cli(cli, model, dataset, form, rows, out):
    t0 = time.perf_counter()
    p = subprocess.run([cli, "predict", "--model", model, "--dataset", dataset, "--form", form,
                        "--batch-size", str(max(1, rows)), "--output", out], capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        return None, (p.stderr.strip() or p.stdout.strip())[-600:], dt
    with open(out) as fh:
        return [json.loads(line) for line in fh if line.strip()], None, dt


def check_export(cli, case_dir, export, expected, tmp):
    model = os.path.join(case_dir, export)
    res = {"status": "pass", "failures": [], "notes": [], "requests": 0}
    for rname, exp in expected["requests"].items():
        for form in FORMS:
            out = os.path.join(tmp, f"{export}.{rname}.{form}.jsonl")
            rows, err, _ = run_cli(cli, model, os.path.join(case_dir, "requests", f"{rname}.json"), form,
                                   exp["rows"], out)
            res["requests"] += 1
            if err is not None:
                res["status"] = "li-error"
                res["failures"].append(f"{rname}/{form}: {err}")
                return res
            fails, notes = compare(form, rows, exp, expected["outputs"])
            res["failures"] += [f"{rname}/{form}: {f}" for f in fails]
            res["notes"] += [f"{rname}/{form}: {n}" for n in notes]
    if res["failures"]:
        res["status"] = "fail"
    return res


def time_cli(cli, case_dir, export, expected, tmp):
    """Best of 3 wall times of one `ludwig-infer predict` process (start included) per request."""
    out = {}
    for rname in ("b1", "b1000"):
        best = math.inf
        for _ in range(3):
            _, err, dt = run_cli(cli, os.path.join(case_dir, export), os.path.join(case_dir, "requests", f"{rname}.json"),
                                 "full", expected["requests"][rname]["rows"], os.path.join(tmp, "t.jsonl"))
            if err is not None:
                return {"error": err}
            best = min(best, dt)
        out[f"{rname}_s"] = best
    return out


def cell(r):
    """One export's table cell: pass / FAIL (first failure) / li-error / export-failed."""
    if r is None:
        return "-"
    st = r["status"]
    if st == "pass":
        return "pass" + (f" ({len(r['notes'])} below margin)" if r.get("notes") else "")
    if st == "export-failed":
        return "export failed: " + (r.get("error") or "")[:120].replace("|", "/")
    first = (r["failures"][0] if r["failures"] else "").replace("|", "/").replace("\n", " ")
    # the message without the request/form prefix and the work dir's absolute paths
    first = re.sub(r"\S*/cases/([^/\s]+)/", r"\1/", first.split("ludwig-infer predict: ", 1)[-1])
    return f"**{st}**: {first[:220]}"


def markdown(root, results):
    """The README table: case, types, combiner, stock and helper results."""
    lines = ["| case | inputs -> outputs | combiner | stock `torch_export` (batch 2) | helper (batch 1..1024) |",
             "|---|---|---|---|---|"]
    for name, e in results.items():
        with open(os.path.join(root, name, "case.json")) as fh:
            meta = json.load(fh)
        types = f"{', '.join(meta['inputs'])} -> {', '.join(meta['outputs'])}"
        if e["ludwig"] != "ok":
            lines.append(f"| `{name}` | {types} | - | Ludwig failed: {(e.get('error') or '')[:120]} | |")
            continue
        lines.append(f"| `{name}` | {types} | {e.get('combiner')} | {cell(e.get('stock'))} | {cell(e.get('helper'))} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--cli", default=os.environ.get("LUDWIG_INFER_CLI", "ludwig-infer"))
    ap.add_argument("--timing", action="store_true", help="also time the CLI on the cases Ludwig timed")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    root = os.path.join(args.work, "cases")
    names = sorted(os.listdir(root)) if os.path.isdir(root) else []
    if args.cases:
        missing = set(args.cases) - set(names)
        if missing:
            sys.exit(f"no Ludwig results for {sorted(missing)} under {root}")
        names = [n for n in names if n in args.cases]
    if not names:
        sys.exit(f"no cases under {root}: run ludwig_side.py first")
    results, passed, failed, lfailed = {}, 0, 0, 0
    with tempfile.TemporaryDirectory(prefix="li-conf017-") as tmp:
        for name in names:
            case_dir = os.path.join(root, name)
            with open(os.path.join(case_dir, "status.json")) as fh:
                st = json.load(fh)
            entry = {"combiner": st.get("combiner"), "ludwig": st["ludwig"]}
            if st["ludwig"] != "ok":
                entry["error"] = st.get("error")
                lfailed += 1
                print(f"{name}: LUDWIG-FAILED at {st.get('stage')}: {st.get('error', '')[:200]}")
                results[name] = entry
                continue
            with open(os.path.join(case_dir, "expected.json")) as fh:
                expected = json.load(fh)
            ok = True
            for export in EXPORTS:
                ex = st.get(export, {})
                if not ex.get("ok"):
                    entry[export] = {"status": "export-failed", "error": ex.get("error")}
                    print(f"{name} [{export}]: EXPORT-FAILED {ex.get('error', '')[:200]}")
                    continue
                r = check_export(args.cli, case_dir, export, expected, tmp)
                r["kind"] = ex.get("kind")
                r["ludwig_warnings"] = ex.get("warnings", [])
                if args.timing and "timing" in expected:
                    r["timing"] = time_cli(args.cli, case_dir, export, expected, tmp)
                    r["timing"]["ludwig"] = expected["timing"]
                entry[export] = r
                ok = ok and r["status"] == "pass"
                extra = f", {len(r['notes'])} below Ludwig's margin" if r["notes"] else ""
                first = f": {r['failures'][0][:300]}" if r["failures"] else ""
                print(f"{name} [{export}, {r['kind']}]: {r['status'].upper()} ({r['requests']} requests x forms{extra}){first}",
                      flush=True)
            results[name] = entry
            passed, failed = passed + ok, failed + (not ok)
    with open(os.path.join(args.work, "results.json"), "w") as fh:
        json.dump(results, fh, indent=1)
    with open(os.path.join(args.work, "results.md"), "w") as fh:
        fh.write(markdown(root, results))
    print(f"conformance {ludwig_release(args.work)}: {passed} passed, {failed} failed, {lfailed} ludwig-failed")
    return 1 if failed else 0


def ludwig_release(work):
    """The Ludwig release the work dir was made with (its versions.json), "?" when unknown."""
    try:
        with open(os.path.join(work, "versions.json")) as fh:
            return json.load(fh).get("ludwig", "?")
    except (OSError, ValueError):
        return "?"


if __name__ == "__main__":
    sys.exit(main())
