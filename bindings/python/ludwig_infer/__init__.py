"""ludwig_infer: run Ludwig TorchScript exports from Python without torch or Ludwig.

A thin ctypes binding of libludwiginfer (include/ludwig_infer.h), standard
library only; numpy and pandas are used when installed.

    from ludwig_infer import InferenceModule
    with InferenceModule.from_directory("testdata/models/tabular") as model:
        preds, _ = model.predict({"Age": [34], "city": ["Paris"], "member": [True],
                                  "cell": [617703466028236799]}, return_type=dict)

Process rules (the library embeds a Go runtime): it is loaded once per
process and never unloaded; do not fork() after loading it (a forked child
raises ForkError): start worker processes with the "spawn" start method.

The library is found at $LUDWIG_INFER_LIB (a file or a folder), in the
package's lib/ folder, or in the repository's build/ folder.
"""

from . import _lib
from . import errors as _errors
from ._lib import LibraryError
from ._request import to_inference_module_input_from_dataframe
from ._scale import archive
from ._version import __version__
from .errors import (
    ClosedError,
    DeadlineExceededError,
    ForkError,
    InputError,
    InternalError,
    InvalidArgumentError,
    LudwigInferError,
    ModelError,
    NotFoundError,
    TorchRuntimeError,
)
from .inference import FORMS, InferenceModule

__all__ = [
    "InferenceModule",
    "archive",
    "to_inference_module_input_from_dataframe",
    "version",
    "torch_version",
    "abi_version",
    "library_path",
    "set_threads",
    "set_log_callback",
    "FORMS",
    # The exception classes (errors.__all__ less the li_status constants).
    *(name for name in _errors.__all__ if not name.startswith("LI_")),
    "LibraryError",
    "__version__",
]


def version():
    """The library's version (li_version), e.g. "0.1.0"."""
    return _lib.get().li_version().decode("utf-8")


def torch_version():
    """The version of the libtorch the library was built against (li_torch_version)."""
    return _lib.get().li_torch_version().decode("utf-8")


def abi_version():
    """The library's C ABI version (li_abi_version); this binding requires 1."""
    return _lib.get().li_abi_version()


def library_path():
    """The path of the loaded libludwiginfer."""
    return _lib.library_path()


def set_threads(n):
    """Sets libtorch's intra-op thread count for the whole process.

    Call it before the first model is loaded (later: InvalidArgumentError).
    Without it the library uses 1 thread per call, the best setting measured
    for small models; parallelism then comes from calling from several threads.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 2**31 - 1:
        raise InvalidArgumentError("set_threads: n must be an integer >= 1, got %r" % (n,))
    lib = _lib.get()
    err = _lib.new_err()
    _lib.check(lib.li_set_threads(n, _lib.byref(err)), err)


_LOG_LEVELS = {"debug": 0, "info": 1, "warn": 2, "warning": 2, "error": 3}
_LOG_NAMES = {0: "debug", 1: "info", 2: "warn", 3: "error"}
_log_callbacks = []  # every installed trampoline, kept alive for good
_log_atexit = []


def set_log_callback(fn, min_level="info"):
    """Routes the library's log messages to fn(level, message) (level is
    "debug", "info", "warn" or "error"); fn=None removes it. By default the
    library prints nothing. fn may be called from any thread; its exceptions
    are swallowed. Example: set_log_callback(lambda lvl, msg: logging.getLogger(
    "ludwig_infer").info(msg))."""
    if isinstance(min_level, str) and min_level.lower() in _LOG_LEVELS:
        level = _LOG_LEVELS[min_level.lower()]
    elif isinstance(min_level, int) and not isinstance(min_level, bool) and 0 <= min_level <= 3:
        level = min_level
    else:
        raise InvalidArgumentError("min_level must be debug, info, warn or error, got %r" % (min_level,))
    if fn is not None and not callable(fn):
        raise InvalidArgumentError("fn must be callable or None")
    lib = _lib.get()
    if fn is None:
        lib.li_set_log_callback(_lib.LI_LOG_FN(), None, level)
        return

    def trampoline(lvl, message, user):
        try:
            fn(_LOG_NAMES.get(lvl, str(lvl)), (message or b"").decode("utf-8", "replace"))
        except BaseException:  # never let an exception into C
            pass

    cb = _lib.LI_LOG_FN(trampoline)
    _log_callbacks.append(cb)  # the library may still be calling an older one
    lib.li_set_log_callback(cb, None, level)
    if not _log_atexit:
        import atexit

        def _remove():
            if _lib.usable():
                _lib.get().li_set_log_callback(_lib.LI_LOG_FN(), None, 0)

        atexit.register(_remove)
        _log_atexit.append(_remove)
