# ludwig/utils/h3_util.py (the scripted part, verbatim)
from typing import List, NamedTuple


class H3Data(NamedTuple):
    mode: int
    edge: int
    resolution: int
    base_cell: int
    cells: List[int]


def bitslice(x: int, start_bit: int, slice_length: int) -> int:
    ones_mask: int = int(2**slice_length - 1)
    return (x & (ones_mask << start_bit)) >> start_bit


def h3_index_mode(h3_long: int) -> int:
    return bitslice(h3_long, 64 - 5, 4)


def h3_edge(h3_long: int) -> int:
    return bitslice(h3_long, 64 - 8, 3)


def h3_resolution(h3_long: int) -> int:
    return bitslice(h3_long, 64 - 12, 4)


def h3_base_cell(h3_long: int) -> int:
    return bitslice(h3_long, 64 - 19, 7)


def h3_component(h3_long: int, i: int) -> int:
    return bitslice(h3_long, 64 - 19 - 3 * i, 3)


def h3_components(h3_long: int) -> List[int]:
    return [h3_component(h3_long, i) for i in range(1, h3_resolution(h3_long) + 1)]


def h3_to_components(h3_value: int) -> H3Data:
    """Extract the values from an H3 hexadecimal value Refer to this for the bit layout:

    https://uber.github.io/h3/#/documentation/core-library/h3-index-representations
    """
    # lat_long = (0, 0)  # h3ToGeo(h3_value)
    return H3Data(
        mode=h3_index_mode(h3_value),
        edge=h3_edge(h3_value),
        resolution=h3_resolution(h3_value),
        base_cell=h3_base_cell(h3_value),
        cells=h3_components(h3_value),
    )
