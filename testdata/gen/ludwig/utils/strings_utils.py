# ludwig/utils/strings_utils.py (subset: constants and vocabulary helpers used by the generator)
from collections import Counter
from enum import Enum

BOOL_TRUE_STRS = {"yes", "y", "true", "t", "1", "1.0"}
BOOL_FALSE_STRS = {"no", "n", "false", "f", "0", "0.0"}

# Special symbols.
STOP_SYMBOL = "<EOS>"
START_SYMBOL = "<SOS>"
PADDING_SYMBOL = "<PAD>"
UNKNOWN_SYMBOL = "<UNK>"


class SpecialSymbol(Enum):
    """Special symbols used for text features."""

    STOP = 0
    START = 1
    PADDING = 2
    UNKNOWN = 3


def str2bool(v: str, fallback_true_label=None) -> bool:
    """Returns bool representation of the given value v."""
    v_str = str(v).lower()
    if v_str in BOOL_TRUE_STRS:
        return True
    if v_str in BOOL_FALSE_STRS:
        return False
    if fallback_true_label is None:
        raise ValueError(f"Cannot automatically map value {v} to a boolean and no `fallback_true_label` specified.")
    return v == fallback_true_label


def add_or_move_symbol(vocab_list, vocab_set, symbol, index):
    """Inserts or moves the symbol to the specified index."""
    if symbol in vocab_set:
        vocab_list.remove(symbol)
    vocab_list.insert(index, symbol)


def create_vocabulary(
    data,
    tokenizer,
    lowercase=True,
    num_most_frequent=None,
    add_special_symbols=True,
    unknown_symbol=UNKNOWN_SYMBOL,
    padding_symbol=PADDING_SYMBOL,
    start_symbol=START_SYMBOL,
    stop_symbol=STOP_SYMBOL,
):
    """SIMPLIFIED: Ludwig's create_vocabulary over a plain Python list instead of a pandas Series.

    `tokenizer` is a callable str -> List[str]. Returns (vocab, str2idx, str2freq, line_length_max, pad_idx).
    """
    processed_lines = [tokenizer(line.lower() if lowercase else line) for line in data]
    unit_counts = Counter()
    for line in processed_lines:
        unit_counts.update(line)
    line_length_max = max(len(line) for line in processed_lines)
    vocab = [unit for unit, count in unit_counts.most_common(num_most_frequent)]
    vocab_set = set(vocab)
    if add_special_symbols:
        add_or_move_symbol(vocab, vocab_set, stop_symbol, SpecialSymbol.STOP.value)
        add_or_move_symbol(vocab, vocab_set, start_symbol, SpecialSymbol.START.value)
        add_or_move_symbol(vocab, vocab_set, padding_symbol, SpecialSymbol.PADDING.value)
    add_or_move_symbol(vocab, vocab_set, unknown_symbol, SpecialSymbol.UNKNOWN.value)
    str2idx = {unit: i for i, unit in enumerate(vocab)}
    str2freq = {unit: unit_counts.get(unit) if unit in unit_counts else 0 for unit in vocab}
    pad_idx = str2idx.get(padding_symbol)
    return vocab, str2idx, str2freq, line_length_max, pad_idx


def create_vocabulary_single_token(data, num_most_frequent=None, unknown_symbol=UNKNOWN_SYMBOL):
    """SIMPLIFIED: pandas value_counts(sort=True) replaced by Counter.most_common (ties keep first-seen order)."""
    processed_counts = Counter(s.strip() for s in data).most_common()
    vocab = [unknown_symbol] + [k for k, _ in processed_counts][:num_most_frequent]
    str2idx = {unit: i for i, unit in enumerate(vocab)}
    counts = dict(processed_counts)
    str2freq = {k: counts.get(k, 0) for k in vocab}
    return vocab, str2idx, str2freq
