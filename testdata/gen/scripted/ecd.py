"""A tiny stand-in for Ludwig's ECD (encoder-combiner-decoder) model.

A real ECD builds encoders, a combiner and decoders from the config; this one builds one small layer
per feature so exports stay a few KB. What matters for the runtime is kept: it is traced
(torch.jit.trace(..., strict=False)) on a batch of 2, takes Dict[str, Tensor] keyed by input feature
name with the dtypes the preprocessors produce, and returns Dict[str, Tensor] keyed "<feature>::logits"
with Ludwig's logits shapes (category/set [B,C], binary/number [B], sequence [B,L,V], vector [B,D]).
"""
from typing import Dict, List

import torch
from torch import nn

from scripted.common import module_key
from scripted.naming import ludwig_name
from scripted.registry import predict_module

ECD_MODULE = "ludwig.models.ecd"

PADDING_IDX = 2  # where <PAD> sits in a text/sequence vocabulary (common.SYMBOL_SLOTS)


@ludwig_name("ludwig.features.feature_utils")
class LudwigFeatureDict(nn.Module):
    """Modules by feature name (any name: the ModuleDict holds them under common.module_key), in
    insertion order. Named as the container of a real ECD, whose traced code shows it."""

    def __init__(self):
        super().__init__()
        self.module_dict = nn.ModuleDict()
        self.names: List[str] = []

    def __setitem__(self, name: str, module: nn.Module) -> None:
        self.module_dict[module_key(name)] = module
        self.names.append(name)

    def __getitem__(self, name: str) -> nn.Module:
        return self.module_dict[module_key(name)]

    def items(self):
        return [(name, self[name]) for name in self.names]


