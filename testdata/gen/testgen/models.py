"""The catalogue of test exports. Add a model: write a function returning a ModelSpec and list it in
MODELS (or, for a new kind of artefact such as image/audio/monolithic/carton, add a builder in
generate.py's VARIANTS/BUILDERS). Keep models tiny and data deterministic."""
import random

from testgen.export import ModelSpec

# ---------------------------------------------------------------------------------------------
# helpers


def make_h3(resolution: int, base_cell: int, cells, mode: int = 1, edge: int = 0) -> int:
    """An H3 index (H3's bit layout: scripted.structured.h3_fields reads it back), high bit 0."""
    h = 0
    h |= mode << 59
    h |= edge << 56
    h |= resolution << 52
    h |= base_cell << 45
    digits = list(cells) + [7] * (15 - len(cells))
    for i, d in enumerate(digits):
        h |= d << (45 - 3 * (i + 1))
    return h


H3_PARIS = make_h3(9, 20, [1, 4, 0, 3, 6, 2, 5, 1, 0])
H3_LONDON = make_h3(7, 21, [2, 2, 6, 1, 0, 3, 4])
H3_BERLIN = make_h3(5, 13, [0, 5, 3, 2, 1])
H3_TOKYO = make_h3(10, 71, [3, 1, 4, 1, 5, 2, 6, 5, 3, 5])
H3_SF = 622236723497533439  # a real resolution-10 cell id


# ---------------------------------------------------------------------------------------------
# 1. tabular


def tabular() -> ModelSpec:
    rng = random.Random(1)
    n = 16
    cities = ["Paris", "London", "Berlin", "Tokyo"]
    cells = [H3_PARIS, H3_LONDON, H3_BERLIN, H3_TOKYO, H3_SF]
    plans = ["basic", "plus", "premium"]
    train = {
        "Age": [rng.randint(18, 80) for _ in range(n)],
        "city": [rng.choice(cities) for _ in range(n)],
        "member": [rng.random() < 0.5 for _ in range(n)],
        "cell": [rng.choice(cells) for _ in range(n)],
        "plan": [rng.choice(plans) for _ in range(n)],
    }
    cases = [
        ("batch1_ints", {"Age": [34], "city": ["Paris"], "member": [True], "cell": [H3_PARIS]}),
        ("batch2_unknown_city_floats", {
            "Age": [51.5, 28], "city": ["Reykjavik", " London "], "member": [False, True],
            "cell": [H3_SF, H3_TOKYO]}),
        ("batch5_missing_and_empty", {
            "Age": [None, 40, 19, 65, 33],
            "city": [None, "", "Berlin", "Tokyo", "paris"],
            "member": [None, True, False, True, False],
            "cell": [H3_BERLIN, H3_LONDON, H3_PARIS, H3_SF, H3_TOKYO]}),
        ("batch3_string_bools_and_numbers", {
            "Age": [22, 90, 45], "city": ["Tokyo", "CAFÉ", 7], "member": ["yes", "No", 1],
            "cell": [H3_TOKYO, H3_BERLIN, H3_SF]}),
    ]
    return ModelSpec(
        name="tabular",
        description="number `age` (column `Age`, zscore, fill_with_mean), category `city`, binary `member` "
        "(bool column, no str2bool), h3 `cell` -> category `plan` (<UNK>, 3 labels)",
        inputs=[
            {"name": "age", "column": "Age", "type": "number",
             "preprocessing": {"normalization": "zscore", "missing_value_strategy": "fill_with_mean"}},
            {"name": "city", "type": "category"},
            {"name": "member", "type": "binary"},
            {"name": "cell", "type": "h3"},
        ],
        outputs=[{"name": "plan", "type": "category"}],
        train=train,
        cases=cases,
        seed=11,
    )



# ---------------------------------------------------------------------------------------------
# 2. regression


