"""Python-side rules the generator applies to its tiny training sets and requests (nothing here is
scripted): vocabularies as Ludwig's training-set metadata holds them, reading a value as a bool,
and the 9-int date vector.

Vocabulary rules (observed in real `training_set_metadata.json` files):
- category: `<UNK>` first, then the stripped values by decreasing count (ties: first seen first);
- set/bag: the tokens by decreasing count, with `<UNK>` moved (or added) at index 3;
- text/sequence: the same, with `<EOS>`, `<SOS>`, `<PAD>`, `<UNK>` at indices 0-3.
`str2freq` gives each vocabulary entry's count (0 for the symbols never seen).
"""
from collections import Counter
from datetime import datetime
from typing import Callable, Dict, List, Optional, Tuple

from scripted.common import PAD, SYMBOL_SLOTS, UNK

TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "1.0"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "0.0"})


def read_bool(value, fallback_true_label=None) -> bool:
    """A training value as a bool: its lowercased spelling if it is a known one, else whether it
    equals the fallback true label (ValueError when there is none)."""
    spelled = str(value).lower()
    if spelled in TRUE_WORDS or spelled in FALSE_WORDS:
        return spelled in TRUE_WORDS
    if fallback_true_label is None:
        raise ValueError(f"{value!r} is no bool spelling and there is no fallback_true_label")
    return value == fallback_true_label


def _with_symbol_at(units: List[str], symbol: str, slot: int) -> List[str]:
    others = [u for u in units if u != symbol]
    return others[:slot] + [symbol] + others[slot:]


def _entries(units: List[str], counts: Counter) -> Tuple[Dict[str, int], Dict[str, int]]:
    index = {u: i for i, u in enumerate(units)}
    return index, {u: counts.get(u, 0) for u in units}


def token_vocabulary(texts: List[str], tokenize: Callable[[str], List[str]], lowercase: bool,
                     most_common: Optional[int], symbols: bool):
    """(idx2str, str2idx, str2freq, longest token count, index of <PAD> or None) for set/bag
    (symbols False: only <UNK> is placed) and text/sequence (symbols True)."""
    token_lists = [tokenize(t.lower() if lowercase else t) for t in texts]
    counts = Counter(tok for toks in token_lists for tok in toks)
    units = [u for u, _ in counts.most_common(most_common)]
    for symbol, slot in (SYMBOL_SLOTS if symbols else [s for s in SYMBOL_SLOTS if s[0] == UNK]):
        units = _with_symbol_at(units, symbol, slot)
    index, freq = _entries(units, counts)
    return units, index, freq, max(len(toks) for toks in token_lists), index.get(PAD)


def label_vocabulary(values: List[str], most_common: Optional[int]):
    """(idx2str, str2idx, str2freq) of a category column."""
    counts = Counter(v.strip() for v in values)
    units = [UNK] + [u for u, _ in counts.most_common()][:most_common]
    index, freq = _entries(units, counts)
    return units, index, freq


def date_vector(moment: datetime) -> List[int]:
    """[year, month, day, weekday (Monday 0), day of year, hour, minute, second, second of day]."""
    t = moment.timetuple()
    return [t.tm_year, t.tm_mon, t.tm_mday, t.tm_wday, t.tm_yday, t.tm_hour, t.tm_min, t.tm_sec,
            t.tm_hour * 3600 + t.tm_min * 60 + t.tm_sec]
