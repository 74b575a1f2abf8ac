"""The conformance matrix: one tiny Ludwig model per case.

Mirrors Ludwig's own TorchScript test matrix (tests/integration_tests/test_torchscript.py,
ludwig-export-contract.md section 6) plus the cases that file never tested (non-ASCII text,
batch size 1, unknown tokens, name != column).

A case is a dict:
  name            unique, used as the folder name under conformance/work/cases/
  inputs/outputs  Ludwig feature configs (deep-copied before use)
  rows            training rows (synthesised with Ludwig's own dataset_synthesizer)
  test_rows       held-out rows (same generator, so vocabularies match)
  nan_inputs      fraction of held-out and training input cells set to NaN
  data            optional callable(rng, n) -> dict column -> list, replacing the synthesiser
  test_data       optional callable(rng) -> dict column -> list: extra held-out rows appended
                  (unknown tokens, outliers, non-ASCII, empty strings)
  requests        optional callable(rng, test_rows) -> {name: list of records}: extra
                  held-out requests of Python values (test_rows: the held-out rows as
                  records). Ludwig predicts on pd.DataFrame(records); ludwig-infer gets
                  json.dumps(records) as it is (NaN/Infinity literals, ints beyond int64,
                  records that omit keys), so pandas' typing of the whole column is checked
  combiner        optional combiner config
  expect_ludwig_failure  a substring of the error Ludwig is known to raise on this case
                  (recorded as an expected Ludwig failure, not a runtime failure); or a dict
                  {Ludwig version or release line ("0.11.0", "0.11") or "*" (any other):
                  substring or list of substrings} when only some releases fail (run.sh --ludwig)
  note            why the case exists

This file and ludwig_side.py are hashed into each case's cache stamp, so editing either
retrains every case. This file imports only the standard library (run.sh --list uses it).
"""

import copy

# Tokenizers Ludwig v0.10.4 (and v0.8.6) can script without a downloaded vocabulary
# (ludwig/utils/tokenizers.py TORCHSCRIPT_COMPATIBLE_TOKENIZERS).
TOKENIZERS = ["space", "space_punct", "comma", "underscore", "characters"]

# Ludwig 0.11 dropped torchtext and scripts only space and space_punct: exporting a text
# feature with another tokenizer raises this (ludwig/features/sequence_feature.py).
UNSCRIPTABLE_TOKENIZER_0_11 = {"0.11": "ValueError: tokenizer must be a torch.nn.Module, got <ludwig.utils.tokenizers."}

# A sample of the datetime formats of ludwig/data/dataset_synthesizer.py DATETIME_FORMATS.
DATETIME_FORMATS = ["%m-%d-%Y %H:%M:%S", "%d/%m/%y", "%Y-%m-%d", "%y/%d/%m %H:%M:%S", "%m/%d/%Y"]

NORMALIZATIONS = ["zscore", "minmax", "log1p", "iq", None]

# Ludwig's test_torchscript_preproc_with_nans list.
NAN_TYPES = ["number", "binary", "category", "bag", "set", "text", "sequence", "timeseries", "h3"]


# --- feature helpers (Ludwig's tests/integration_tests/utils.py, with fixed names) ---------

def _feat(name, ftype, column=None, **kw):
    f = {"name": name, "type": ftype}
    f.update(copy.deepcopy(kw))
    f["column"] = column or name
    return f


def number(name, normalization=None, **kw):
    pre = kw.pop("preprocessing", {})
    pre.setdefault("normalization", normalization)
    return _feat(name, "number", preprocessing=pre, **kw)


def binary(name, **kw):
    return _feat(name, "binary", **kw)


def category(name, output=False, vocab_size=3, **kw):
    if output:
        kw.setdefault("decoder", {"type": "classifier", "vocab_size": vocab_size})
    else:
        kw.setdefault("encoder", {"vocab_size": vocab_size, "embedding_size": 5})
    return _feat(name, "category", **kw)