def regression() -> ModelSpec:
    rng = random.Random(2)
    n = 20
    sqft = [rng.randint(40, 250) for _ in range(n)]
    lot = [round(rng.uniform(100.0, 900.0), 1) for _ in range(n)]
    price = [round(1500.0 * a + 80.0 * b + rng.uniform(-5000, 5000), 2) for a, b in zip(sqft, lot)]
    train = {"sqft": sqft, "lot_size": lot, "price": price}
    cases = [
        ("batch1_ints", {"sqft": [120], "lot_size": [450]}),
        ("batch2_null_and_float", {"sqft": [None, 75.5], "lot_size": [300.25, None]}),
        ("batch5_outliers", {
            "sqft": [40, 250, 400, 10, 180],
            "lot_size": [1000000.0, -50000.0, 500.0, 120.5, 899.9]}),
    ]
    return ModelSpec(
        name="regression",
        description="number `sqft` (minmax, fill 0) and number `lot_size` (zscore, outlier_strategy "
        "fill_with_mean, threshold 3) -> number `price` (zscore, de-normalised by the postprocessor)",
        inputs=[
            {"name": "sqft", "type": "number", "preprocessing": {"normalization": "minmax"}},
            {"name": "lot_size", "type": "number",
             "preprocessing": {"normalization": "zscore", "outlier_strategy": "fill_with_mean",
                               "outlier_threshold": 3.0, "missing_value_strategy": "fill_with_mean"}},
        ],
        outputs=[{"name": "price", "type": "number", "preprocessing": {"normalization": "zscore"}}],
        train=train,
        cases=cases,
        seed=21,
    )


# ---------------------------------------------------------------------------------------------
# 3. binary outputs


def binary_yesno() -> ModelSpec:
    rng = random.Random(3)
    n = 16
    colors = ["red", "green", "blue"]
    train = {
        "score": [round(rng.uniform(0, 10), 2) for _ in range(n)],
        "color": [rng.choice(colors) for _ in range(n)],
        "churn": [rng.choice(["Yes", "No"]) for _ in range(n)],
    }
    cases = [
        ("batch1", {"score": [7.5], "color": ["red"]}),
        ("batch2_unknown_and_null", {"score": [None, 1], "color": ["purple", None]}),
        ("batch5_mixed", {"score": [0, 2, 4, 8, 10], "color": ["blue", "green", "red", "", " blue"]}),
    ]
    return ModelSpec(
        name="binary_yesno",
        description="number `score`, category `color` -> binary `churn` trained on \"Yes\"/\"No\" strings "
        "(str2bool, bool2str [\"No\",\"Yes\"]: postprocessed predictions are strings)",
        inputs=[{"name": "score", "type": "number"}, {"name": "color", "type": "category"}],
        outputs=[{"name": "churn", "type": "binary"}],
        train=train,
        cases=cases,
        seed=31,
        weight_scale=2.5,
    )


def binary_plain() -> ModelSpec:
    rng = random.Random(4)
    n = 16
    train = {
        "x": [round(rng.uniform(-3, 3), 3) for _ in range(n)],
        "flag": [rng.choice(["Y", "N"]) for _ in range(n)],
        "approved": [rng.random() < 0.5 for _ in range(n)],
    }
    cases = [
        ("batch1", {"x": [0.5], "flag": ["Y"]}),
        ("batch2_strip_and_case", {"x": [-1.25, 2], "flag": [" N ", "y"]}),
        ("batch5_null_bool_unknown", {
            "x": [None, 3, -3, 0, 1.5], "flag": [None, True, "N", "Y", "maybe"]}),
    ]
    return ModelSpec(
        name="binary_plain",
        description="number `x`, binary input `flag` trained on \"Y\"/\"N\" (str2bool metadata: exact match "
        "after strip, no lowercasing) -> binary `approved` trained on bools (no bool2str: postprocessed "
        "predictions are a bool tensor)",
        inputs=[{"name": "x", "type": "number"}, {"name": "flag", "type": "binary"}],
        outputs=[{"name": "approved", "type": "binary"}],
        train=train,
        cases=cases,
        seed=41,
        weight_scale=2.5,
    )


