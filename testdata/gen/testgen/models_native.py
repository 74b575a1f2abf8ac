"""Test exports for the native stages (core/native): the feature variants the other models leave out
(every number normalization and outlier replacement, number outputs de-normalised by iq/minmax/log1p,
Ludwig v0.8's comma/underscore/characters tokenizers in text, sequence, set, bag and timeseries inputs, a
vector output) and a category output with 200 classes for the benchmarks. Listed in models.MODELS."""
import random

from testgen.export import ModelSpec


def many_class() -> ModelSpec:
    rng = random.Random(201)
    n = 400
    shops = [f"shop{i:02d}" for i in range(30)]
    items = [f"item{i:03d}" for i in range(200)]
    train = {
        "x": [round(rng.uniform(0, 100), 2) for _ in range(n)],
        "shop": [rng.choice(shops) for _ in range(n)],
        "flag": [rng.random() < 0.5 for _ in range(n)],
        "item": [items[i % 200] for i in range(n)],
    }
    cases = [
        ("batch1", {"x": [12.5], "shop": ["shop07"], "flag": [True]}),
        ("batch5_unknown_null", {"x": [None, 0, 99.5, 50, 3], "shop": ["shop01", "nowhere", None, " shop29 ", ""],
                                 "flag": [False, True, None, "yes", 0]}),
    ]
    return ModelSpec(
        name="many_class",
        description="number `x`, category `shop` (30 values), binary `flag` -> category `item` with 200 classes "
        "(+ <UNK>): the benchmarks' many-class model",
        inputs=[{"name": "x", "type": "number"}, {"name": "shop", "type": "category"},
                {"name": "flag", "type": "binary"}],
        outputs=[{"name": "item", "type": "category"}],
        train=train,
        cases=cases,
        seed=202,
        weight_scale=2.0,
    )


def number_norms() -> ModelSpec:
    rng = random.Random(211)
    n = 24
    train = {
        "a": [round(rng.uniform(-50, 50), 3) for _ in range(n)],
        "b": [round(rng.uniform(0, 1000), 2) for _ in range(n)],
        "c": [rng.randint(-5, 5) for _ in range(n)],
        "d": [round(rng.uniform(10, 20), 2) for _ in range(n)],
        "e": [round(rng.uniform(1, 30), 1) for _ in range(n)],
        "y_log": [round(rng.uniform(0, 500), 1) for _ in range(n)],
        "y_iq": [round(rng.uniform(-10, 10), 2) for _ in range(n)],
        "y_mm": [round(rng.uniform(100, 200), 1) for _ in range(n)],
    }
    cases = [
        ("batch1", {"a": [1.5], "b": [10], "c": [3], "d": [15.5], "e": [7]}),
        ("batch3_nulls", {"a": [None, 2, 3.25], "b": [None, 0.5, 1e6], "c": [None, 1, 2],
                          "d": [None, 12, 19], "e": [None, 3, 4]}),
        ("batch6_edges", {"a": [-1e30, 1e30, 0, -0.0, 123456789.125, 1e-40],
                          "b": [-1, -2.5, -0.999999, 3.4e38, 1e39, 0],
                          "c": [-7, 2 ** 53 + 1, -(2 ** 62), 16777217, 0, 9],
                          "d": [100, -100, 15, 14.999, 25.0, 5],
                          "e": [1e9, -30, 15, 0, 2, 1e-3]}),
    ]
    return ModelSpec(
        name="number_norms",
        description="numbers `a` (iq, fill_with_mean), `b` (log1p), `c` (no normalization, integers), `d` (minmax, "
        "outliers -> fill_value, threshold 2), `e` (log1p, outliers -> mean) -> numbers `y_log` (log1p: "
        "expm1), `y_iq` (iq), `y_mm` (minmax)",
        inputs=[
            {"name": "a", "type": "number",
             "preprocessing": {"normalization": "iq", "missing_value_strategy": "fill_with_mean"}},
            {"name": "b", "type": "number", "preprocessing": {"normalization": "log1p", "fill_value": 2.5}},
            {"name": "c", "type": "number", "preprocessing": {"normalization": None}},
            {"name": "d", "type": "number",
             "preprocessing": {"normalization": "minmax", "outlier_strategy": "fill_with_const",
                               "outlier_threshold": 2.0, "fill_value": 11.0}},
            {"name": "e", "type": "number",
             "preprocessing": {"normalization": "log1p", "outlier_strategy": "fill_with_mean",
                               "outlier_threshold": 1.5}},
        ],
        outputs=[
            {"name": "y_log", "type": "number", "preprocessing": {"normalization": "log1p"}},
            {"name": "y_iq", "type": "number", "preprocessing": {"normalization": "iq"}},
            {"name": "y_mm", "type": "number", "preprocessing": {"normalization": "minmax"}},
        ],
        train=train,
        cases=cases,
        seed=212,
        weight_scale=2.0,
    )


