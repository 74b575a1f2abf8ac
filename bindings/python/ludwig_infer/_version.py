"""The binding's version (the package's; the library's is ludwig_infer.version())."""

__version__ = "0.1.0"
