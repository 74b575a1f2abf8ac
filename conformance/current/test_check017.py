"""Tests of check017's comparison rules (standard library + pytest; no Ludwig, no ludwig-infer).

    python3 -m pytest -q conformance/current/test_check017.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases017  # noqa: E402
import check017  # noqa: E402

OUTPUTS = {"bin_out": "binary", "cat_out": "category", "txt_out": "text", "num_out": "number"}


def test_derived_columns():
    assert check017.derived("s", "sequence", "s_probability")
    assert not check017.derived("s", "sequence", "s_probabilities")
    assert check017.derived("t", "text", "t_response") and check017.derived("t", "text", "t_probability")
    assert check017.derived("c", "category", "c_probabilities_<UNK>") and check017.derived("b", "binary", "b_probability")
    assert not check017.derived("c", "category", "c_probabilities")
    assert not check017.derived("v", "vector", "v_probability")


def expected():
    cols = {
        "bin_out_probabilities": [[0.3, 0.7], [0.999995, 0.000005]],
        "bin_out_predictions": [True, False],
        "cat_out_predictions": ["a", "b"],
        "num_out_predictions": [1.5, -2.0],
        "txt_out_predictions": [["x", "y"], ["y"]],
        "bin_out_probabilities_False": [0.3, 0.999995],
        "bin_out_probabilities_True": [0.7, 0.000005],
        "bin_out_probability": [0.7, 0.999995],
        "cat_out_probabilities_a": [0.6, 0.4999995],
        "cat_out_probabilities_b": [0.4, 0.5000005],
        "cat_out_probability": [0.6, 0.5000005],
        "txt_out_response": ["x y", "y"],
    }
    return {"rows": 2, "column_order": list(cols), "columns": cols,
            "margins": {"bin_out": [0.2, 0.499995], "cat_out": [0.2, 0.000001], "txt_out": [0.5, 0.5]}}


def rows(cols, order):
    return [{c: cols[c][i] for c in order} for i in range(2)]


def test_full_form_equal():
    e = expected()
    assert check017.compare("full", rows(e["columns"], e["column_order"]), e, OUTPUTS) == ([], [])


def test_columns_form_drops_derived_columns():
    e = expected()
    order = ["bin_out_probabilities", "bin_out_predictions", "cat_out_predictions", "num_out_predictions",
             "txt_out_predictions"]
    assert check017.compare("columns", rows(e["columns"], order), e, OUTPUTS) == ([], [])
    # the full order given for the columns form is a failure
    fails, _ = check017.compare("columns", rows(e["columns"], e["column_order"]), e, OUTPUTS)
    assert len(fails) == 1 and fails[0].startswith("columns [")


def test_float_tolerance():
    e = expected()
    got = rows(e["columns"], e["column_order"])
    got[0]["num_out_predictions"] = 1.5 + 1.4e-5  # within 1e-5 + 1e-5 * 1.5
    assert check017.compare("full", got, e, OUTPUTS) == ([], [])
    got[0]["num_out_predictions"] = 1.5 + 3e-5
    fails, notes = check017.compare("full", got, e, OUTPUTS)
    assert notes == [] and fails == ["num_out_predictions row 0: 1.50003 != 1.5 (|d| = 3e-05)"]


def test_label_below_margin_is_a_note():
    e = expected()
    got = rows(e["columns"], e["column_order"])
    got[1]["cat_out_predictions"] = "a"  # Ludwig's top-2 gap on row 1 is 1e-6
    fails, notes = check017.compare("full", got, e, OUTPUTS)
    assert fails == []
    assert notes == ["cat_out_predictions row 1: 'a' != 'b' (Ludwig's margin 1e-06 < 1e-05)"]
    got[0]["cat_out_predictions"] = "b"  # row 0's gap is 0.2: a failure
    fails, _ = check017.compare("full", got, e, OUTPUTS)
    assert fails == ["cat_out_predictions row 0: 'b' != 'a' (margin 0.2)"]


def test_strings_lists_bools_exact():
    e = expected()
    for col, bad in (("txt_out_response", "x  y"), ("txt_out_predictions", ["x"]), ("bin_out_predictions", 1)):
        got = rows(e["columns"], e["column_order"])
        got[0][col] = bad
        fails, _ = check017.compare("full", got, e, OUTPUTS)
        assert len(fails) == 1 and fails[0].startswith(f"{col} row 0:"), (col, fails)


def test_row_count_and_missing_column():
    e = expected()
    got = rows(e["columns"], e["column_order"])
    assert check017.compare("full", got[:1], e, OUTPUTS)[0] == ["1 rows for 2"]
    for r in got:
        del r["txt_out_response"]
    fails, _ = check017.compare("full", got, e, OUTPUTS)
    assert len(fails) == 1 and "txt_out_response" in fails[0]


def test_owner_prefers_longest_name():
    assert check017.owner({"a": "binary", "a_b": "category"}, "a_b_predictions") == "a_b"
    assert check017.owner({"a": "binary"}, "zz_predictions") is None


def test_quick_subset_covers_the_issue():
    """run.sh --quick (.ci/run) trains cases017.QUICK: every name is a case, and together they
    cover every input type but image and audio, every output type, the four combiners and three
    text encoders issue 18 names."""
    by_name = {c["name"]: c for c in cases017.CASES}
    assert [n for n in cases017.QUICK if n not in by_name] == []
    quick = [by_name[n] for n in cases017.QUICK]
    ins = {f["type"] for c in quick for f in c["inputs"]}
    outs = {f["type"] for c in quick for f in c["outputs"]}
    assert ins >= {"binary", "number", "category", "set", "bag", "text", "sequence", "vector", "date", "h3", "timeseries"}
    assert outs >= {"binary", "number", "category", "set", "sequence", "text", "vector"}
    combiners = {(c.get("combiner") or {}).get("type") for c in quick}
    assert combiners >= {"concat", "tabnet", "transformer"}  # ft_transformer: 0.17's default for 3+ inputs (ecd_all_inputs, tabular)
    encoders = {f.get("encoder", {}).get("type") for c in quick for f in c["inputs"] if f["type"] == "text"}
    assert encoders >= {"parallel_cnn", "rnn", "transformer"}
