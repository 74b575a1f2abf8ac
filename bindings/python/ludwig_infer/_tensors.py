"""Tensors across the C ABI: numpy arrays (when numpy is present) or
{"dtype", "shape", "data"} dicts (always), in and out of li_tensor buffers.

numpy arrays go in without a copy: np.ascontiguousarray (a no-op for a
C-contiguous array of a supported dtype) and a pointer to its data; the
caller keeps the array referenced for the duration of the call. Output
buffers are owned by the li_result, so they are copied once
(np.frombuffer(...).copy()) before the result is freed.
"""

import array
import ctypes
import math
from ctypes import c_int64

from ._compat import np
from ._lib import LiTensor
from .errors import InputError

__all__ = [
    "DTYPES",
    "is_tensor_dict",
    "is_array",
    "as_array",
    "TensorBatch",
    "read_result_tensor",
    "nest",
    "flatten_nested",
]


def _typecode(size, candidates):
    for c in candidates:
        if array.array(c).itemsize == size:
            return c
    raise ImportError("no array typecode of %d bytes" % size)  # pragma: no cover


# li_dtype: name -> (code, element size, array typecode)
DTYPES = {
    "float32": (1, 4, "f"),
    "float64": (2, 8, "d"),
    "int32": (3, 4, _typecode(4, "ilh")),
    "int64": (4, 8, _typecode(8, "qlL")),
    "uint8": (5, 1, "B"),
    "bool": (6, 1, "B"),
    "int8": (7, 1, "b"),
    "int16": (8, 2, _typecode(2, "hi")),
}
_BY_CODE = {code: name for name, (code, _, _) in DTYPES.items()}

# numpy dtypes converted (copied) to a supported one.
_NP_WIDEN = {
    "float16": "float32",
    "uint16": "int64",
    "uint32": "int64",
    "uint64": "int64",
}


def is_tensor_dict(x):
    """Whether x is a {"dtype", "shape", "data"} tensor dict."""
    return isinstance(x, dict) and "dtype" in x and "shape" in x and "data" in x and len(x) <= 4


def is_array(x):
    """Whether x is a numpy array (False when numpy is absent or hidden)."""
    return np is not None and isinstance(x, np.ndarray)


def as_array(x):
    """x as a numpy array when it is array-like without being a plain Python
    container (a torch tensor, a pandas Series); None otherwise."""
    if np is None:
        return None
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, (list, tuple, dict, str, bytes)):
        return None
    mod = type(x).__module__ or ""
    if mod.startswith("torch") and hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    if hasattr(x, "__array__") or hasattr(x, "__array_interface__"):
        return np.asarray(x)
    return None


def _check_name(name):
    if not isinstance(name, str):
        raise InputError("tensor names must be strings, got %r" % (name,))
    b = name.encode("utf-8", "surrogatepass")
    if b"\0" in b:
        raise InputError("tensor name %r contains a NUL character" % name)
    return b


def _native_array(name, a):
    """a as a C-contiguous array of a supported dtype (no copy when it already is)."""
    dt = a.dtype
    if dt.kind == "b":
        target = "bool"
    elif dt.kind in "iuf":
        target = dt.name
        if target in _NP_WIDEN:
            if target == "uint64" and a.size and int(a.max()) >= 2**63:
                raise InputError("tensor %r: uint64 values above 2^63-1 cannot be passed as int64" % name)
            target = _NP_WIDEN[target]
        if target not in DTYPES:
            raise InputError("tensor %r: unsupported dtype %s" % (name, dt))
    else:
        raise InputError(
            "tensor %r: dtype %s is not numeric (supported: %s)" % (name, dt, ", ".join(DTYPES))
        )
    want = np.dtype(target)
    if dt != want or not dt.isnative:
        a = a.astype(want.newbyteorder("="))
    return np.ascontiguousarray(a), target


