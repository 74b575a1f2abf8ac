"""Text, sequence and timeseries features (class names of `ludwig.features.sequence_feature` and
`timeseries_feature`; text uses the sequence modules).

Behaviour (contract sections 4, 5 and 9):
- text/sequence in: the exact string "nan" becomes the fill value; the text is lowercased when
  configured, tokenized, and written as `<SOS>` ids `<EOS>` then `<PAD>` up to
  max_sequence_length; a text too long keeps what fits after `<SOS>` and gets no `<EOS>`.
  Unknown tokens take the `<UNK>` id.
- text/sequence out: argmax tokens; postprocessing spells exactly max_sequence_length of them
  (ids past the vocabulary -> `<UNK>`), keeps each position's best probability and their summed
  logs.
- timeseries in: strings ("nan" -> the fill value) are tokenized and parsed with float(); rows are
  padded (or cut) to max_timeseries_length on the configured side. Tensors with a NaN are replaced
  by the parsed fill value, then padded to the longest row.
"""
from typing import Any, Dict, List

import torch

from scripted.common import EOS, SOS, UNK, ModuleInput, PredictModule, keep, predictor_output
from scripted.naming import ludwig_name
from scripted.tokenizers import make_tokenizer

SEQUENCE = "ludwig.features.sequence_feature"
TIMESERIES = "ludwig.features.timeseries_feature"


@ludwig_name(SEQUENCE)
class _SequencePreprocessing(torch.nn.Module):
    def __init__(self, metadata: Dict[str, Any]):
        super().__init__()
        prep = metadata["preprocessing"]
        keep(self, lowercase=prep["lowercase"], tokenizer_type=prep["tokenizer"], tokenizer=make_tokenizer(prep["tokenizer"]))
        # the vocabulary, its special symbols, the row width and the text that stands for a missing value
        keep(self, unit_to_id=metadata["str2idx"], padding_symbol=prep["padding_symbol"],
             unknown_symbol=prep["unknown_symbol"], start_symbol=SOS, stop_symbol=EOS,
             max_sequence_length=int(metadata["max_sequence_length"]), computed_fill_value=prep["computed_fill_value"])

    def forward(self, v: ModuleInput) -> torch.Tensor:
        if not torch.jit.isinstance(v, List[str]):
            raise ValueError(f"a text or sequence feature takes strings, not {v}")
        return torch.stack([self.encode(text) for text in v])

    def encode(self, text: str) -> torch.Tensor:
        if text == "nan":
            text = self.computed_fill_value
        if self.lowercase:
            text = text.lower()
        units = self.tokenizer(text)
        assert torch.jit.isinstance(units, List[str])
        width = self.max_sequence_length
        row = torch.full([width], self.unit_to_id[self.padding_symbol])
        row[0] = self.unit_to_id[self.start_symbol]
        room = width - 1  # positions after <SOS>
        if len(units) < room:
            row[len(units) + 1] = self.unit_to_id[self.stop_symbol]
        ids: List[int] = []
        for unit in units[:room]:
            ids.append(self.unit_to_id[unit] if unit in self.unit_to_id else self.unit_to_id[self.unknown_symbol])
        row[1 : len(ids) + 1] = torch.tensor(ids, dtype=torch.long)
        return row


@ludwig_name(SEQUENCE)
class _SequencePredict(PredictModule):
    def forward(self, inputs: Dict[str, torch.Tensor], feature_name: str) -> Dict[str, torch.Tensor]:
        logits = predictor_output(inputs, feature_name, self.logits_key)
        return {
            self.predictions_key: torch.argmax(logits, -1),
            self.probabilities_key: torch.softmax(logits, -1),
            self.logits_key: logits,
        }


@ludwig_name(SEQUENCE)
class _SequencePostprocessing(torch.nn.Module):
    def __init__(self, metadata: Dict[str, Any]):
        super().__init__()
        keep(self, idx2str=metadata["idx2str"], unknown_symbol=UNK, max_sequence_length=int(metadata["max_sequence_length"]))
        keep(self, predictions_key="predictions", probabilities_key="probabilities", probability_key="probability")

    def forward(self, preds: Dict[str, torch.Tensor], feature_name: str) -> Dict[str, Any]:
        ids = predictor_output(preds, feature_name, self.predictions_key)
        dist = predictor_output(preds, feature_name, self.probabilities_key)
        known = len(self.idx2str)
        spelled: List[List[str]] = []
        for row in ids:
            words: List[str] = []
            for pos in range(self.max_sequence_length):
                k = int(row[pos].item())
                words.append(self.idx2str[k] if k < known else self.unknown_symbol)
            spelled.append(words)
        best, _ = torch.max(dist, dim=-1)
        return {
            self.predictions_key: spelled,
            self.probabilities_key: best,
            self.probability_key: torch.sum(torch.log(best), dim=-1),
        }


@ludwig_name(TIMESERIES)
class _TimeseriesPreprocessing(torch.nn.Module):
    def __init__(self, metadata: Dict[str, Any]):
        super().__init__()
        prep = metadata["preprocessing"]
        keep(self, tokenizer=make_tokenizer(prep["tokenizer"]), computed_fill_value=prep["computed_fill_value"],
             max_timeseries_length=int(metadata["max_timeseries_length"]),
             padding=prep["padding"], padding_value=float(prep["padding_value"]))

    def forward(self, v: ModuleInput) -> torch.Tensor:
        if torch.jit.isinstance(v, List[str]):
            return self.from_texts(v)
        if torch.jit.isinstance(v, List[torch.Tensor]):
            return self.from_tensors(v)
        raise ValueError(f"a timeseries feature takes strings or tensors, not {v}")

    def parsed(self, units: List[str], count: int) -> torch.Tensor:
        """The first `count` units as float32 values."""
        values: List[float] = []
        for unit in units[:count]:
            values.append(float(unit))
        return torch.tensor(values)

    def from_texts(self, texts: List[str]) -> torch.Tensor:
        width = self.max_timeseries_length
        out = torch.full([len(texts), width], self.padding_value, dtype=torch.float32)
        for r in range(len(texts)):
            text = texts[r]
            units = self.tokenizer(self.computed_fill_value if text == "nan" else text)
            assert torch.jit.isinstance(units, List[str])
            n = min(len(units), width)
            target = out[r]
            if self.padding == "right":
                target[:n] = self.parsed(units, n)
            else:
                target[width - n :] = self.parsed(units, n)
        return out

    def from_tensors(self, series: List[torch.Tensor]) -> torch.Tensor:
        width = self.max_timeseries_length
        rows: List[torch.Tensor] = []
        for s in series:
            if bool(s.isnan().any()):
                fill = self.tokenizer(self.computed_fill_value)
                assert torch.jit.isinstance(fill, List[str])
                rows.append(self.parsed(fill, width))
            else:
                rows.append(s)
        if self.padding == "right":
            padded = torch.nn.utils.rnn.pad_sequence(rows, batch_first=True, padding_value=self.padding_value)
            return padded[:, :width]
        # Left padding: pad the reversed (cut) rows on the right, then reverse back.
        backwards = [torch.flip(s[:width], dims=(0,)) for s in rows]
        padded = torch.nn.utils.rnn.pad_sequence(backwards, batch_first=True, padding_value=self.padding_value)
        return torch.flip(padded, dims=(1,))