# ---------------------------------------------------------------------------------------------
# 4. text -> category

REVIEWS = [
    "great product works well",
    "terrible quality broke fast",
    "okay value for money",
    "great value great quality",
    "would not buy again",
    "works as described",
    "broke after one week",
    "love it",
    "not great not terrible",
    "fast shipping good product",
    "the best purchase i made this year",
]


# The label of each of REVIEWS.
SENTIMENTS = ["positive", "negative", "neutral", "positive", "negative", "neutral", "negative",
              "positive", "neutral", "positive", "positive"]


def text_category() -> ModelSpec:
    train = {"review": REVIEWS, "sentiment": SENTIMENTS}
    cases = [
        ("batch1", {"review": ["Great product"]}),
        ("batch2_non_ascii_and_unknown", {"review": ["CAFÉ crème", "zebra quantum works"]}),
        ("batch5_null_empty_long", {"review": [
            None, "", "great value great quality would not buy again works", "  LOVE   it  ", "None"]}),
    ]
    return ModelSpec(
        name="text_category",
        description="text `review` (space tokenizer, lowercase, max_sequence_length 8, vocab "
        "<EOS>,<SOS>,<PAD>,<UNK>,...) -> category `sentiment`",
        inputs=[{"name": "review", "type": "text",
                 "preprocessing": {"tokenizer": "space", "max_sequence_length": 8}}],
        outputs=[{"name": "sentiment", "type": "category"}],
        train=train,
        cases=cases,
        seed=51,
        weight_scale=2.5,
    )


def text_parallel_cnn() -> ModelSpec:
    """The benchmark's text model: a parallel_cnn encoder (same-padded conv1d of filter sizes 2-5,
    even ones included) in the predictor, which the Go engine runs with its im2col + GEMM kernel."""
    reviews = REVIEWS + ["good quality and fast shipping but it broke after one week so not great value"]
    labels = ["positive", "negative", "neutral", "positive", "negative", "neutral", "negative",
              "positive", "neutral", "positive", "positive", "negative"]
    cases = [
        ("batch1", {"review": ["Great product"]}),
        ("batch3_unknown_null_long", {"review": [
            "zebra quantum works", None,
            "great value great quality would not buy again works love it fast shipping good product"]}),
    ]
    return ModelSpec(
        name="text_parallel_cnn",
        description="text `review` (space tokenizer, max_sequence_length 16, parallel_cnn encoder: "
        "embedding 32, 4 x 32 filters of sizes 2-5) -> category `sentiment`",
        inputs=[{"name": "review", "type": "text",
                 "preprocessing": {"tokenizer": "space", "max_sequence_length": 16},
                 "encoder": {"type": "parallel_cnn", "embedding_size": 32, "num_filters": 32,
                             "filter_sizes": [2, 3, 4, 5], "reduce_output": "mean"}}],
        outputs=[{"name": "sentiment", "type": "category"}],
        train={"review": reviews, "sentiment": labels},
        cases=cases,
        seed=57,
        weight_scale=2.0,
    )


# ---------------------------------------------------------------------------------------------
# 5. set + bag + vector -> set