class TensorBatch:
    """The li_tensor array of one call, and the references that keep every
    buffer it points to alive until the call returns."""

    def __init__(self):
        self._items = []  # (name bytes, dtype code, shape tuple, address, nbytes, sample_rate)
        self._keep = []

    def __len__(self):
        return len(self._items)

    def add(self, name, value, sample_rate=0):
        """Adds a numpy array or a tensor dict under name."""
        bname = _check_name(name)
        if is_tensor_dict(value):
            self._add_dict(name, bname, value, sample_rate)
            return
        a = as_array(value)
        if a is None:
            raise InputError(
                "tensor %r: expected a numpy array or a {\"dtype\", \"shape\", \"data\"} dict, got %s"
                % (name, type(value).__name__)
            )
        a, dtype = _native_array(name, a)
        self._keep.append(a)
        code = DTYPES[dtype][0]
        self._items.append((bname, code, tuple(int(d) for d in a.shape), a.ctypes.data, a.nbytes, sample_rate))

    def _add_dict(self, name, bname, t, sample_rate):
        dtype, shape, data = t["dtype"], t["shape"], t["data"]
        if dtype not in DTYPES:
            raise InputError("tensor %r: unknown dtype %r (known: %s)" % (name, dtype, ", ".join(DTYPES)))
        if not isinstance(shape, (list, tuple)) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
        ):
            raise InputError("tensor %r: shape must be a list of non-negative integers, got %r" % (name, shape))
        if not isinstance(data, (list, tuple)):
            raise InputError("tensor %r: data must be a flat list, got %s" % (name, type(data).__name__))
        n = 1
        for d in shape:
            n *= d
        if len(data) != n:
            raise InputError("tensor %r: %d data elements for shape %r (want %d)" % (name, len(data), list(shape), n))
        code, _, tc = DTYPES[dtype]
        try:
            if dtype == "bool":
                buf = array.array(tc, [1 if x else 0 for x in data])
            elif dtype in ("float32", "float64"):
                buf = array.array(tc, [math.nan if x is None else x for x in data])
            else:
                buf = array.array(tc, data)
        except (TypeError, OverflowError) as e:
            raise InputError("tensor %r: data do not fit dtype %s: %s" % (name, dtype, e)) from None
        self._keep.append(buf)
        addr = buf.buffer_info()[0] if len(buf) else 0
        self._items.append((bname, code, tuple(shape), addr, len(buf) * buf.itemsize, sample_rate))

    def c_array(self):
        """The (LiTensor * n) array, or None when empty. Valid while self lives."""
        if not self._items:
            return None
        arr = (LiTensor * len(self._items))()
        for i, (bname, code, shape, addr, nbytes, rate) in enumerate(self._items):
            t = arr[i]
            t.name = bname
            t.dtype = code
            t.ndim = len(shape)
            if shape:
                cs = (c_int64 * len(shape))(*shape)
                self._keep.append(cs)
                t.shape = cs
            t.data = addr or None
            t.nbytes = nbytes
            t.sample_rate = int(rate)
        self._keep.append(arr)
        return arr


def read_result_tensor(t):
    """(name, value) for an li_tensor the library wrote: a numpy array when
    numpy is present (one copy), else a tensor dict."""
    name = t.name.decode("utf-8", "replace")
    dtype = _BY_CODE.get(t.dtype)
    if dtype is None:
        raise InputError("result tensor %r has an unknown dtype code %d" % (name, t.dtype))
    shape = tuple(t.shape[i] for i in range(t.ndim))
    nbytes = t.nbytes
    if np is not None:
        if nbytes == 0:
            return name, np.zeros(shape, dtype=dtype)
        raw = (ctypes.c_char * nbytes).from_address(t.data)
        return name, np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    _, _, tc = DTYPES[dtype]
    buf = array.array(tc)
    if nbytes:
        buf.frombytes(ctypes.string_at(t.data, nbytes))
    data = buf.tolist()
    if dtype == "bool":
        data = [bool(x) for x in data]
    return name, {"dtype": dtype, "shape": list(shape), "data": data}


def nest(flat, shape):
    """A flat row-major list as nested lists of shape."""
    if not shape:
        return flat[0] if flat else None
    if len(shape) == 1:
        return list(flat)
    step = 1
    for d in shape[1:]:
        step *= d
    return [nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def flatten_nested(value):
    """Nested lists -> (flat list, shape)."""
    shape = []
    v = value
    while isinstance(v, list):
        shape.append(len(v))
        if not v:
            break
        v = v[0]
    flat = []

    def walk(x, depth):
        if depth == len(shape):
            flat.append(x)
            return
        if not isinstance(x, list) or len(x) != shape[depth]:
            raise InputError("ragged nested list: cannot make a tensor of it")
        for y in x:
            walk(y, depth + 1)

    walk(value, 0)
    return flat, shape