def text(name, output=False, vocab_size=3, **kw):
    if output:
        kw.setdefault("decoder", {"type": "generator", "vocab_size": vocab_size, "max_len": 7})
    else:
        kw.setdefault("encoder", {"type": "parallel_cnn", "vocab_size": vocab_size, "min_len": 7, "max_len": 7,
                                  "embedding_size": 8, "state_size": 8})
    return _feat(name, "text", **kw)


def sequence(name, output=False, vocab_size=3, **kw):
    if output:
        kw.setdefault("decoder", {"type": "generator", "vocab_size": vocab_size, "max_len": 7})
    else:
        kw.setdefault("encoder", {"type": "embed", "vocab_size": vocab_size, "max_len": 7, "embedding_size": 8,
                                  "output_size": 8, "state_size": 8, "num_filters": 8, "hidden_size": 8})
    return _feat(name, "sequence", **kw)


def set_(name, output=False, vocab_size=3, **kw):
    if output:
        kw.setdefault("decoder", {"type": "classifier", "vocab_size": vocab_size, "max_len": 5})
    else:
        kw.setdefault("encoder", {"type": "embed", "vocab_size": vocab_size, "max_len": 5, "embedding_size": 5})
    return _feat(name, "set", **kw)


def bag(name, vocab_size=3, **kw):
    kw.setdefault("encoder", {"type": "embed", "max_len": 5, "vocab_size": vocab_size, "embedding_size": 5})
    return _feat(name, "bag", **kw)


def vector(name, output=False, size=5, **kw):
    pre = kw.pop("preprocessing", {})
    pre.setdefault("vector_size", size)
    return _feat(name, "vector", preprocessing=pre, **kw)


def timeseries(name, **kw):
    kw.setdefault("encoder", {"type": "parallel_cnn", "max_len": 7})
    return _feat(name, "timeseries", **kw)


def date(name, fmt, **kw):
    pre = kw.pop("preprocessing", {})
    pre["datetime_format"] = fmt
    return _feat(name, "date", preprocessing=pre, **kw)


def h3(name, **kw):
    return _feat(name, "h3", **kw)


def image(name, **kw):
    pre = kw.pop("preprocessing", {})
    for k, v in {"in_memory": True, "height": 12, "width": 12, "num_channels": 3}.items():
        pre.setdefault(k, v)
    kw.setdefault("encoder", {"type": "stacked_cnn"})
    return _feat(name, "image", preprocessing=pre, **kw)


def audio(name, **kw):
    kw.setdefault("preprocessing", {"type": "fbank", "window_length_in_s": 0.04, "window_shift_in_s": 0.02,
                                    "num_filter_bands": 80, "audio_file_length_limit_in_s": 3.0})
    kw.setdefault("encoder", {"type": "stacked_cnn", "should_embed": False,
                              "conv_layers": [{"filter_size": 400, "pool_size": 16, "num_filters": 32},
                                              {"filter_size": 40, "pool_size": 10, "num_filters": 64}],
                              "output_size": 16})
    return _feat(name, "audio", **kw)


# --- hand-made data (non-ASCII text, outliers, unknown tokens) ----------------------------

WORDS = ["café", "Crème", "naïve", "Straße", "日本語", "ÉTÉ", "hello", "World", "Fox", "über", "año", "x"]
SEPARATORS = {"space": " ", "space_punct": " ", "comma": ",", "underscore": "_", "characters": ""}


def text_rows(tokenizer):
    """Returns data(rng, n) making rows of WORDS joined for `tokenizer`, plus punctuation."""
    sep = SEPARATORS[tokenizer]

    def data(rng, n, names):
        col_in, col_out = names
        rows, labels = [], []
        for _ in range(n):
            k = rng.randint(1, 5)
            words = [rng.choice(WORDS) for _ in range(k)]
            s = sep.join(words)
            if tokenizer == "space_punct" and rng.random() < 0.5:
                s += rng.choice(["!", ", ok.", "?"])
            rows.append(s)
            labels.append(rng.choice(["pos", "neg", "mixed"]))
        return {col_in: rows, col_out: labels}

    return data