def set_bag_vector() -> ModelSpec:
    rng = random.Random(5)
    n = 14
    tags = ["sports", "news", "music", "tech", "travel", "food"]
    words = ["alpha", "beta", "gamma", "delta"]
    labels = ["red", "green", "blue", "yellow"]
    train = {
        "tags": [" ".join(rng.sample(tags, rng.randint(1, 3))) for _ in range(n)],
        "words": [" ".join(rng.choice(words) for _ in range(rng.randint(1, 5))) for _ in range(n)],
        "emb": [" ".join(str(round(rng.uniform(-1, 1), 2)) for _ in range(4)) for _ in range(n)],
        "labels": [" ".join(rng.sample(labels, rng.randint(1, 3))) for _ in range(n)],
    }
    cases = [
        ("batch1", {"tags": ["sports news"], "words": ["alpha alpha beta"], "emb": ["0.1 -0.2 0.3 0.4"]}),
        ("batch2_unknown_empty", {
            "tags": ["unknowntag music", ""], "words": ["", "omega delta delta delta"],
            "emb": ["1 2 3 4", "-0.5 0.25 0 1e-3"]}),
        ("batch5_null_and_case", {
            "tags": [None, "Tech tech", "food  travel", "news", "sports music tech travel"],
            "words": [None, "gamma", "GAMMA gamma", "beta beta beta beta beta beta", "alpha"],
            "emb": ["0 0 0 0", "0.9 0.9 0.9 0.9", "-1 -1 -1 -1", "0.5 -0.5 0.5 -0.5", "3.25 1 0.125 -2"]}),
    ]
    return ModelSpec(
        name="set_bag_vector",
        description="set `tags`, bag `words` (counts), vector `emb` (size 4, space-separated strings) -> "
        "set `labels` (predictions List[List[str]], probabilities List[Tensor]); set vocabularies put "
        "<UNK> at index 3 as Ludwig's create_vocabulary does",
        inputs=[{"name": "tags", "type": "set"}, {"name": "words", "type": "bag"},
                {"name": "emb", "type": "vector"}],
        outputs=[{"name": "labels", "type": "set"}],
        train=train,
        cases=cases,
        seed=61,
        weight_scale=2.5,
    )


# ---------------------------------------------------------------------------------------------
# 6. date input


def date_input() -> ModelSpec:
    rng = random.Random(6)
    n = 12
    train = {
        "signup": [f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2015, 2023)} "
                   f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}" for _ in range(n)],
        "amount": [round(rng.uniform(1, 100), 2) for _ in range(n)],
        "days": [rng.randint(1, 400) for _ in range(n)],
    }
    cases = [
        ("batch1", {"signup": ["26/02/2013 14:57"], "amount": [10]}),
        ("batch2_leap_midnight", {"signup": ["29/02/2020 00:00", "31/12/2021 23:59"], "amount": [None, 99.5]}),
        ("batch5", {"signup": ["01/01/2000 00:01", "15/07/2019 12:30", "09/09/1999 09:09",
                               "28/02/2023 18:45", "01/03/2024 06:00"],
                    "amount": [1, 2, 3, 4, 5]}),
    ]
    return ModelSpec(
        name="date_input",
        description="date `signup` (datetime_format \"%d/%m/%Y %H:%M\"; module input List[Tensor] of "
        "int64[9]) + number `amount` -> number `days` (no normalization)",
        inputs=[{"name": "signup", "type": "date", "preprocessing": {"datetime_format": "%d/%m/%Y %H:%M"}},
                {"name": "amount", "type": "number"}],
        outputs=[{"name": "days", "type": "number"}],
        train=train,
        cases=cases,
        seed=71,
    )


# ---------------------------------------------------------------------------------------------
# 7. timeseries input


def timeseries_input() -> ModelSpec:
    rng = random.Random(7)
    n = 12

    def series(k):
        return " ".join(str(round(rng.uniform(-2, 2), 2)) for _ in range(k))

    train = {
        "readings": [series(rng.randint(3, 6)) for _ in range(n)],
        "pressure": [series(rng.randint(2, 4)) for _ in range(n)],
        "alarm": [rng.random() < 0.5 for _ in range(n)],
    }
    cases = [
        ("batch1", {"readings": ["0.5 1.5 -0.25"], "pressure": ["1 2"]}),
        ("batch2_null_and_long", {
            "readings": [None, "1 2 3 4 5 6 7 8 9"], "pressure": ["0.5", None]}),
        ("batch5_nan_token_empty", {
            "readings": ["1.5 nan 2", "", "  3   4  ", "-1e-2 2.5e1", "1 1 1 1 1 1"],
            "pressure": ["1 2 3 4 5", "7", "", "0 0", "-1 -2 -3"]}),
    ]
    return ModelSpec(
        name="timeseries_input",
        description="timeseries `readings` (space tokenizer, right padding, fill_value \"0 0 0\" for "
        "missing) and `pressure` (left padding, padding_value -1, default fill \"\") -> binary `alarm`",
        inputs=[
            {"name": "readings", "type": "timeseries",
             "preprocessing": {"fill_value": "0 0 0", "computed_fill_value": "0 0 0"}},
            {"name": "pressure", "type": "timeseries",
             "preprocessing": {"padding": "left", "padding_value": -1.0}},
        ],
        outputs=[{"name": "alarm", "type": "binary"}],
        train=train,
        cases=cases,
        seed=84,
        weight_scale=2.5,
    )


