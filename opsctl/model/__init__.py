"""The typed data model of the data contract: schemas, value types and records.

``ENTITIES`` maps each entity name (``orders``, ``tracking_events``, ...) to
its :class:`EntitySchema`, in dependency order. ``docs/formats.md`` is the
reader's version of these schemas.
"""

from __future__ import annotations

from opsctl.model.entities import ENTITIES
from opsctl.model.records import (
    CarrierService,
    CheckoutEvent,
    Location,
    Order,
    OrderLine,
    Return,
    Review,
    Shipment,
    StockLevel,
)
from opsctl.model.schema import Column, EntitySchema, key_text
from opsctl.tracking import TrackingEvent

__all__ = [
    "ENTITIES",
    "CarrierService",
    "CheckoutEvent",
    "Column",
    "EntitySchema",
    "Location",
    "Order",
    "OrderLine",
    "Return",
    "Review",
    "Shipment",
    "StockLevel",
    "TrackingEvent",
    "key_text",
    "schema_for",
]


def schema_for(entity: str) -> EntitySchema:
    """The schema of ``entity``; a :class:`~opsctl.errors.UsageError` names the known ones."""
    try:
        return ENTITIES[entity]
    except KeyError:
        from opsctl.errors import UsageError

        raise UsageError(
            f"unknown entity {entity!r}; expected one of {', '.join(ENTITIES)}"
        ) from None
