"""Builds a rendered-looking model_hyperparameters.json and a training_set_metadata.json from small
feature specs and a tiny "training set", using Ludwig v0.8.6's metadata rules (get_feature_meta of each
feature type, computed_fill_value, vocabularies with special symbols at Ludwig's indices).

A feature spec is a dict: {"name", "type", optional "column" (defaults to name), optional
"preprocessing" (overrides of the type defaults), and for outputs optional "clip"/"threshold"}.
"""
import base64
import copy
import hashlib
import json

import numpy as np

from scripted.common import PAD as PADDING_SYMBOL
from scripted.common import UNK as UNKNOWN_SYMBOL
from scripted.tokenizers import make_tokenizer
from scripted.vocab import label_vocabulary, read_bool, token_vocabulary

LUDWIG_VERSION = "0.8.6"
HIDDEN = 8


def _fill(value, strategy="fill_with_const"):
    """A type's missing-value defaults: the strategy, and the fill value before and after training."""
    return {"missing_value_strategy": strategy, "fill_value": value, "computed_fill_value": value}


def _vocab(most_common, lowercase):
    return {"most_common": most_common, "lowercase": lowercase}


def _sequence_like(tokenizer, lowercase):
    """What text and sequence share (text adds a few keys)."""
    return {
        **_fill(UNKNOWN_SYMBOL), **_vocab(20000, lowercase), "tokenizer": tokenizer, "padding": "right",
        "max_sequence_length": 256, "sequence_length": None, "vocab_file": None, "ngram_size": 2,
        "padding_symbol": PADDING_SYMBOL, "unknown_symbol": UNKNOWN_SYMBOL, "cache_encoder_embeddings": False,
    }


# Type defaults of Ludwig v0.8.6's preprocessing schemas (input features; outputs override a few). Key
# order is free: every file that holds them is written with sorted keys.
DEFAULT_PREPROCESSING = {
    "number": {**_fill(0.0), "normalization": "zscore", "outlier_strategy": None, "outlier_threshold": 3.0,
               "computed_outlier_fill_value": None},
    "category": {**_fill(UNKNOWN_SYMBOL), **_vocab(10000, False), "cache_encoder_embeddings": False},
    "binary": {**_fill(None, "fill_with_false"), "fallback_true_label": None},
    "set": {**_fill(UNKNOWN_SYMBOL), **_vocab(10000, False), "tokenizer": "space"},
    "bag": {**_fill(UNKNOWN_SYMBOL), **_vocab(10000, False), "tokenizer": "space"},
    "text": {**_sequence_like("space_punct", True), "pretrained_model_name_or_path": None, "compute_idf": False},
    "sequence": _sequence_like("space", False),
    "vector": {**_fill(""), "vector_size": None},
    "timeseries": {**_fill(""), "tokenizer": "space", "padding": "right", "padding_value": 0.0,
                   "timeseries_length_limit": 256},
    "date": {**_fill(""), "datetime_format": None},
    "h3": _fill(576495936675512319),
    "image": {
        **_fill(None, "bfill"), "height": None, "width": None, "num_channels": None, "resize_method": "interpolate",
        "standardize_image": None, "requires_equal_dimensions": False, "in_memory": True, "num_processes": 1,
        "infer_image_num_channels": True, "infer_image_dimensions": True, "infer_image_max_height": 256,
        "infer_image_max_width": 256, "infer_image_sample_size": 100,
    },
    "audio": {
        **_fill(None, "bfill"), "type": "fbank", "norm": None, "in_memory": True, "padding_value": 0.0,
        "audio_file_length_limit_in_s": 7.5, "window_type": "hamming", "window_length_in_s": 0.04,
        "window_shift_in_s": 0.02, "num_fft_points": None, "num_filter_bands": 80,
    },
}