# ---------------------------------------------------------------------------------------------
# 8. sequence output


def sequence_output() -> ModelSpec:
    replies = ["thanks a lot", "sorry to hear that", "glad you like it", "we will fix it",
               "thanks", "sorry", "glad to help", "we will call you", "thanks again", "we are sorry", "thank you so much"]
    train = {"prompt": REVIEWS, "reply": replies}
    cases = [
        ("batch1", {"prompt": ["Great product!"]}),
        ("batch2_non_ascii", {"prompt": ["CAFÉ crème, très bien", "broke-after one week..."]}),
        ("batch5_null_empty_unknown", {"prompt": [None, "", "xyzzy plugh", "LOVE IT", "works well"]}),
    ]
    return ModelSpec(
        name="sequence_output",
        description="text `prompt` (space_punct tokenizer, lowercase) -> sequence `reply` (space tokenizer; "
        "postprocessed predictions List[List[str]] of exactly max_sequence_length tokens, probabilities "
        "[B,L], probability [B])",
        inputs=[{"name": "prompt", "type": "text", "preprocessing": {"max_sequence_length": 10}}],
        outputs=[{"name": "reply", "type": "sequence"}],
        train=train,
        cases=cases,
        seed=91,
        weight_scale=2.5,
    )


def sequence_rnn() -> ModelSpec:
    """The benchmark's sequence model: a GRU encoder over 16 tokens."""
    train = {"review": REVIEWS, "sentiment": SENTIMENTS}
    cases = [
        ("batch1", {"review": ["great product works well"]}),
        ("batch3_unknown_empty_null", {"review": ["zebra quantum works", "", None]}),
        ("batch4_long_truncated", {"review": [
            "great value great quality would not buy again works as described love it fast shipping good product",
            "broke after one week", "  LOVE   it  ", "not great not terrible"]}),
    ]
    return ModelSpec(
        name="sequence_rnn",
        description="sequence `review` (space tokenizer, max_sequence_length 16) with an `rnn` encoder "
        "(cell_type gru, state_size 32, embedding_size 16) -> category `sentiment`",
        inputs=[{"name": "review", "type": "sequence", "preprocessing": {"tokenizer": "space", "max_sequence_length": 16},
                 "encoder": {"type": "rnn", "cell_type": "gru", "state_size": 32, "embedding_size": 16}}],
        outputs=[{"name": "sentiment", "type": "category"}],
        train=train,
        cases=cases,
        seed=95,
        weight_scale=1.5,
    )


def text_output() -> ModelSpec:
    answers = ["great thanks", "sorry about that", "we will fix it", "glad you like it", "thanks",
               "call us", "sorry", "glad to help you", "we are on it", "thank you so much", "ok"]
    train = {"question": REVIEWS, "answer": answers}
    cases = [
        ("batch1", {"question": ["Great product!"]}),
        ("batch4_null_empty_unknown_non_ascii", {"question": [None, "", "xyzzy plugh", "CAFÉ crème"]}),
    ]
    return ModelSpec(
        name="text_output",
        description="text `question` (space tokenizer) -> text `answer` (the full form adds "
        "`answer_response`, the predicted tokens joined by spaces)",
        inputs=[{"name": "question", "type": "text", "preprocessing": {"max_sequence_length": 8}}],
        outputs=[{"name": "answer", "type": "text"}],
        train=train,
        cases=cases,
        seed=93,
        weight_scale=2.5,
    )