def text_extra(tokenizer):
    sep = SEPARATORS[tokenizer]

    def extra(rng, names):
        col_in, col_out = names
        return {
            col_in: ["", "CAFÉ" + sep + "crème", sep.join(["zzz", "unknown", "Hello"]),
                     sep.join(WORDS), "日本語" + sep + "x"],
            col_out: ["pos", "neg", "mixed", "pos", "neg"],
        }

    return extra


# --- values typed as pandas types them (issue 20) --------------------------------------------

BIG = 12345678901234567890
# Text tokens whose spellings differ by the column's dtype ("5" vs "5.0"): all in the
# vocabulary, so a wrong spelling changes the prediction.
PANDAS_TOKENS = ["5", "7", "5.0", "7.0", "alpha", "beta", str(BIG), "1.2345678901234567e+19", "inf", "-inf",
                 "True", "False", "1.0", "nan"]


def pandas_text_rows(rng, n, names):
    col_in, col_out = names
    return {col_in: [" ".join(rng.choice(PANDAS_TOKENS) for _ in range(rng.randint(1, 3))) for _ in range(n)],
            col_out: [rng.choice(["pos", "neg", "mixed"]) for _ in range(n)]}


def pandas_text_requests(rng, rows):
    def col(values):
        return [{"txt_in": v} for v in values]

    return {
        "obj_ints": col([5, None, 7, "alpha beta"]),       # object column: "5", not "5.0"
        "float_ints": col([5, None, 7]),                   # float64 column: "5.0"
        "big_int": col([BIG, 5, "alpha beta"]),            # exact beyond int64, 5 stays "5"
        "uint64": col([BIG, 5]),                           # a uint64 column
        "big_null": col([BIG, None, 7]),                   # float64: "1.2345678901234567e+19"
        "nan_inf": col([float("nan"), float("inf"), float("-inf"), 1]),  # JSON NaN / Infinity
        "bools": col([True, False, True]),
        "missing_key": [{}, {"txt_in": 5}, {"txt_in": "alpha"}],         # NaN where a key is absent
    }


def pandas_mixed_requests(rng, rows):
    base = [dict(r) for r in rows[:3]]

    def with_col(col, values):
        return [dict(r, **{col: v}) for r, v in zip(base, values)]

    ids = [r["h3_in"] for r in base]
    return {
        "h3_null": with_col("h3_in", [ids[0], None, ids[2]]),               # float64 ids, NaN filled
        "h3_float": with_col("h3_in", [float(i) for i in ids]),            # ids written as floats
        "num_bools": with_col("num_in", [True, False, True]),              # a bool column
        "num_nan": with_col("num_in", [float("nan"), 1.5, 2.0]),           # JSON NaN
        "num_missing_key": [{k: v for k, v in base[0].items() if k != "num_in"}] + base[1:],
        "vec_hex": with_col("vec_in", ["0x10 0x1.8 1\x1c2 3", "1\x1d2\x1e3 4 0x0.8", "0X1P-2 1 2 3 4"]),
        "date_unicode": with_col("date_in", ["２０２１-03-04", "１９９９-12-31", "𝟐𝟎𝟎𝟎-01-01"]),
    }


# --- the matrix ----------------------------------------------------------------------------

