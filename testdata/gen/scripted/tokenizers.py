"""The scriptable tokenizers of Ludwig v0.8-v0.11 exports, by class name: `space`, `space_punct`,
`comma`, `underscore`, `characters`.

Each takes one string (-> List[str]) or a list of them (-> List[List[str]]) and rejects tensors.
Behaviour (contract section 4): a split tokenizer strips the text, splits it on its separator and
drops empty pieces; `characters` yields every character; `space_punct` yields runs of [A-Za-z0-9_]
and every other non-space character alone. Scripted, a "character" is a byte; run eagerly (the
generator's vocabularies), a Python character.
"""
from typing import Any, List, Union

import torch

from scripted.naming import ludwig_name

TOKENIZERS = "ludwig.utils.tokenizers"


class _PerText(torch.nn.Module):
    """Applies the subclass's `units(text)` to one text or to each text of a list."""

    def forward(self, v: Union[str, List[str], torch.Tensor]) -> Any:
        if torch.jit.isinstance(v, str):
            return self.units(v)
        if torch.jit.isinstance(v, List[str]):
            per_text: List[List[str]] = []
            for text in v:
                per_text.append(self.units(text))
            return per_text
        raise ValueError(f"a tokenizer takes strings, not {v}")

    def units(self, text: str) -> List[str]:
        raise NotImplementedError

    def pieces(self, text: str, sep: str) -> List[str]:
        """The non-empty pieces of the stripped text between separators."""
        found: List[str] = []
        for piece in text.strip().split(sep):
            if len(piece) > 0:
                found.append(piece)
        return found


@ludwig_name(TOKENIZERS)
class SpaceStringToListTokenizer(_PerText):
    """`space` as v0.11 writes it: the separator is fixed (no split_string attribute)."""

    def __init__(self, **unused):
        super().__init__()

    def units(self, text: str) -> List[str]:
        return self.pieces(text, " ")


@ludwig_name(TOKENIZERS)
class StringSplitTokenizer(_PerText):
    """v0.8's split tokenizers: the separator is the `split_string` attribute."""

    def __init__(self, split_string: str, **unused):
        super().__init__()
        self.split_string = split_string

    def units(self, text: str) -> List[str]:
        return self.pieces(text, self.split_string)


@ludwig_name(TOKENIZERS)
class CommaStringToListTokenizer(StringSplitTokenizer):
    def __init__(self, **unused):
        super().__init__(",")


@ludwig_name(TOKENIZERS)
class UnderscoreStringToListTokenizer(StringSplitTokenizer):
    def __init__(self, **unused):
        super().__init__("_")


@ludwig_name(TOKENIZERS)
class CharactersToListTokenizer(_PerText):
    def __init__(self, **unused):
        super().__init__()

    def units(self, text: str) -> List[str]:
        return [c for c in text]


@ludwig_name(TOKENIZERS)
class SpacePunctuationStringToListTokenizer(_PerText):
    def __init__(self, **unused):
        super().__init__()

    def units(self, text: str) -> List[str]:
        found: List[str] = []
        run: List[str] = []  # the word being read
        for c in text:
            if c.isalnum() or c == "_":
                run.append(c)
            else:
                if len(run) > 0:
                    found.append("".join(run))
                    run.clear()
                if not c.isspace():
                    found.append(c)
        if len(run) > 0:
            found.append("".join(run))
        return found


BY_NAME = {
    "space": SpaceStringToListTokenizer,
    "space_punct": SpacePunctuationStringToListTokenizer,
    "comma": CommaStringToListTokenizer,
    "underscore": UnderscoreStringToListTokenizer,
    "characters": CharactersToListTokenizer,
}


def make_tokenizer(name: str) -> torch.nn.Module:
    """A tokenizer module by its config name (ValueError for one no export can script)."""
    if name not in BY_NAME:
        raise ValueError(f"tokenizer {name!r} cannot be scripted; use one of {sorted(BY_NAME)}")
    return BY_NAME[name]()
