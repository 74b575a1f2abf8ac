"""Optional dependencies: numpy and pandas are used when importable, never required.

Set LUDWIG_INFER_NO_NUMPY=1 to make the binding behave as if neither numpy nor
pandas were installed (the standard-library path), or LUDWIG_INFER_NO_PANDAS=1
to hide only pandas. Both are read once, at import.
"""

import os

__all__ = ["np", "pd", "HAVE_NUMPY", "HAVE_PANDAS"]


def _off(name):
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


np = None
pd = None
if not _off("LUDWIG_INFER_NO_NUMPY"):
    try:
        import numpy as np  # noqa: F811
    except ImportError:  # pragma: no cover - depends on the environment
        np = None
if np is not None and not _off("LUDWIG_INFER_NO_PANDAS"):
    try:
        import pandas as pd  # noqa: F811
    except ImportError:  # pragma: no cover - depends on the environment
        pd = None

HAVE_NUMPY = np is not None
HAVE_PANDAS = pd is not None
