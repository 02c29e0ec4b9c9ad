"""opsctl: the command line that runs and watches an online shop's operations.

Plugins import their marker from here: ``from opsctl import hookimpl``.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]


def __getattr__(name: str):
    if name == "hookimpl":
        from opsctl.hookspecs import hookimpl

        return hookimpl
    raise AttributeError(f"module 'opsctl' has no attribute {name!r}")
