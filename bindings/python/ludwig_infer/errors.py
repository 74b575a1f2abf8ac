"""The exception hierarchy: one class per li_status code of include/ludwig_infer.h.

Every exception the binding raises for a failed call is a LudwigInferError whose
``code`` is the li_status value and whose ``message`` is the library's message
(or, for an argument the binding rejects before calling the library, the
binding's own message under the status the library would have used).
"""

__all__ = [
    "LudwigInferError",
    "InvalidArgumentError",
    "NotFoundError",
    "ModelError",
    "InputError",
    "TorchRuntimeError",
    "ClosedError",
    "DeadlineExceededError",
    "InternalError",
    "ForkError",
    "LI_OK",
    "LI_ERR_INVALID_ARGUMENT",
    "LI_ERR_NOT_FOUND",
    "LI_ERR_MODEL",
    "LI_ERR_INPUT",
    "LI_ERR_RUNTIME",
    "LI_ERR_CLOSED",
    "LI_ERR_CANCELLED",
    "LI_ERR_INTERNAL",
]

# li_status (the numeric values are fixed forever by the header).
LI_OK = 0
LI_ERR_INVALID_ARGUMENT = 1
LI_ERR_NOT_FOUND = 2
LI_ERR_MODEL = 3
LI_ERR_INPUT = 4
LI_ERR_RUNTIME = 5
LI_ERR_CLOSED = 6
LI_ERR_CANCELLED = 7
LI_ERR_INTERNAL = 8


class LudwigInferError(Exception):
    """A failed ludwig-infer call.

    Attributes:
        code: the li_status code (an int; None only for ForkError, which the
            binding raises without calling the library).
        message: the library's message, e.g. 'missing input feature "age" ...'.
    """

    #: The li_status this class stands for (None for the base class).
    status = None

    def __init__(self, message, code=None):
        if code is None:
            code = self.status
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self):
        return self.message

    def __reduce__(self):
        # Picklable (multiprocessing sends exceptions between processes).
        return (type(self), (self.message, self.code))


class InvalidArgumentError(LudwigInferError):
    """LI_ERR_INVALID_ARGUMENT: a bad argument or option, an unknown form or stage."""

    status = LI_ERR_INVALID_ARGUMENT


class NotFoundError(LudwigInferError):
    """LI_ERR_NOT_FOUND: a path, file or feature that does not exist."""

    status = LI_ERR_NOT_FOUND


class ModelError(LudwigInferError):
    """LI_ERR_MODEL: a corrupt, truncated or unsupported export, or a missing custom-op library."""

    status = LI_ERR_MODEL


class InputError(LudwigInferError):
    """LI_ERR_INPUT: a request that cannot be converted (the message names the feature and row)."""

    status = LI_ERR_INPUT


class TorchRuntimeError(LudwigInferError):
    """LI_ERR_RUNTIME: libtorch failed while running a stage."""

    status = LI_ERR_RUNTIME


class ClosedError(LudwigInferError):
    """LI_ERR_CLOSED: the model was closed."""

    status = LI_ERR_CLOSED


class DeadlineExceededError(LudwigInferError):
    """LI_ERR_CANCELLED: the call's ``timeout`` passed (checked before and between stages)."""

    status = LI_ERR_CANCELLED


class InternalError(LudwigInferError):
    """LI_ERR_INTERNAL: a bug inside the library; it is poisoned and refuses every later call."""

    status = LI_ERR_INTERNAL


class ForkError(LudwigInferError):
    """The library is used in a child made by fork() after it was loaded.

    The library embeds a Go runtime whose threads do not survive fork(); a
    forked child must not call it. Start worker processes with the "spawn"
    (or "forkserver") start method, or before the library is loaded.
    """

    status = None


_BY_CODE = {
    cls.status: cls
    for cls in (
        InvalidArgumentError,
        NotFoundError,
        ModelError,
        InputError,
        TorchRuntimeError,
        ClosedError,
        DeadlineExceededError,
        InternalError,
    )
}


def error_for(code, message):
    """The exception for an li_status code and message (unknown codes give the base class)."""
    cls = _BY_CODE.get(code, LudwigInferError)
    return cls(message, code)