def tokenizers_v08() -> ModelSpec:
    rng = random.Random(221)
    n = 14
    words = ["red", "green", "blue", "Dark", "light"]
    parts = ["home", "user", "docs", "tmp", "etc"]
    train = {
        "csv": [",".join(rng.sample(words, rng.randint(1, 4))) for _ in range(n)],
        "path": ["_".join(rng.sample(parts, rng.randint(1, 4))) for _ in range(n)],
        "chars": [rng.choice(["abc", "hello", "xyz", "Ab_c", "zz top"]) for _ in range(n)],
        "tags": [",".join(rng.sample(words, rng.randint(1, 3))) for _ in range(n)],
        "parts": ["_".join(rng.choice(parts) for _ in range(rng.randint(1, 4))) for _ in range(n)],
        "series": [",".join(str(round(rng.uniform(-1, 1), 2)) for _ in range(rng.randint(2, 5))) for _ in range(n)],
        "emb": [" ".join(str(round(rng.uniform(-1, 1), 2)) for _ in range(3)) for _ in range(n)],
        "kind": [rng.choice(["k1", "k2", "k3"]) for _ in range(n)],
    }
    cases = [
        ("batch1", {"csv": ["Red,blue"], "path": ["home_user"], "chars": ["hello"], "tags": ["red"],
                    "parts": ["tmp_tmp_etc"], "series": ["0.5,1,-2"]}),
        ("batch2_spaces_unicode", {
            "csv": [" green , DARK,,light ", "CAFÉ,crème"], "path": ["__docs__tmp", "Home_USER"],
            "chars": ["héllo wörld", ""], "tags": ["blue,,green", "Red, red"],
            "parts": ["", "home_home_home"], "series": [" 1e1,2, 3", "nan,4"]}),
        ("batch5_null_long", {
            "csv": [None, "", "red,green,blue,dark,light,red,green", "None", "x"],
            "path": [None, "a_b_c_d_e_f_g_h", "_", "tmp", "docs_"],
            "chars": [None, "abcdefghijklmnopq", "a b", "None", "zz"],
            "tags": [None, "", "light,dark", "blue", "green,red,blue"],
            "parts": [None, "docs", "user_etc", "tmp_x", "home"],
            "series": [None, "", "1,2,3,4,5,6,7", "0x1p3,inf", "-0.25"]}),
    ]
    return ModelSpec(
        name="tokenizers_v08",
        description="Ludwig v0.8's scriptable tokenizers: text `csv` (comma), sequence `path` (underscore), text "
        "`chars` (characters), set `tags` (comma), bag `parts` (underscore, lowercase), timeseries `series` "
        "(comma) -> vector `emb` (size 3) and category `kind`",
        inputs=[
            {"name": "csv", "type": "text", "preprocessing": {"tokenizer": "comma", "max_sequence_length": 7}},
            {"name": "path", "type": "sequence", "preprocessing": {"tokenizer": "underscore"}},
            {"name": "chars", "type": "text",
             "preprocessing": {"tokenizer": "characters", "max_sequence_length": 12}},
            {"name": "tags", "type": "set", "preprocessing": {"tokenizer": "comma"}},
            {"name": "parts", "type": "bag", "preprocessing": {"tokenizer": "underscore", "lowercase": True}},
            {"name": "series", "type": "timeseries", "preprocessing": {"tokenizer": "comma"}},
        ],
        outputs=[{"name": "emb", "type": "vector"}, {"name": "kind", "type": "category"}],
        train=train,
        cases=cases,
        seed=222,
        weight_scale=2.0,
    )


NATIVE_MODELS = [many_class, number_norms, tokenizers_v08]