OUTPUT_PREPROCESSING_OVERRIDES = {
    "number": {"missing_value_strategy": "drop_row", "normalization": None},
    "category": {"missing_value_strategy": "drop_row"},
    "binary": {"missing_value_strategy": "drop_row"},
    "set": {"missing_value_strategy": "drop_row"},
    "sequence": {"missing_value_strategy": "drop_row"},
    "text": {"missing_value_strategy": "drop_row"},
}

ENCODER_STUBS = {
    "number": {"type": "passthrough"},
    "binary": {"type": "passthrough"},
    "category": {"type": "dense", "embedding_size": HIDDEN},
    "set": {"type": "embed", "embedding_size": HIDDEN},
    "bag": {"type": "embed", "embedding_size": HIDDEN},
    "text": {"type": "embed", "embedding_size": HIDDEN, "reduce_output": "mean"},
    "sequence": {"type": "embed", "embedding_size": HIDDEN, "reduce_output": "mean"},
    "vector": {"type": "dense", "output_size": HIDDEN},
    "timeseries": {"type": "passthrough", "reduce_output": None},
    "date": {"type": "wave", "embedding_size": HIDDEN},
    "h3": {"type": "embed", "embedding_size": HIDDEN},
    "image": {"type": "stacked_cnn", "output_size": HIDDEN},
    "audio": {"type": "parallel_cnn", "embedding_size": HIDDEN},
}

DECODER_STUBS = {
    "number": {"type": "regressor", "input_size": HIDDEN},
    "binary": {"type": "regressor", "input_size": HIDDEN},
    "category": {"type": "classifier", "input_size": HIDDEN},
    "set": {"type": "classifier", "input_size": HIDDEN},
    "sequence": {"type": "generator", "cell_type": "gru", "input_size": HIDDEN},
    "text": {"type": "generator", "cell_type": "gru", "input_size": HIDDEN},
    "vector": {"type": "projector", "input_size": HIDDEN},
}

LOSS_STUBS = {
    "number": {"type": "mean_squared_error", "weight": 1.0},
    "binary": {"type": "binary_weighted_cross_entropy", "weight": 1.0, "positive_class_weight": None},
    "category": {"type": "softmax_cross_entropy", "weight": 1.0, "class_weights": None},
    "set": {"type": "sigmoid_cross_entropy", "weight": 1.0, "class_weights": None},
    "sequence": {"type": "sequence_softmax_cross_entropy", "weight": 1.0},
    "text": {"type": "sequence_softmax_cross_entropy", "weight": 1.0},
    "vector": {"type": "mean_squared_error", "weight": 1.0},
}


def _hash_dict(d) -> str:
    s = json.dumps(d, sort_keys=True, default=str).encode("utf-8")
    return base64.b64encode(hashlib.md5(s).digest(), altchars=b"__").decode("ascii")[:6]


def _f32(x) -> float:
    return float(np.float32(x))


def _tokenizer(name):
    tok = make_tokenizer(name)
    return lambda s: tok(s)


def feature_preprocessing(spec, is_output):
    t = spec["type"]
    prep = copy.deepcopy(DEFAULT_PREPROCESSING[t])
    if is_output:
        prep.update(OUTPUT_PREPROCESSING_OVERRIDES.get(t, {}))
    prep.update(spec.get("preprocessing", {}))
    return prep


