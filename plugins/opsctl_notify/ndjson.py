"""The ``ndjson`` notifier: one JSON object per notification, to stdout or appended to a file."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence

from opsctl.notify import Delivery, Notification


class NdjsonNotifier:
    """Writes notifications as NDJSON lines.

    Settings (``[notify.ndjson]``): ``path``, a file to append to (created if
    missing; default: standard output). Each batch is appended with one
    ``write`` and flushed to disk, so a reader never sees half a line.
    """

    name = "ndjson"

    def send(self, notifications: Sequence[Notification], delivery: Delivery) -> None:
        text = "".join(
            json.dumps(n.to_dict(), ensure_ascii=False, sort_keys=True) + "\n"
            for n in notifications
        )
        if not text:
            return
        path = delivery.settings.get("path")
        if not path or path == "-":
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