# ---------------------------------------------------------------------------------------------
# 9. multi output


def multi_output() -> ModelSpec:
    rng = random.Random(9)
    n = 14
    kinds = ["a", "b", "c"]
    train = {
        "size": [round(rng.uniform(0, 50), 1) for _ in range(n)],
        "kind": [rng.choice(kinds) for _ in range(n)],
        "note": [rng.choice(REVIEWS) for _ in range(n)],
        "label": [rng.choice(["low", "mid", "high"]) for _ in range(n)],
        "score": [round(rng.uniform(0, 100), 1) for _ in range(n)],
    }
    cases = [
        ("batch1", {"size": [10], "kind": ["a"], "note": ["great product"]}),
        ("batch2", {"size": [None, 49.5], "kind": ["z", "c"], "note": ["", None]}),
        ("batch5", {"size": [0, 10, 20, 30, 40], "kind": ["a", "b", "c", "a", "b"],
                    "note": ["love it", "broke fast", "ok", "CAFÉ", "would buy again"]}),
    ]
    return ModelSpec(
        name="multi_output",
        description="number `size`, category `kind`, text `note` -> category `label` and number `score` "
        "(zscore) in one model",
        inputs=[{"name": "size", "type": "number"}, {"name": "kind", "type": "category"},
                {"name": "note", "type": "text", "preprocessing": {"max_sequence_length": 6}}],
        outputs=[{"name": "label", "type": "category"},
                 {"name": "score", "type": "number", "preprocessing": {"normalization": "zscore"}}],
        train=train,
        cases=cases,
        seed=101,
        weight_scale=2.0,
    )


# ---------------------------------------------------------------------------------------------
# 10. image input (decoded from files: golden requests carry data: URIs, so they hold no paths)


def image_input() -> ModelSpec:
    from testgen.media import data_uri

    def uri(name):
        mime = {"png": "image/png", "jpg": "image/jpeg", "bmp": "image/bmp", "gif": "image/gif", "tif": "image/tiff",
                "npy": "application/octet-stream"}
        return data_uri("media/" + name, mime[name.rsplit(".", 1)[1]])

    train = {
        "image_path": ["media/rgb.png", "media/rgb.bmp", "media/anim.gif", "media/rgb.tif", "media/palette.png",
                       "media/rgb.png", "media/anim.gif", "media/rgb.bmp"],
        "label": ["cat", "dog", "bird", "cat", "dog", "cat", "bird", "dog"],
    }
    cases = [
        ("batch1_png", {"image_path": [uri("rgb.png")]}),
        ("batch3_bmp_gif_tiff_sizes", {"image_path": [uri("rgb.bmp"), uri("anim.gif"), uri("rgb.tif")]}),
        ("batch2_gray_png_tiff", {"image_path": [uri("gray.png"), uri("gray.tif")]}),
        ("batch2_palette_rgb", {"image_path": [uri("palette.png"), uri("rgb.png")]}),
        ("batch3_npy_uint8_float32_png", {"image_path": [uri("rgb.npy"), uri("rgb_f32.npy"), uri("rgb.png")]}),
    ]
    return ModelSpec(
        name="image_input",
        description="image `photo` (column `image_path`; height 12, width 12, 3 channels, interpolate: "
        "Ludwig's _ImagePreprocessing with torchvision's resize) -> category `label`",
        inputs=[{"name": "photo", "column": "image_path", "type": "image",
                 "preprocessing": {"height": 12, "width": 12, "num_channels": 3, "resize_method": "interpolate"}}],
        outputs=[{"name": "label", "type": "category"}],
        train=train,
        cases=cases,
        seed=111,
        weight_scale=2.0,
    )