@ludwig_name(ECD_MODULE)
class ScalarEncoder(nn.Module):
    """number / binary: [B] float32 -> [B,H]."""

    def __init__(self, hidden: int):
        super().__init__()
        self.dense = nn.Linear(1, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dense(x.to(torch.float32).reshape(-1, 1))


@ludwig_name(ECD_MODULE)
class CategoryEncoder(nn.Module):
    """category: [B] int32 -> [B,H]."""

    def __init__(self, vocab_size: int, hidden: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.embed(x.long())


@ludwig_name(ECD_MODULE)
class DenseEncoder(nn.Module):
    """set / bag / vector / timeseries / h3 / date: [B,D] any dtype -> [B,H] (after scaling)."""

    def __init__(self, in_size: int, hidden: int, scale: List[float]):
        super().__init__()
        self.register_buffer("scale", torch.tensor(scale, dtype=torch.float32))
        self.dense = nn.Linear(in_size, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dense(x.to(torch.float32) / self.scale)


@ludwig_name(ECD_MODULE)
class SequenceEncoder(nn.Module):
    """text / sequence: [B,L] int64 -> masked mean of embeddings [B,H]."""

    def __init__(self, vocab_size: int, hidden: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask = torch.not_equal(x, PADDING_IDX).to(torch.float32).unsqueeze(-1)
        emb = self.embed(x.long()) * mask
        return emb.sum(1) / mask.sum(1).clamp(min=1.0)


@ludwig_name(ECD_MODULE)
class ParallelCNNEncoder(nn.Module):
    """text / sequence with encoder parallel_cnn (the structure of Ludwig's ParallelCNN): [B,L] int64
    -> embeddings [B,E,L] -> one same-padded conv1d + relu per filter size, concatenated over
    channels -> sum over the sequence -> fully connected + relu -> [B,H]."""

    def __init__(self, vocab_size: int, hidden: int, embedding_size: int, num_filters: int,
                 filter_sizes: List[int]):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding_size)
        self.convs = nn.ModuleList([nn.Conv1d(embedding_size, num_filters, k, padding="same")
                                    for k in filter_sizes])
        self.fc = nn.Linear(num_filters * len(filter_sizes), hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = self.embed(x.long()).transpose(1, 2)
        h = torch.cat([torch.relu(conv(e)) for conv in self.convs], dim=1)
        return torch.relu(self.fc(h.sum(2) / h.shape[2]))


class FlattenEncoder(nn.Module):
    """image [B,C,H,W] / audio [B,L,F] float32 -> flattened -> [B,H]."""

    def __init__(self, in_size: int, hidden: int):
        super().__init__()
        self.dense = nn.Linear(in_size, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dense(x.to(torch.float32).flatten(1))


@ludwig_name(ECD_MODULE)
class ConcatCombiner(nn.Module):
    def __init__(self, in_size: int, hidden: int):
        super().__init__()
        self.fc = nn.Linear(in_size, hidden)

    def forward(self, encoded: List[torch.Tensor]) -> torch.Tensor:
        return torch.tanh(self.fc(torch.cat(encoded, dim=-1)))


@ludwig_name(ECD_MODULE)
class Classifier(nn.Module):
    """category / set / vector decoder: [B,H] -> [B,C]."""

    def __init__(self, hidden: int, num_classes: int):
        super().__init__()
        self.dense = nn.Linear(hidden, num_classes)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.dense(h)


@ludwig_name(ECD_MODULE)
class Regressor(nn.Module):
    """binary / number decoder: [B,H] -> [B]."""

    def __init__(self, hidden: int):
        super().__init__()
        self.dense = nn.Linear(hidden, 1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.dense(h).squeeze(-1)


@ludwig_name(ECD_MODULE)
class SequenceGeneratorDecoder(nn.Module):
    """sequence / text decoder (non-autoregressive, unlike a real generator): [B,H] -> [B,L,V]."""

    def __init__(self, hidden: int, max_sequence_length: int, vocab_size: int):
        super().__init__()
        self.position = nn.Parameter(torch.randn(max_sequence_length, hidden))
        self.dense = nn.Linear(hidden, vocab_size)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.dense(torch.tanh(h.unsqueeze(1) + self.position.unsqueeze(0)))


@ludwig_name(ECD_MODULE)
class ECD(nn.Module):
    def __init__(self, config: Dict, training_set_metadata: Dict, hidden: int = 8, weight_scale: float = 1.5):
        super().__init__()
        self.input_features = LudwigFeatureDict()
        total = 0
        for f in config["input_features"]:
            meta = training_set_metadata[f["name"]]
            t = f["type"]
            if t in ("number", "binary"):
                enc = ScalarEncoder(hidden)
            elif t == "category":
                enc = CategoryEncoder(meta["vocab_size"], hidden)
            elif t in ("text", "sequence"):
                enc = sequence_encoder(f, meta["vocab_size"], hidden)
            elif t in ("set", "bag"):
                enc = DenseEncoder(meta["vocab_size"], hidden, [1.0] * meta["vocab_size"])
            elif t == "vector":
                enc = DenseEncoder(meta["vector_size"], hidden, [1.0] * meta["vector_size"])
            elif t == "timeseries":
                n = meta["max_timeseries_length"]
                enc = DenseEncoder(n, hidden, [1.0] * n)
            elif t == "h3":
                enc = DenseEncoder(19, hidden, [15.0, 7.0, 15.0, 121.0] + [7.0] * 15)
            elif t == "date":
                enc = DenseEncoder(9, hidden, [2100.0, 12.0, 31.0, 6.0, 366.0, 23.0, 59.0, 59.0, 86399.0])
            elif t == "image":
                p = meta["preprocessing"]
                enc = FlattenEncoder(p["num_channels"] * p["height"] * p["width"], hidden)
            elif t == "audio":
                enc = FlattenEncoder(meta["max_length"] * meta["feature_dim"], hidden)
            else:
                raise ValueError(t)
            self.input_features[f["name"]] = enc
            total += hidden
        self.combiner = ConcatCombiner(total, hidden)
        self.output_features = LudwigFeatureDict()
        self.prediction_modules = {}
        for f in config["output_features"]:
            meta = training_set_metadata[f["name"]]
            t = f["type"]
            if t in ("category", "set"):
                dec = Classifier(hidden, meta["vocab_size"])
            elif t == "vector":
                dec = Classifier(hidden, meta["vector_size"])
            elif t in ("binary", "number"):
                dec = Regressor(hidden)
            elif t in ("sequence", "text"):
                dec = SequenceGeneratorDecoder(hidden, meta["max_sequence_length"], meta["vocab_size"])
            else:
                raise ValueError(t)
            self.output_features[f["name"]] = dec
            self.prediction_modules[f["name"]] = predict_module(f)
        with torch.no_grad():
            for p in self.parameters():
                p.mul_(weight_scale)
        self.sample_inputs = None

    def forward(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        encoded = [enc(inputs[name]) for name, enc in self.input_features.items()]
        hidden = self.combiner(encoded)
        output_logits: Dict[str, torch.Tensor] = {}
        for name, dec in self.output_features.items():
            output_logits[name + "::logits"] = dec(hidden)
        return output_logits

    @torch.no_grad()
    def center_output_biases(self, config: Dict, training_set_metadata: Dict, inputs: Dict[str, torch.Tensor]):
        """Stands in for training: shifts each classification decoder's bias so that its mean logit over
        the (preprocessed) training set is 0, so predictions vary across rows instead of one label
        winning everywhere; then lowers <UNK> (and <PAD>) a little, as a trained model rarely predicts them."""
        outputs = self.forward(inputs)
        for f in config["output_features"]:
            name, t = f["name"], f["type"]
            if t not in ("category", "set", "binary", "sequence", "text"):
                continue
            dense = self.output_features[name].dense
            logits = outputs[name + "::logits"]
            if t in ("sequence", "text"):
                dense.bias -= logits.mean(dim=(0, 1))
            else:
                dense.bias -= logits.mean(dim=0)
            if t in ("category", "set"):
                unk = training_set_metadata[name]["str2idx"].get("<UNK>")
                if unk is not None:
                    dense.bias[unk] -= 1.0

    def to_torchscript(self, device=None):
        """Traces the model on a batch of two preprocessed rows, like BaseModel.to_torchscript."""
        self.eval()
        model_to_script = self.to(device)
        model_inputs_to_script = {k: v.to(device) for k, v in self.sample_inputs.items()}
        # We set strict=False to enable dict inputs and outputs.
        return torch.jit.trace(model_to_script, model_inputs_to_script, strict=False)


@ludwig_name("ludwig.modules.recurrent_modules")
class RecurrentStack(nn.Module):
    """Ludwig's recurrent stack: one nn.GRU / nn.LSTM / nn.RNN (batch first) in `layers`."""

    def __init__(self, input_size: int, state_size: int, cell_type: str, num_layers: int, bidirectional: bool):
        super().__init__()
        cls = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}[cell_type]
        self.layers = cls(input_size, state_size, num_layers=num_layers, bidirectional=bidirectional,
                          batch_first=True)

    def forward(self, x: torch.Tensor):
        return self.layers(x)


@ludwig_name("ludwig.encoders.sequence_encoders")
class RNNEncoder(nn.Module):
    """text / sequence encoder `rnn`: [B,L] int64 -> embeddings -> recurrent stack -> the last time
    step's outputs -> dense [B,H] (Ludwig's RNNEncoder with reduce_output "last")."""

    def __init__(self, vocab_size: int, hidden: int, enc: Dict):
        super().__init__()
        state = enc.get("state_size", 8)
        dirs = 2 if enc.get("bidirectional", False) else 1
        self.embed_sequence = nn.Embedding(vocab_size, enc.get("embedding_size", hidden))
        self.recurrent_stack = RecurrentStack(enc.get("embedding_size", hidden), state, enc.get("cell_type", "rnn"),
                                              enc.get("num_layers", 1), enc.get("bidirectional", False))
        self.fc = nn.Linear(state * dirs, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden, _ = self.recurrent_stack(self.embed_sequence(x.long()))
        return torch.tanh(self.fc(hidden[:, -1, :]))


def sequence_encoder(feature: Dict, vocab_size: int, hidden: int) -> nn.Module:
    """The encoder of a text / sequence input by its encoder type: RNNEncoder (`rnn`),
    ParallelCNNEncoder (`parallel_cnn`), else SequenceEncoder (embed).
    (Defined after ECD so that the traced ECD's source lines stay those of the other fixtures.)"""
    encoder = feature.get("encoder", {})
    if encoder.get("type") == "rnn":
        return RNNEncoder(vocab_size, hidden, encoder)
    if encoder.get("type") == "parallel_cnn":
        return ParallelCNNEncoder(vocab_size, hidden, encoder["embedding_size"], encoder["num_filters"],
                                  encoder["filter_sizes"])
    return SequenceEncoder(vocab_size, hidden)
