"""Loading libludwiginfer.so and declaring its C ABI (include/ludwig_infer.h).

Every C symbol the binding uses is declared exactly once, in _SIGNATURES
below, with its C prototype as a comment. Strings the library allocates
(error messages, model info) are declared c_void_p, read with string_at and
freed with li_free: declaring them c_char_p would copy and leak them.

Process rules (the library embeds a Go runtime):
  * the library is loaded once per process, on first use, and never unloaded;
  * fork() after it is loaded leaves a child without the Go runtime's threads:
    the child must not call the library. The binding notices a fork (an
    os.register_at_fork hook, plus a pid check) and raises ForkError in the
    child instead of hanging or crashing. Start workers with the "spawn" or
    "forkserver" start method, or before the first model is loaded.
ctypes.CDLL releases the GIL for the duration of every call, so Python
threads run inferences in parallel.
"""

import ctypes
import os
import sys
import threading
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    byref,
    c_char_p,
    c_int,
    c_int64,
    c_size_t,
    c_void_p,
    string_at,
)

from .errors import ForkError, LudwigInferError, error_for

__all__ = [
    "ABI_VERSION",
    "LI_LOG_FN",
    "LibraryError",
    "LiTensor",
    "LiInferOptions",
    "li_model_p",
    "li_result_p",
    "byref",
    "check",
    "get",
    "library_path",
    "new_err",
    "search_paths",
    "take_string",
    "usable",
]

#: The ABI version this binding speaks (LI_ABI_VERSION of the header).
ABI_VERSION = 1

#: The environment variable naming the library file, or a folder holding it.
ENV_VAR = "LUDWIG_INFER_LIB"

if sys.platform == "darwin":
    LIB_NAMES = ("libludwiginfer.dylib", "libludwiginfer.so")
elif sys.platform == "win32":
    LIB_NAMES = ("ludwiginfer.dll", "libludwiginfer.dll")
else:
    LIB_NAMES = ("libludwiginfer.so",)


class LibraryError(LudwigInferError):
    """The shared library cannot be found or loaded, or speaks an unknown ABI.

    ``code`` is None: no library call failed.
    """

    status = None


# --- C types -----------------------------------------------------------------


class _li_model(Structure):
    """typedef struct li_model li_model;  (opaque)"""


class _li_result(Structure):
    """typedef struct li_result li_result;  (opaque)"""


li_model_p = POINTER(_li_model)
li_result_p = POINTER(_li_result)


class LiTensor(Structure):
    """typedef struct li_tensor { const char *name; li_dtype dtype; size_t ndim;
    const int64_t *shape; const void *data; size_t nbytes; int64_t sample_rate; } li_tensor;"""

    _fields_ = [
        ("name", c_char_p),
        ("dtype", c_int),
        ("ndim", c_size_t),
        ("shape", POINTER(c_int64)),
        ("data", c_void_p),
        ("nbytes", c_size_t),
        ("sample_rate", c_int64),
    ]


class LiInferOptions(Structure):
    """typedef struct li_infer_options { size_t struct_size; li_stage stage; li_form form;
    int64_t timeout_ms; int tensor_outputs; } li_infer_options;"""

    _fields_ = [
        ("struct_size", c_size_t),
        ("stage", c_int),
        ("form", c_int),
        ("timeout_ms", c_int64),
        ("tensor_outputs", c_int),
    ]


#: typedef void (*li_log_fn)(li_log_level level, const char *message, void *user);
LI_LOG_FN = CFUNCTYPE(None, c_int, c_char_p, c_void_p)

_ERR = POINTER(c_void_p)  # char **err: receives a message freed with li_free

# name, restype, argtypes: the one place each symbol is declared.
_SIGNATURES = (
    # int li_abi_version(void);
    ("li_abi_version", c_int, ()),
    # const char *li_version(void);                       (static: never freed)
    ("li_version", c_char_p, ()),
    # const char *li_torch_version(void);                 (static: never freed)
    ("li_torch_version", c_char_p, ()),
    # void li_free(void *ptr);
    ("li_free", None, (c_void_p,)),
    # li_status li_set_threads(int n, char **err);
    ("li_set_threads", c_int, (c_int, _ERR)),
    # void li_set_log_callback(li_log_fn fn, void *user, li_log_level min_level);
    ("li_set_log_callback", None, (LI_LOG_FN, c_void_p, c_int)),
    # li_status li_load(const char *path, const char *options_json, li_model **out, char **err);
    ("li_load", c_int, (c_char_p, c_char_p, POINTER(li_model_p), _ERR)),
    # li_status li_load_buffer(const void *data, size_t len, const char *options_json,
    #                          li_model **out, char **err);   (data read during the call only)
    ("li_load_buffer", c_int, (c_char_p, c_size_t, c_char_p, POINTER(li_model_p), _ERR)),
    # void li_close(li_model *model);
    ("li_close", None, (li_model_p,)),
    # li_status li_model_info(li_model *model, char **out_json, char **err);
    ("li_model_info", c_int, (li_model_p, POINTER(c_void_p), _ERR)),
    # li_status li_infer(li_model *model, const char *request, size_t request_len,
    #                    const li_tensor *tensors, size_t n_tensors,
    #                    const li_infer_options *options, li_result **out, char **err);
    (
        "li_infer",
        c_int,
        (
            li_model_p,
            c_char_p,
            c_size_t,
            POINTER(LiTensor),
            c_size_t,
            POINTER(LiInferOptions),
            POINTER(li_result_p),
            _ERR,
        ),
    ),
    # const char *li_result_json(const li_result *result, size_t *len);  (owned by the result)
    ("li_result_json", c_void_p, (li_result_p, POINTER(c_size_t))),
    # size_t li_result_tensor_count(const li_result *result);
    ("li_result_tensor_count", c_size_t, (li_result_p,)),
    # li_status li_result_tensor(const li_result *result, size_t index, li_tensor *out, char **err);
    ("li_result_tensor", c_int, (li_result_p, c_size_t, POINTER(LiTensor), _ERR)),
    # void li_result_free(li_result *result);
    ("li_result_free", None, (li_result_p,)),
    # const char *li_status_string(li_status status);     (static: never freed)
    ("li_status_string", c_char_p, (c_int,)),
)


