"""The demo shop: Fellside Outfitters, a fictional UK outdoor retailer, as opsctl input data.

:func:`generate` writes a deterministic, seeded month of the shop's operations
(locations, stock, rate cards, orders, shipments, tracking events, returns, reviews,
checkout spec, pages and funnel events). ``fixtures/`` in the repository is its
output at demo size; docs/demo-shop.md describes the files and planted scenarios.
"""

from __future__ import annotations

from typing import Any

__all__ = ["generate"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `python -m opsctl.demo.generator` runs the module once.
    if name == "generate":
        from opsctl.demo.generator import generate

        return generate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