def build_cases():
    cases = []

    def add(name, inputs, outputs, **kw):
        c = {"name": name, "inputs": inputs, "outputs": outputs, "rows": 100, "test_rows": 8, "nan_inputs": 0.0}
        c.update(kw)
        cases.append(c)

    # binary
    add("binary_plain", [binary("bin_in")], [binary("bin_out")],
        note="test_torchscript_e2e_binary_only: bool column in, plain binary out (bool tensor predictions)")
    add("binary_yesno", [binary("yn_in"), binary("plain_in")], [binary("yn_out"), binary("plain_out")],
        yes_no=["yn_in", "yn_out"],
        note='binary "Yes"/"No" strings in and out (str2bool / bool2str), plus a plain one')

    # number
    for norm in NORMALIZATIONS:
        add(f"number_{norm or 'none'}", [number("num_in", norm), number("other_in", norm)], [number("num_out")],
            note=f"number input with normalization {norm}")
    add("number_out_norms", [number("num_in", "zscore")],
        [number("mm_out", "minmax"), number("iq_out", "iq"), number("log_out", "log1p")],
        note="number outputs de-normalised by minmax, iq and log1p (the transformers' inverse code)")
    add("number_outliers", [number("num_in", "zscore", preprocessing={"outlier_strategy": "fill_with_mean"}),
                            number("mm_in", "minmax", preprocessing={"outlier_strategy": "fill_with_mean",
                                                                      "outlier_threshold": 2.0})],
        [number("num_out")],
        test_data=lambda rng, names: {"num_in": [1000.0, -500.0, 0.5], "mm_in": [0.5, 77.0, -3.0],
                                      "num_out": [0.1, 0.2, 0.3]},
        note="outlier_strategy fill_with_mean (z-score detection) with extreme held-out values")

    # category / bag / set / vector
    add("category", [category("cat_in", vocab_size=5)], [category("cat_out", output=True, vocab_size=4)],
        test_data=lambda rng, names: {"cat_in": ["never_seen", "", " padded "], "cat_out": ["a", "b", "c"]},
        note="category in and out, unknown/empty/whitespace categories")
    add("bag", [bag("bag_in", vocab_size=5)], [binary("bin_out")], note="bag input (counts)")
    add("set", [set_("set_in", vocab_size=5)], [set_("set_out", output=True, vocab_size=4)],
        note="set input (multi-hot) and set output (List[List[str]], List[Tensor] probabilities)")
    add("vector", [vector("vec_in")], [vector("vec_out", size=3)],
        note="vector input as strings, vector output")
    add("vector_arrays", [vector("vec_in")], [binary("bin_out")], vector_as_arrays=["vec_in"],
        note="vector input sent to ludwig-infer as JSON arrays (Ludwig side: strings)")

    # text per tokenizer (ASCII and non-ASCII)
    for tok in TOKENIZERS:
        add(f"text_{tok}",
            [text("txt_in", vocab_size=20, preprocessing={"tokenizer": tok, "max_sequence_length": 10})],
            [category("label", output=True)],
            data=text_rows(tok), test_data=text_extra(tok), names=["txt_in", "label"],
            **({} if tok in ("space", "space_punct") else {"expect_ludwig_failure": UNSCRIPTABLE_TOKENIZER_0_11}),
            note=f"text input, tokenizer {tok}, ASCII and non-ASCII words, empty and unknown tokens")
    add("text_synth_all_tokenizers",
        [text(f"txt_{tok}", preprocessing={"tokenizer": tok}) for tok in TOKENIZERS],
        [text("txt_out", output=True)],
        expect_ludwig_failure=UNSCRIPTABLE_TOKENIZER_0_11,
        note="test_torchscript_e2e_text: every scriptable tokenizer in one model, text output")

    # sequence
    add("sequence", [sequence("seq_in", preprocessing={"tokenizer": "space"})],
        [sequence("seq_out", output=True)],
        note="test_torchscript_e2e_sequence: sequence in and out")

    # recurrent encoders and decoders (issue 16): tiny sizes, each a few seconds of training
    rnn_enc = {"type": "rnn", "vocab_size": 3, "max_len": 7, "embedding_size": 4, "state_size": 4}
    add("rnn_cells",
        [sequence("seq_lstm", encoder={**rnn_enc, "cell_type": "lstm", "bidirectional": True, "num_layers": 2}),
         sequence("seq_gru", encoder={**rnn_enc, "cell_type": "gru"}),
         sequence("seq_rnn", encoder={**rnn_enc, "cell_type": "rnn", "bidirectional": True})],
        [binary("bin_out")],
        note="rnn encoders: lstm (bidirectional, num_layers 2), gru, rnn (bidirectional); aten::lstm/gru/rnn_tanh")
    add("cnnrnn", [text("txt_in", encoder={"type": "cnnrnn", "vocab_size": 3, "embedding_size": 4, "num_filters": 4,
                                             "filter_size": 3, "state_size": 4, "cell_type": "gru"})],
        [category("cat_out", output=True)],
        note="cnnrnn text encoder: conv1d stack then a gru")
    add("generator_lstm", [category("cat_in")],
        [sequence("seq_out", output=True, decoder={"type": "generator", "vocab_size": 3, "max_len": 5,
                                                  "cell_type": "lstm"})],
        note="sequence generator decoder with an lstm cell (the greedy loop: repeat, aten::lstm, topk, copy_)")

    # timeseries
    add("timeseries", [timeseries("ts_in")], [binary("bin_out")], note="timeseries input, right padding")
    add("timeseries_left", [timeseries("ts_in", preprocessing={"padding": "left", "timeseries_length_limit": 4,
                                                             "fill_value": "1.0"}, encoder={"type": "parallel_cnn", "max_len": 7})],
        [binary("bin_out")], nan_inputs=0.2,
        note="timeseries left padding, length limit 4, 20% missing (fill_value)")

    # date
    for i, fmt in enumerate(DATETIME_FORMATS):
        add(f"date_{i}", [date("date_in", fmt)], [binary("bin_out")], note=f"date input, datetime_format {fmt!r}")

    # h3
    add("h3", [h3("h3_in")], [binary("bin_out")], note="h3 input (int64 ids above 2^53)")

    # image / audio
    add("image", [image("img_in")], [binary("bin_out")], tensors=["img_in"],
        note="test_torchscript_e2e_image: stacked_cnn image input, passed as uint8 [C,H,W] tensors")
    add("audio", [audio("audio_in")], [binary("bin_out")], tensors=["audio_in"], extensions=["torchaudio"],
        # Ludwig 0.11 cannot script its audio preprocessing on torch 2.3 (its own
        # test_torchscript_e2e_audio is xfail): torch.jit fails on the PEP 604 annotation
        # `audio_feature_dict: dict[str, float | int | str]` of _AudioPreprocessing.
        expect_ludwig_failure={"*": "Unsupported backend 'sox'",
                               "0.11": ["Unsupported backend 'sox'",
                                        "TypeError: sequence item 1: expected str instance, NoneType found"]},
        note="test_torchscript_e2e_audio: fbank audio input as (waveform, sample_rate); ludwig-infer loads "
             "libtorchaudio.so as an extension. Ludwig reads and writes audio with torchaudio's sox backend, "
             "which needs libsox.so (Debian libsox-dev; run.sh installs it as root): without it Ludwig fails")

    # 20% missing values, per type
    for t in NAN_TYPES:
        f = {"number": lambda: number("x_in", "zscore"), "binary": lambda: binary("x_in"),
             "category": lambda: category("x_in"), "bag": lambda: bag("x_in"), "set": lambda: set_("x_in"),
             "text": lambda: text("x_in"), "sequence": lambda: sequence("x_in"),
             "timeseries": lambda: timeseries("x_in"), "h3": lambda: h3("x_in")}[t]()
        add(f"missing_{t}", [f], [binary("bin_out")], nan_inputs=0.2, rows=60,
            note=f"test_torchscript_preproc_with_nans: {t} input with 20% missing values")

    # combiner and multi-output
    add("tabnet", [binary("bin_in"), number("num_in"), category("cat_in"), bag("bag_in"), set_("set_in")],
        [binary("bin_out"), number("num_out"), category("cat_out", output=True)],
        combiner={"type": "tabnet", "num_total_blocks": 2, "num_shared_blocks": 2},
        note="test_torchscript_e2e_tabnet_combiner")
    add("multi_output",
        [number("size", "zscore", column="Size m2"), category("kind", column="Kind"), text("note")],
        [category("label", output=True), number("score", "zscore"), binary("flag", column="Flag")],
        note="three output features; names differ from columns")
    add("column_sanitized", [number("size", column="Size (m2)")], [binary("flag")],
        sanitize_for_torchscript=True,
        note="a column name with ( ) . : [ ] { } quotes: Ludwig writes the sanitised name ('Size _m2_') "
             "into the exported config, and InferenceModule.predict then cannot find the user's column "
             "(KeyError), while LudwigModel.predict sanitises the frame first; ludwig-infer gets "
             "'Size (m2)' as the user spells it, Ludwig's TorchScript path the sanitised frame")
    add("tabular",
        [binary("yn_in"), binary("bin_in")]
        + [number(f"num_{n or 'none'}", n) for n in NORMALIZATIONS]
        + [number("num_outlier", preprocessing={"outlier_strategy": "fill_with_mean"}),
           category("cat_in"), bag("bag_in"), set_("set_in"), vector("vec_in")],
        [binary("yn_out"), binary("bin_out"), number("num_out"), category("cat_out", output=True),
         set_("set_out", output=True), vector("vec_out"), sequence("seq_out", output=True),
         text("txt_out", output=True)],
        yes_no=["yn_in", "yn_out"],
        note="test_torchscript_e2e_tabular: every tabular input and every output type in one model")
    add("ecd_all_inputs",
        [binary("bin_in"), number("num_in"),
         category("cat_pass", encoder={"type": "passthrough", "vocab_size": 3}),
         category("cat_onehot", encoder={"type": "onehot", "vocab_size": 3}),
         category("cat_dense", encoder={"type": "dense", "vocab_size": 3}),
         sequence("seq_in"), text("txt_in"), vector("vec_in"), image("img_in"), timeseries("ts_in"),
         date("date_a", "%Y-%m-%d %H:%M:%S"), date("date_b", "%d/%m/%Y"), h3("h3_in"), set_("set_in"),
         bag("bag_in")],
        [category("cat_out", output=True)],
        tensors=["img_in"],
        note="test_torchscript: every input type but audio in one model")

    # attention encoders and the other combiners (issue 16): tiny transformers, 1 layer of 2 heads of 4
    tiny_tf = {"num_layers": 1, "hidden_size": 8, "num_heads": 2, "transformer_output_size": 8, "output_size": 8}
    add("text_transformer",
        [text("txt_in", vocab_size=20, preprocessing={"tokenizer": "space", "max_sequence_length": 6},
              encoder=dict(tiny_tf, type="transformer", vocab_size=20, max_sequence_length=6, embedding_size=8))],
        [category("label", output=True)], data=text_rows("space"), test_data=text_extra("space"),
        names=["txt_in", "label"], rows=60,
        note="transformer text encoder: token and position embeddings, multi-head self-attention, layer norms, "
             "reduce_output last")
    add("transformer_combiner", [number("num_in", "zscore"), category("cat_in"), binary("bin_in")],
        [binary("bin_out")], combiner=dict(tiny_tf, type="transformer"), rows=60,
        note="transformer combiner: each input projected, stacked, self-attention over the features, mean reduced")
    add("tabtransformer_combiner",
        [number("num_in", "zscore"), binary("bin_in"), category("cat_a"), category("cat_b")],
        [binary("bin_out")], combiner=dict(tiny_tf, type="tabtransformer", embed_input_feature_name="add"),
        rows=60,
        note="tabtransformer combiner: categories through the transformer with their feature-name embeddings "
             "added, numbers and binaries layer-normed beside them")
    add("comparator_combiner",
        [number("num_a", "zscore"), category("cat_a"), number("num_b", "zscore"), category("cat_b")],
        [binary("bin_out")],
        combiner={"type": "comparator", "entity_1": ["num_a", "cat_a"], "entity_2": ["num_b", "cat_b"],
                  "output_size": 4},
        rows=60, note="comparator combiner: two entities' FC stacks, product, dot, |difference|, bilinear (bmm)")
    add("sequence_concat_combiner",
        [sequence("seq_in", preprocessing={"tokenizer": "space"},
                  encoder={"type": "embed", "vocab_size": 3, "max_len": 7, "embedding_size": 8,
                           "reduce_output": None}),
         number("num_in", "zscore")],
        [binary("bin_out")], combiner={"type": "sequence_concat", "reduce_output": "sum"}, rows=60,
        note="sequence_concat combiner: a sequence's embeddings with a number tiled along it, masked by length")
    add("sequence_combiner",
        [sequence("seq_in", preprocessing={"tokenizer": "space"},
                  encoder={"type": "embed", "vocab_size": 3, "max_len": 7, "embedding_size": 8,
                           "reduce_output": None}),
         number("num_in", "zscore")],
        [binary("bin_out")],
        combiner={"type": "sequence", "encoder": dict(tiny_tf, type="transformer"), "reduce_output": "mean"},
        rows=60, note="sequence combiner: sequence_concat then a transformer sequence encoder")
    for mode in ("entmax15", "adaptive"):
        add(f"tabnet_{mode}", [binary("bin_in"), number("num_in"), category("cat_in")], [binary("bin_out")],
            combiner={"type": "tabnet", "num_total_blocks": 2, "num_shared_blocks": 2, "entmax_mode": mode,
                      "entmax_alpha": 1.3},
            rows=60, note=f"tabnet combiner with entmax_mode {mode} (sort, cumsum, gather; bisection for adaptive)")
    add("project_aggregate_combiner", [number("num_in", "zscore"), category("cat_in"), binary("bin_in")],
        [binary("bin_out")], combiner={"type": "project_aggregate", "projection_size": 8, "output_size": 8},
        rows=60, note="project_aggregate combiner: per-input projections stacked and averaged")

    # values typed as pandas types them (issue 20)
    add("pandas_text", [text("txt_in", vocab_size=20, preprocessing={"tokenizer": "space", "max_sequence_length": 6})],
        [category("label", output=True)], data=pandas_text_rows, names=["txt_in", "label"],
        requests=pandas_text_requests,
        note="issue 20: a text column's values spelled as pandas spells them in the whole column (object: 5 -> '5', "
             "float64: '5.0', uint64 and ints beyond int64 exact), JSON NaN/Infinity, records without the key")
    add("pandas_mixed", [h3("h3_in"), number("num_in", "zscore"), vector("vec_in"), date("date_in", "%Y-%m-%d")],
        [binary("bin_out")], requests=pandas_mixed_requests,
        note="issue 20: h3 with a null (float64) or ids written as floats, a number column of booleans, NaN, "
             "a record without the key, vector strings with hexadecimal numbers and \\x1c-\\x1e separators, "
             "dates with non-ASCII digits")

    # the other convolutional text encoders (issue 16: the Go engine's conv1d and max_pool1d)
    add("text_cnn_encoders",
        [text("txt_stacked", encoder={"type": "stacked_cnn", "vocab_size": 20, "min_len": 7, "max_len": 7,
                                      "embedding_size": 8, "num_filters": 8, "output_size": 8}),
         text("txt_stacked_parallel", encoder={"type": "stacked_parallel_cnn", "vocab_size": 20, "min_len": 7,
                                               "max_len": 7, "embedding_size": 8, "num_filters": 8,
                                               "output_size": 8})],
        [binary("bin_out")],
        note="text encoders stacked_cnn (conv1d with max_pool1d) and stacked_parallel_cnn")
    return cases


CASES = build_cases()
