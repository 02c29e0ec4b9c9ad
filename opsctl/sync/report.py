"""What a ``track sync`` run did, per carrier: the rows and JSON of its output."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from opsctl.errors import ConfigError, OpsctlError, ServiceError
from opsctl.sync.reconcile import BatchOutcome

COLUMNS = [
    "carrier",
    "plugin",
    "open",
    "due",
    "polled",
    "new_events",
    "unchanged",
    "now_final",
    "expired",
    "problems",
    "deferred",
    "failed",
    "error",
]
COUNTS = COLUMNS[2:-1]


def naming(carrier: str, message: str) -> str:
    """``message`` prefixed with ``carrier:``, unless it already starts that way."""
    return message if message.startswith(f"{carrier}:") else f"{carrier}: {message}"


@dataclass
class CarrierSync:
    """The counts of one carrier name (as the shipments name it) in one run."""

    carrier: str
    #: The plugin of the carrier that tracks these shipments (``None`` when none does).
    plugin: str | None = None
    #: Shipments still tracked when the run began (not final, not expired).
    open: int = 0
    #: Open shipments whose poll time had come.
    due: int = 0
    #: Shipments the carrier answered for.
    polled: int = 0
    #: Events stored (or, with --dry-run, that would be).
    new_events: int = 0
    #: Polled shipments without a new event.
    unchanged: int = 0
    #: Shipments whose latest status became delivered or cancelled: no more polling.
    now_final: int = 0
    #: Shipments too old or silent for too long: no more polling.
    expired: int = 0
    #: Numbers the carrier did not know, refused or answered unreadably (retried with backoff).
    problems: int = 0
    #: Due shipments left for the next run (--limit, or the carrier's request budget).
    deferred: int = 0
    #: Due shipments not polled because the carrier failed.
    failed: int = 0
    #: Why the carrier failed, or a note (budget used up).
    error: str | None = None
    exit_code: int | None = field(default=None, repr=False)

    def add(self, outcome: BatchOutcome) -> None:
        """Count one batch's outcome."""
        self.polled += outcome.polled
        self.new_events += len(outcome.new_events)
        self.unchanged += outcome.unchanged
        self.now_final += outcome.now_final
        self.problems += outcome.problems

    def fail(self, error: Exception, not_polled: int) -> None:
        """The carrier failed as a whole; ``not_polled`` due shipments wait for the next run."""
        self.failed += not_polled
        self.error = str(error)
        self.exit_code = int(getattr(error, "exit_code", ServiceError.exit_code))

    def row(self) -> dict[str, Any]:
        values = asdict(self)
        return {column: values[column] for column in COLUMNS}


@dataclass
class SyncReport:
    """Every carrier's counts in one run."""

    as_of: datetime
    dry_run: bool = False
    carriers: dict[str, CarrierSync] = field(default_factory=dict)

    def carrier(self, name: str) -> CarrierSync:
        """The counts of carrier ``name``, created on first use."""
        if name not in self.carriers:
            self.carriers[name] = CarrierSync(name)
        return self.carriers[name]

    def rows(self) -> list[dict[str, Any]]:
        return [self.carriers[name].row() for name in sorted(self.carriers)]

    @property
    def failures(self) -> list[CarrierSync]:
        """The carriers that failed."""
        return [c for c in self.carriers.values() if c.exit_code is not None]

    def totals(self) -> dict[str, int]:
        return {key: sum(getattr(c, key) for c in self.carriers.values()) for key in COUNTS}

    def document(self) -> dict[str, Any]:
        """The JSON shape of ``opsctl track sync --format json``."""
        return {
            "as_of": self.as_of,
            "dry_run": self.dry_run,
            "totals": self.totals(),
            "carriers": self.rows(),
            "errors": [{"carrier": c.carrier, "message": c.error} for c in self.failures],
        }

    def failure_error(self) -> OpsctlError | None:
        """The error for ``--fail-on-error``: ServiceError (exit 4) unless all are config errors."""
        failed = self.failures
        if not failed:
            return None
        message = "; ".join(naming(c.carrier, str(c.error)) for c in failed)
        if all(c.exit_code == ConfigError.exit_code for c in failed):
            return ConfigError(f"carrier set-up failed: {message}")
        return ServiceError(f"{len(failed)} carrier(s) failed: {message}")
