"""Qualified names for the generator's scripted classes and functions.

TorchScript names a compiled class after its Python module (`__torch__.<module>.<Class>`), and the
runtime recognises Ludwig's modules by those names (`__torch__.ludwig.features.number_feature.
_NumberPreprocessing`). Our stand-ins live in this package under our own file layout, so each one
declares the name a real export gives it with `@ludwig_name("<module path>")`: TorchScript reads
`_jit_override_qualname` before `__module__` (torch/_jit_internal.py `_qualified_name`), so the
archive stores the class under `code/__torch__/<module path>.py` exactly as Ludwig's exporter would.

Set it on every scripted class, subclasses included: the attribute is inherited, and a subclass
without its own would take its parent's name.
"""


def ludwig_name(module_path: str):
    """Decorator: compile the class or function as `__torch__.<module_path>.<its __name__>`."""

    def mark(obj):
        obj._jit_override_qualname = "__torch__." + module_path + "." + obj.__name__
        return obj

    return mark