# --- loading -----------------------------------------------------------------

_lock = threading.Lock()
_lib = None
_path = None
_pid = None
_forked = False


def _after_fork_in_child():
    global _forked
    if _lib is not None:
        _forked = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _package_dir():
    return os.path.dirname(os.path.abspath(__file__))


def search_paths():
    """The library paths the loader tries, in order.

    With $LUDWIG_INFER_LIB set, only that file (or that folder's library);
    otherwise the package's lib/ folder, then the repository's build/ folder
    (found relative to this file: bindings/python/ludwig_infer/ -> build/).
    """
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        if os.path.isdir(env):
            return [os.path.join(env, n) for n in LIB_NAMES]
        return [env]
    pkg = _package_dir()
    repo_build = os.path.normpath(os.path.join(pkg, os.pardir, os.pardir, os.pardir, "build"))
    out = [os.path.join(pkg, "lib", n) for n in LIB_NAMES]
    out += [os.path.join(repo_build, n) for n in LIB_NAMES]
    return out


def _open():
    tried = []
    env = os.environ.get(ENV_VAR, "").strip()
    for path in search_paths():
        if not os.path.isfile(path):
            tried.append("%s (not found)" % path)
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            # The file is there but cannot be loaded (a missing libtorch, a
            # wrong architecture): say so rather than hide it behind a
            # fallback.
            raise LibraryError(
                "cannot load %s: %s (is libtorch on the loader path? see ./build.sh)" % (path, e)
            ) from None
        return lib, path
    where = "$%s=%s" % (ENV_VAR, env) if env else "the package's lib/ folder and the repository's build/ folder"
    raise LibraryError(
        "libludwiginfer not found; looked in %s:\n  %s\n"
        "Build it with ./build.sh, or set $%s to the library file or its folder."
        % (where, "\n  ".join(tried), ENV_VAR)
    )


def _declare(lib, path):
    try:
        fn = lib.li_abi_version
    except AttributeError:
        raise LibraryError("%s is not libludwiginfer (no li_abi_version symbol)" % path) from None
    fn.argtypes = []
    fn.restype = c_int
    abi = fn()
    if abi != ABI_VERSION:
        raise LibraryError(
            "%s has C ABI version %d; this binding (ludwig_infer) speaks ABI version %d only: "
            "use a matching library or binding" % (path, abi, ABI_VERSION)
        )
    for name, restype, argtypes in _SIGNATURES:
        try:
            f = getattr(lib, name)
        except AttributeError:
            raise LibraryError("%s lacks the symbol %s of ABI version %d" % (path, name, ABI_VERSION)) from None
        f.restype = restype
        f.argtypes = list(argtypes)


def get():
    """The loaded library (loading it on first use).

    Raises ForkError in a child forked after the load, LibraryError when the
    library cannot be found, loaded or has an unknown ABI.
    """
    global _lib, _path, _pid
    lib = _lib
    if lib is not None:
        if _forked or os.getpid() != _pid:
            raise ForkError(
                "ludwig_infer was loaded in process %d and this process (%d) was forked from it: "
                "the library's Go runtime does not survive fork(), so it cannot be used here. "
                "Start worker processes with the 'spawn' (or 'forkserver') start method, "
                "e.g. multiprocessing.get_context('spawn'), or before loading a model."
                % (_pid, os.getpid())
            )
        return lib
    with _lock:
        if _lib is None:
            lib, path = _open()
            _declare(lib, path)
            _path, _pid = path, os.getpid()
            _lib = lib
    return _lib


def usable():
    """Whether the library is loaded in this very process (not inherited by fork)."""
    return _lib is not None and not _forked and os.getpid() == _pid


def library_path():
    """The path of the loaded library (loading it first)."""
    get()
    return _path


def take_string(p):
    """Reads and frees a library-allocated string (a c_void_p); None for NULL."""
    if not p:
        return None
    try:
        return string_at(p).decode("utf-8", "replace")
    finally:
        _lib.li_free(p)


def check(status, err):
    """Raises the exception for a failed call; err is the c_void_p given as char **err."""
    if status == 0:
        return
    msg = take_string(err.value)
    if msg is None:
        s = _lib.li_status_string(status)
        msg = s.decode("utf-8", "replace") if s else "status %d" % status
    raise error_for(status, msg)


def new_err():
    """A fresh char *err out-parameter."""
    return c_void_p()