# ---------------------------------------------------------------------------------------------
# 11. audio input (fbank features; the preprocessor calls torchaudio::_lfilter)


def audio_input() -> ModelSpec:
    from testgen.media import data_uri

    def uri(name):
        return data_uri("media/" + name, "audio/wav")

    train = {
        "audio_path": ["media/pcm16_mono.wav", "media/pcm8_mono.wav", "media/pcm24_stereo.wav",
                       "media/pcm16_stereo_ext.wav", "media/pcm16_mono.wav", "media/pcm8_mono.wav"],
        "speaker": ["ann", "bob", "cid", "ann", "bob", "cid"],
    }
    cases = [
        ("batch1_pcm16", {"audio_path": [uri("pcm16_mono.wav")]}),
        ("batch3_pcm8_pcm24_extensible", {"audio_path": [uri("pcm8_mono.wav"), uri("pcm24_stereo.wav"),
                                                         uri("pcm16_stereo_ext.wav")]}),
    ]
    return ModelSpec(
        name="audio_input",
        description="audio `voice` (column `audio_path`; fbank, 8 filter bands, 20 ms windows, per-file "
        "norm; Ludwig's _AudioPreprocessing, whose pre-emphasis calls torchaudio.functional.lfilter: the "
        "export needs libtorchaudio.so) -> category `speaker`",
        inputs=[{"name": "voice", "column": "audio_path", "type": "audio",
                 "preprocessing": {"type": "fbank", "window_length_in_s": 0.02, "window_shift_in_s": 0.01,
                                   "num_filter_bands": 8, "norm": "per_file",
                                   "audio_file_length_limit_in_s": 0.3}}],
        outputs=[{"name": "speaker", "type": "category"}],
        train=train,
        cases=cases,
        seed=121,
        weight_scale=2.0,
    )


# ---------------------------------------------------------------------------------------------
# 12. dates with other formats


def date2() -> ModelSpec:
    rng = random.Random(13)
    n = 12
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    from datetime import datetime, timedelta

    base = datetime(2019, 1, 1)
    whens = [base + timedelta(days=rng.randint(0, 1500), seconds=rng.randint(0, 86399)) for _ in range(n)]
    train = {
        "when": [w.strftime("%a %d %b %Y %I:%M:%S %p") for w in whens],
        "day": [w.strftime("%Y-%j") for w in whens],
        "delay": [rng.randint(0, 50) for _ in range(n)],
    }
    del days, months
    cases = [
        ("batch1", {"when": ["Tue 07 Mar 2023 02:05:09 PM"], "day": ["2023-066"]}),
        ("batch3_noon_midnight_leap", {
            "when": ["Sat 01 Jan 2022 12:00:00 AM", "sat 01 jan 2022 12:00:00 pm", "Thu 29 Feb 2024 11:59:59 PM"],
            "day": ["2020-366", "2021-001", "2024-060"]}),
    ]
    return ModelSpec(
        name="date2",
        description="date `when` (datetime_format \"%a %d %b %Y %I:%M:%S %p\": names, 12-hour clock) and date "
        "`day` (\"%Y-%j\": day of the year) -> number `delay`",
        inputs=[{"name": "when", "type": "date", "preprocessing": {"datetime_format": "%a %d %b %Y %I:%M:%S %p"}},
                {"name": "day", "type": "date", "preprocessing": {"datetime_format": "%Y-%j"}}],
        outputs=[{"name": "delay", "type": "number"}],
        train=train,
        cases=cases,
        seed=131,
    )


MODELS = [tabular, regression, binary_yesno, binary_plain, text_category, text_parallel_cnn, set_bag_vector, date_input,
          timeseries_input, sequence_output, sequence_rnn, text_output, multi_output, image_input, audio_input, date2]

# Models for the native stages (core/native).
from testgen.models_native import NATIVE_MODELS  # noqa: E402

MODELS += NATIVE_MODELS