def feature_metadata(spec, column, is_output):
    """Ludwig's get_feature_meta for the type, plus `preprocessing` with computed fill values."""
    t = spec["type"]
    prep = feature_preprocessing(spec, is_output)
    present = [v for v in column if v is not None]
    meta = {}
    if t == "number":
        values = np.array(present, dtype=np.float32)
        norm = prep.get("normalization")
        if norm == "zscore":
            meta.update({"mean": _f32(values.mean()), "std": _f32(values.std())})
        elif norm == "minmax":
            meta.update({"min": _f32(values.min()), "max": _f32(values.max())})
        elif norm == "iq":
            meta.update({"q1": _f32(np.percentile(values, 25)), "q2": _f32(np.percentile(values, 50)),
                         "q3": _f32(np.percentile(values, 75))})
        if prep.get("outlier_strategy") is not None and ("mean" not in meta or "std" not in meta):
            meta.update({"mean": _f32(values.mean()), "std": _f32(values.std())})
        strategy = prep["missing_value_strategy"]
        if strategy == "fill_with_mean":
            prep["computed_fill_value"] = _f32(values.mean())
        elif strategy == "fill_with_const":
            prep["computed_fill_value"] = float(prep["fill_value"])
        else:
            prep["computed_fill_value"] = float(prep["fill_value"])
        outlier = prep.get("outlier_strategy")
        if outlier == "fill_with_mean":
            prep["computed_outlier_fill_value"] = _f32(values.mean())
        elif outlier == "fill_with_const":
            prep["computed_outlier_fill_value"] = float(prep["fill_value"])
    elif t == "category":
        idx2str, str2idx, str2freq = label_vocabulary([str(v) for v in present], prep["most_common"])
        meta.update({"idx2str": idx2str, "str2idx": str2idx, "str2freq": str2freq, "vocab_size": len(str2idx)})
    elif t == "binary":
        if any(isinstance(v, str) for v in present):
            distinct = sorted(set(present))
            fallback_true_label = prep["fallback_true_label"] or distinct[0]
            prep["fallback_true_label"] = fallback_true_label
            try:
                s2b = {v: read_bool(v) for v in distinct}
            except ValueError:
                s2b = {v: read_bool(v, fallback_true_label) for v in distinct}
            bool2str = [k for k, v in sorted(s2b.items(), key=lambda item: item[1])]
            meta.update({"str2bool": s2b, "bool2str": bool2str, "fallback_true_label": fallback_true_label})
        prep["computed_fill_value"] = False
    elif t in ("set", "bag"):
        vocab, str2idx, str2freq, line_length_max, _ = token_vocabulary(
            [str(v) for v in present], _tokenizer(prep["tokenizer"]), prep["lowercase"], prep["most_common"],
            symbols=False)
        meta.update({"idx2str": vocab, "str2idx": str2idx, "str2freq": str2freq, "vocab_size": len(str2idx),
                     "max_set_size": line_length_max})
    elif t in ("text", "sequence"):
        vocab, str2idx, str2freq, line_length_max, pad_idx = token_vocabulary(
            [str(v) for v in present], _tokenizer(prep["tokenizer"]), prep["lowercase"], prep["most_common"],
            symbols=True)
        if prep["sequence_length"] is not None:
            max_sequence_length = prep["sequence_length"]
        else:
            max_sequence_length = line_length_max + 2  # For start and stop symbols.
            if prep["max_sequence_length"] is not None and prep["max_sequence_length"] < max_sequence_length:
                max_sequence_length = prep["max_sequence_length"]
        meta.update({"idx2str": vocab, "str2idx": str2idx, "str2freq": str2freq, "vocab_size": len(vocab),
                     "max_sequence_length": max_sequence_length})
        if t == "text":
            meta.update({"pad_idx": pad_idx, "padding_symbol": prep["padding_symbol"],
                         "unknown_symbol": prep["unknown_symbol"], "str2idf": None})
    elif t == "vector":
        meta["vector_size"] = max(len(str(v).split()) for v in present)
    elif t == "timeseries":
        tok = _tokenizer(prep["tokenizer"])
        max_length = max(len(tok(str(v))) for v in present)
        meta["max_timeseries_length"] = min(prep["timeseries_length_limit"], max_length)
    elif t in ("date", "h3", "image"):
        pass
    elif t == "audio":
        # AudioFeatureMixin.get_feature_meta: the sample rate of the first file.
        from testgen.media import read_audio
        from scripted.media import get_length_in_samp, get_max_length_stft_based

        _, sampling_rate_in_hz = read_audio(present[0])
        if prep["type"] == "fbank":
            feature_dim = prep["num_filter_bands"]
        else:
            raise ValueError(prep["type"])
        limit = prep["audio_file_length_limit_in_s"]
        max_length = get_max_length_stft_based(
            get_length_in_samp(limit, sampling_rate_in_hz), prep["window_length_in_s"], prep["window_shift_in_s"],
            sampling_rate_in_hz)
        meta.update({"feature_dim": feature_dim, "sampling_rate_in_hz": sampling_rate_in_hz,
                     "max_length": max_length, "reshape": [max_length, feature_dim]})
    else:
        raise ValueError(t)
    meta["preprocessing"] = prep
    return meta


