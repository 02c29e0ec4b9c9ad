"""The file carrier's code table: normalised statuses pass through, other codes are configured.

An export row that has a ``status`` keeps it. A row with only a ``raw_code``
gets a status when the code is one of the normalised statuses of the data
contract (``delivered``, ``in_transit``...) or is mapped in the plugin's
settings::

    [plugins.files.codes]
    EVKSP = "delivered"
    EVNMI = "in_transit"

Any other raw code stays unmapped (``opsctl carriers codes --unmapped`` lists
it); the file carrier never guesses from a code's spelling.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opsctl.errors import ConfigError
from opsctl.tracking import CodeTable, TrackingStatus

PLUGIN = "files"
PASS_THROUGH = "normalised status of the data contract, passed through"
CONFIGURED = f"mapped in [plugins.{PLUGIN}.codes]"
SOURCE = f"the normalised statuses of docs/formats.md, plus [plugins.{PLUGIN}.codes]"


def code_table(codes: Mapping[str, Any] | None = None) -> CodeTable:
    """The normalised statuses as codes of their own, and the configured ``codes``."""
    entries = [(status.value, status, PASS_THROUGH) for status in TrackingStatus]
    for code, status in (codes or {}).items():
        try:
            entries.append((str(code), TrackingStatus(status), CONFIGURED))
        except ValueError:
            expected = ", ".join(s.value for s in TrackingStatus)
            raise ConfigError(
                f"{status!r} is not a normalised status (one of {expected})",
                key=f"plugins.{PLUGIN}.codes.{code}",
            ) from None
    try:
        return CodeTable(entries, source=SOURCE)
    except ValueError as exc:  # a code listed twice, or a status name remapped
        raise ConfigError(str(exc), key=f"plugins.{PLUGIN}.codes") from None