def build_config_and_metadata(name, inputs, outputs, train):
    """Returns (config, training_set_metadata). `train` maps column -> list of training values."""
    config = {"model_type": "ecd", "input_features": [], "output_features": []}
    metadata = {}
    defaults = {}
    for is_output, specs in ((False, inputs), (True, outputs)):
        for spec in specs:
            column = spec.get("column", spec["name"])
            meta = feature_metadata(spec, train[column], is_output)
            metadata[spec["name"]] = meta
            t = spec["type"]
            feature = {
                "name": spec["name"],
                "type": t,
                "column": column,
                "proc_column": spec["name"] + "_" + _hash_dict({"type": t, "preprocessing": meta["preprocessing"]}),
                "active": True,
                "preprocessing": copy.deepcopy(meta["preprocessing"]),
            }
            if not is_output:
                feature["tied"] = None
                feature["encoder"] = dict(ENCODER_STUBS[t])
                feature["encoder"].update(spec.get("encoder", {}))
                if "vocab_size" in meta:
                    feature["encoder"]["vocab"] = meta["idx2str"]
                if "max_sequence_length" in meta:
                    feature["encoder"]["max_sequence_length"] = meta["max_sequence_length"]
                config["input_features"].append(feature)
            else:
                feature.update({
                    "decoder": dict(DECODER_STUBS[t]),
                    "loss": dict(LOSS_STUBS[t]),
                    "reduce_input": "sum",
                    "dependencies": [],
                    "reduce_dependencies": "sum",
                    "input_size": HIDDEN,
                    "default_validation_metric": "loss",
                })
                if t == "category":
                    feature.update({"num_classes": meta["vocab_size"], "top_k": 3, "calibration": False})
                if t == "binary":
                    feature.update({"threshold": spec.get("threshold", 0.5), "calibration": False})
                if t == "set":
                    feature.update({"threshold": spec.get("threshold", 0.5)})
                if t == "number":
                    feature.update({"clip": spec.get("clip")})
                if t in ("sequence", "text"):
                    feature["decoder"].update({"vocab_size": meta["vocab_size"],
                                               "max_sequence_length": meta["max_sequence_length"]})
                config["output_features"].append(feature)
            defaults.setdefault(t, {"preprocessing": feature_preprocessing({"type": t}, False)})
    config.update({
        "combiner": {"type": "concat", "output_size": HIDDEN, "num_fc_layers": 1, "activation": "tanh",
                     "dropout": 0.0, "norm": None},
        "trainer": {"type": "trainer", "epochs": 1, "batch_size": 128, "learning_rate": 0.001,
                    "optimizer": {"type": "adam"}, "validation_field": config["output_features"][0]["name"],
                    "validation_metric": "loss"},
        "preprocessing": {"sample_ratio": 1.0, "oversample_minority": None, "undersample_majority": None,
                          "split": {"type": "random", "probabilities": [0.7, 0.1, 0.2]}},
        "defaults": defaults,
        "hyperopt": None,
        "backend": None,
        "ludwig_version": LUDWIG_VERSION,
    })
    digest = hashlib.md5(json.dumps([config, train], sort_keys=True, default=str).encode()).hexdigest()
    metadata.update({
        "data_train_hdf5_fp": f"/tmp/ludwig_testdata/{name}.training.hdf5",
        "checksum": digest,
        "ludwig_version": LUDWIG_VERSION,
    })
    return config, metadata
