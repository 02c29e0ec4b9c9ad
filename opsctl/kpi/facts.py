"""The fact tables KPIs aggregate: one row per order, shipment, line, return, review or session.

Each fact table is documented here, column by column, because KPI
definitions (opsctl's and plugins') are SQL over these columns. A table is
built on first use from the inputs it needs; a column whose optional input is
missing is ``NULL``. Times are ``TIMESTAMPTZ``, durations seconds (``DOUBLE``),
money exact decimals in the row's ``currency``.

``orders`` (at ``placed_at``)
    order_id, placed_at, channel, country, location (of the first parcel),
    customer_type, currency, cancelled, cancel_reason, stockout_cancelled,
    shipping_paid, shipments, shipped, split, backordered,
    cancelled_after_shipping, shipping_cost (Σ of the parcels' costs when
    they are in the order's currency), returned, defective_return,
    fulfillment_status, in_full (every unit shipped).
``order_values`` (at ``placed_at``): orders with their lines
    the orders columns, plus revenue (Σ quantity × unit_price), units, lines,
    free_shipping_threshold (of the order's currency).
``deliveries`` (at ``placed_at``): the outcome of each shipped order
    order_id, placed_at, channel, country, location, decided, on_time,
    in_full, otif, perfect, delivered_at, cycle_seconds.
``shipments`` (at ``shipped_at``)
    shipment_id, order_id, channel, carrier, service, location, country,
    placed_at, shipped_at, delivered_at, verdict, promise_kept, late, stalled,
    failed, first_attempt, click_to_door_seconds, had_exception.
``tracking_updates`` (at ``shipped_at``): delivered parcels' update cadence
    the shipments columns above, plus longest_gap_seconds.
``lines`` (at the order's ``placed_at``)
    order_id, placed_at, channel, country, quantity, quantity_shipped,
    counted (the order shipped and stands, or was cancelled for want of stock).
``returns`` (at ``requested_at``)
    return_id, order_id, requested_at, channel, country, quantity,
    refund_seconds (received to refunded).
``reviews`` (at ``created_at``)
    review_id, created_at, source, rating, language, channel, country.
``reviewed_deliveries`` (at ``created_at``): reviews of shipped orders
    the reviews columns, plus on_time (every parcel kept its promise).
``checkout_sessions`` (at ``started_at``)
    session, started_at, device, began_checkout, purchased.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from opsctl.kpi.definitions import Kpi
from opsctl.kpi.sources import KpiInputs, sql_text
from opsctl.sla.engine import VERDICT_GROUPS

#: Cancel reasons that mean "we did not have it": stock-out cancellations.
STOCKOUT_REASONS = ("out_of_stock", "stockout", "stock_out", "no_stock", "sold_out", "backorder")
#: Return reasons that make an order imperfect (damaged, wrong or not as described).
DEFECT_REASONS = ("damaged", "defective", "wrong_item", "not_as_described", "faulty", "broken")
#: The SLA verdict groups of ``opsctl sla check`` (:data:`opsctl.sla.engine.VERDICT_GROUPS`).
VERDICT_LATE, VERDICT_STALLED, VERDICT_FAILED = (
    tuple(sorted(verdict.value for verdict in VERDICT_GROUPS[group]))
    for group in ("late", "stalled", "failed")
)


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(sql_text(v) for v in values) + ")"


@dataclass(frozen=True)
class FactTable:
    """How to build one fact table, and the entities it cannot do without."""

    name: str
    needs: tuple[str, ...]
    build: Callable[[Facts], str]
    verdicts: bool = False
    #: A view rather than a table: cheap to compute again, as the shipments over the
    #: verdicts, which the SLA engine may complete later.
    view: bool = False
    #: A view when one query at most reads it in a run (see :meth:`Facts.prepare`), else
    #: a table: writing a table of every order's columns costs more than computing the
    #: few columns that one query reads, but less than computing them several times.
    view_if_read_once: bool = False
    #: The fact tables this one is built over.
    over: tuple[str, ...] = ()


class Facts:
    """Builds fact tables on demand over :class:`KpiInputs`.

    ``verdicts(complete, read_once)`` is called before building a table that
    needs SLA verdicts: it computes them (``complete``: every shipment's
    verdict; else every promise outcome, and the verdicts that need no SLA
    engine run; ``read_once``: one query at most of this run reads them) and
    returns whether verdicts it gave before changed, in which case the tables
    built on them are built again. :meth:`prepare` decides, from the KPIs
    about to be evaluated, whether complete verdicts are needed.
    ``thresholds`` maps a currency to the free-shipping threshold.
    """

    def __init__(
        self,
        inputs: KpiInputs,
        *,
        verdicts: Callable[[bool, bool], bool],
        thresholds: dict[str, str] | None = None,
    ) -> None:
        self.inputs = inputs
        self.con = inputs.con
        self._verdicts = verdicts
        self._verdicts_done = False
        self._complete_verdicts = False
        self._built: set[str] = set()
        #: How many queries of this run read each fact table (see :meth:`prepare`).
        self._readers: dict[str, int] = {}
        #: What each fact table built is: ``"VIEW"`` or ``"TABLE"``.
        self._kinds: dict[str, str] = {}
        self.thresholds = thresholds or {}
        #: Whether the orders fact table joins the returns (``returned``,
        #: ``defective_return``): unless :meth:`prepare` found that no KPI reads them.
        self._order_returns = True

    def has(self, entity: str) -> bool:
        return self.inputs.has(entity)

    @property
    def order_returns(self) -> bool:
        """Whether the orders fact table joins the returns (see :meth:`prepare`)."""
        return self._order_returns

    def column(self, entity: str, column: str) -> bool:
        """Whether ``entity`` is given and has values in ``column``."""
        return self.has(entity) and column in self.inputs.columns(entity)

    def prepare(self, kpis: Iterable[Kpi]) -> None:
        """Get ready to evaluate ``kpis``: complete verdicts if any of them reads them.

        The returns are joined to the orders only if one of ``kpis`` reads
        what they give (reading the returns file is otherwise wasted work).
        The fact tables that ``kpis`` aggregate, and those they are built over,
        are counted as read once by each query that reads them (those of the
        KPIs aggregating one table share one query; see
        :func:`opsctl.kpi.compute.evaluate`), which decides whether a table
        ``view_if_read_once`` is built as a view.
        """
        kpis = list(kpis)
        wanted = {kpi.facts for kpi in kpis if kpi.facts in FACT_TABLES}
        needed, todo = set(), list(wanted)
        while todo:
            name = todo.pop()
            if name not in needed:
                needed.add(name)
                todo += FACT_TABLES[name].over
        self._readers = {
            name: (name in wanted) + sum(name in FACT_TABLES[other].over for other in needed)
            for name in needed
        }
        if any(needs_verdicts(kpi) for kpi in kpis):
            self.complete_verdicts()
        returns = any(reads_returns(kpi) for kpi in kpis)
        if returns and not self._order_returns:
            self._built -= ORDER_DEPENDENTS
        if returns or "orders" not in self._built:
            self._order_returns = returns

    def complete_verdicts(self) -> None:
        """Give every shipment its SLA verdict from now on (now, if verdicts exist)."""
        self._complete_verdicts = True
        if self._verdicts_done:
            self._sync_verdicts()

    def _sync_verdicts(self) -> None:
        read_once = self._readers.get("shipments", 0) <= 1
        if self._verdicts(self._complete_verdicts, read_once):
            self._built -= {name for name, table in FACT_TABLES.items() if table.verdicts}
        self._verdicts_done = True

    def ensure(self, name: str) -> str:
        """Build the fact table ``name`` (and what it rests on) if not built yet."""
        table = FACT_TABLES[name]
        if table.verdicts:
            for entity in table.needs:
                self.inputs.table(entity)
            self._sync_verdicts()
        if name not in self._built:
            for entity in table.needs:
                self.inputs.table(entity)
            view = table.view or (table.view_if_read_once and self._readers.get(name, 0) <= 1)
            kind = "VIEW" if view else "TABLE"
            sql = table.build(self)
            if self._kinds.get(name, kind) != kind:  # a view cannot replace a table, nor back
                self.con.execute(f"DROP {self._kinds[name]} {name}_fact")
            self.con.execute(f"CREATE OR REPLACE TEMP {kind} {name}_fact AS {sql}")
            self._kinds[name] = kind
            self._built.add(name)
        return f"{name}_fact"

    # -- pieces shared by several tables ---------------------------------------------------

    def line_totals(self) -> str:
        if not self.has("order_lines"):
            return (
                "(SELECT NULL::VARCHAR AS order_id, NULL::DECIMAL(38, 10) AS revenue, "
                "NULL::BIGINT AS units, NULL::BIGINT AS lines WHERE false)"
            )
        self.inputs.table("order_lines")
        return """(SELECT order_id, sum(quantity * unit_price) AS revenue,
            sum(quantity) AS units, count(*) AS lines FROM order_lines GROUP BY order_id)"""

    def parcel_totals(self) -> str:
        if not self.has("shipments"):
            return (
                "(SELECT NULL::VARCHAR AS order_id, 0 AS shipments, NULL::VARCHAR AS location, "
                "NULL::TIMESTAMPTZ AS first_shipped_at, false AS backordered, "
                "NULL::VARCHAR AS cost_currency, NULL::DECIMAL(38, 10) AS shipping_cost, "
                "false AS mixed_currency WHERE false)"
            )
        self.inputs.table("shipments")
        zone = sql_text(self.inputs.dataset.timezone)
        return f"""(SELECT order_id, sum(parcels) AS shipments,
            arg_min(location_id, first_at) AS location,
            min(first_at) AS first_shipped_at,
            bool_or(later_day) AS backordered,
            min(low_currency) AS cost_currency,
            sum(cost) AS shipping_cost,
            min(low_currency) IS DISTINCT FROM max(high_currency) AS mixed_currency
            FROM (SELECT order_id, location_id, count(*) AS parcels,
                    min(shipped_at) AS first_at,
                    CASE WHEN max(shipped_at) > min(shipped_at)
                         THEN CAST(timezone({zone}, max(shipped_at)) AS DATE)
                              > CAST(timezone({zone}, min(shipped_at)) AS DATE)
                         ELSE false END AS later_day,
                    min(currency) AS low_currency, max(currency) AS high_currency,
                    sum(shipping_cost) AS cost
                  FROM shipments GROUP BY order_id, location_id)
            GROUP BY order_id)"""

    def return_totals(self) -> str:
        if not self.has("returns"):
            return "(SELECT NULL::VARCHAR AS order_id, false AS defect WHERE false)"
        self.inputs.table("returns")
        return f"""(SELECT order_id,
            coalesce(bool_or(lower(reason) IN {_in(DEFECT_REASONS)}), false) AS defect
            FROM returns GROUP BY order_id)"""

    def threshold_table(self) -> str:
        if not self.thresholds:
            return "(SELECT NULL::VARCHAR AS currency, NULL::DECIMAL(38, 10) AS amount WHERE false)"
        values = ", ".join(
            f"({sql_text(currency)}, CAST({sql_text(str(amount))} AS DECIMAL(38, 10)))"
            for currency, amount in self.thresholds.items()
        )
        return f"(SELECT * FROM (VALUES {values}) AS t(currency, amount))"

    def in_full(self) -> tuple[str, str]:
        """ "Every unit of the order shipped", and the join it needs, over the orders input ``o``.

        The order's own fulfillment_status (Shopify's column) when the orders
        have it, else every line's quantity_shipped; ``NULL`` without either.
        """
        if self.column("orders", "fulfillment_status"):
            return (
                "NOT cancelled AND coalesce(lower(o.fulfillment_status) = 'fulfilled', false)",
                "",
            )
        if self.column("order_lines", "quantity_shipped"):
            join = (
                "LEFT JOIN (SELECT order_id, bool_and(quantity_shipped >= quantity) AS all_shipped "
                "FROM order_lines GROUP BY order_id) f USING (order_id)"
            )
            return "NOT cancelled AND coalesce(f.all_shipped, false)", join
        return "NULL::BOOLEAN", ""


def _orders(facts: Facts) -> str:
    in_full, in_full_join = facts.in_full()
    if facts.order_returns:
        returned = "r.order_id IS NOT NULL" if facts.has("returns") else "NULL::BOOLEAN"
        defect = "r.defect"
        returns_join = f"LEFT JOIN {facts.return_totals()} r USING (order_id)"
    else:  # no KPI of this run reads them: the returns stay unread
        returned, defect, returns_join = "NULL::BOOLEAN", "NULL::BOOLEAN", ""
    return f"""
    SELECT *, {in_full} AS in_full FROM (
        SELECT o.order_id, o.placed_at, o.channel, o.ship_to_country AS country, p.location,
            o.customer_type, o.currency,
            o.status = 'cancelled' AS cancelled, o.cancel_reason,
            o.status = 'cancelled' AND lower(coalesce(o.cancel_reason, ''))
                IN {_in(STOCKOUT_REASONS)} AS stockout_cancelled,
            o.shipping_paid,
            coalesce(p.shipments, 0) AS shipments,
            coalesce(p.shipments, 0) > 0 AS shipped,
            coalesce(p.shipments, 0) > 1 AS split,
            coalesce(p.backordered, false) AS backordered,
            o.status = 'cancelled' AND coalesce(p.shipments, 0) > 0 AS cancelled_after_shipping,
            CASE WHEN NOT p.mixed_currency AND p.cost_currency = o.currency
                 THEN p.shipping_cost END AS shipping_cost,
            {returned} AS returned,
            {defect} AS defective_return,
            o.fulfillment_status
        FROM orders o
        LEFT JOIN {facts.parcel_totals()} p USING (order_id)
        {returns_join}
    ) o {in_full_join}
    """


def _order_values(facts: Facts) -> str:
    facts.ensure("orders")
    return f"""
    SELECT o.*, l.revenue, l.units, l.lines, t.amount AS free_shipping_threshold
    FROM orders_fact o
    LEFT JOIN {facts.line_totals()} l USING (order_id)
    LEFT JOIN {facts.threshold_table()} t ON t.currency = o.currency
    """


def _shipments(facts: Facts) -> str:
    return f"""
    SELECT st.shipment_id, st.order_id, st.channel, st.carrier, st.service,
        st.location_id AS location, st.destination AS country, st.placed_at, st.shipped_at,
        st.delivered AS delivered_at, st.reached AS reached_at, st.verdict, st.promise_kept,
        st.verdict IN {_in(VERDICT_LATE)} AS late,
        st.verdict IN {_in(VERDICT_STALLED)} AS stalled,
        st.verdict IN {_in(VERDICT_FAILED)} AS failed,
        CASE WHEN st.delivered IS NOT NULL
             THEN st.reached_customer_at IS NULL OR st.reached_customer_at >= st.delivered
        END AS first_attempt,
        epoch(st.delivered) - epoch(st.placed_at) AS click_to_door_seconds,
        coalesce(st.had_exception, false) AS had_exception,
        st.tracking_number, st.shipping_cost, st.currency
    FROM shipment_verdicts st
    """


def _deliveries(facts: Facts) -> str:
    facts.ensure("shipments")
    facts.ensure("orders")
    return """
    SELECT o.order_id, o.placed_at, o.channel, o.country, o.location,
        p.decided, p.on_time, o.in_full,
        p.on_time AND o.in_full AS otif,
        p.on_time AND o.in_full AND NOT p.trouble AND NOT coalesce(o.defective_return, false)
            AS perfect,
        p.delivered_at,
        epoch(p.delivered_at) - epoch(o.placed_at) AS cycle_seconds,
        o.cancelled, o.stockout_cancelled
    FROM orders_fact o
    JOIN (
        SELECT order_id,
            count(promise_kept) = count(*) AS decided,
            bool_and(promise_kept) AS on_time,
            bool_or(failed OR had_exception) AS trouble,
            CASE WHEN count(delivered_at) = count(*) THEN max(delivered_at) END AS delivered_at
        FROM shipments_fact GROUP BY order_id
    ) p USING (order_id)
    """


def _tracking_updates(facts: Facts) -> str:
    facts.ensure("shipments")
    facts.inputs.execute_over(
        "tracking_events",
        lambda source, _columns: (
            f"""
        CREATE OR REPLACE TEMP TABLE update_gaps AS
        SELECT tracking_number, max(gap) AS longest_gap_seconds FROM (
            SELECT tracking_number, epoch(moment) - epoch(lag(moment) OVER (
                PARTITION BY tracking_number ORDER BY moment)) AS gap
            FROM (SELECT tracking_number, CAST(occurred_at AS TIMESTAMPTZ) AS moment
                  FROM {source})
        ) GROUP BY tracking_number
        """
        ),
    )
    return """
    SELECT s.*, g.longest_gap_seconds FROM shipments_fact s
    JOIN update_gaps g USING (tracking_number)
    WHERE s.delivered_at IS NOT NULL
    """


def _lines(facts: Facts) -> str:
    facts.ensure("orders")
    shipped = (
        "l.quantity_shipped" if facts.column("order_lines", "quantity_shipped") else "NULL::BIGINT"
    )
    return f"""
    SELECT l.order_id, o.placed_at, o.channel, o.country, o.location, l.quantity,
        {shipped} AS quantity_shipped,
        (o.shipped AND NOT o.cancelled) OR o.stockout_cancelled AS counted
    FROM order_lines l JOIN orders_fact o USING (order_id)
    """


def _returns(facts: Facts) -> str:
    join = "LEFT JOIN orders o USING (order_id)" if facts.has("orders") else ""
    if join:
        facts.inputs.table("orders")
    channel = "o.channel" if join else "NULL::VARCHAR"
    country = "o.ship_to_country" if join else "NULL::VARCHAR"
    return f"""
    SELECT r.return_id, r.order_id, r.requested_at, {channel} AS channel,
        {country} AS country, r.quantity,
        epoch(r.refunded_at) - epoch(r.received_at) AS refund_seconds
    FROM returns r {join}
    """


def _reviews(facts: Facts) -> str:
    join = "LEFT JOIN orders o USING (order_id)" if facts.has("orders") else ""
    if join:
        facts.inputs.table("orders")
    channel = "o.channel" if join else "NULL::VARCHAR"
    country = "o.ship_to_country" if join else "NULL::VARCHAR"
    return f"""
    SELECT r.review_id, r.order_id, r.created_at, r.source, r.rating, r.language,
        {channel} AS channel, {country} AS country
    FROM reviews r {join}
    """


def _reviewed_deliveries(facts: Facts) -> str:
    facts.ensure("reviews")
    facts.ensure("deliveries")
    return """
    SELECT r.*, d.on_time FROM reviews_fact r JOIN deliveries_fact d USING (order_id)
    WHERE d.decided
    """


def _checkout_sessions(facts: Facts) -> str:
    return """
    SELECT coalesce(ga_session_id, '') || '/' || user_pseudo_id AS session,
        min(event_timestamp) AS started_at,
        any_value(device_category) AS device,
        bool_or(event_name = 'begin_checkout') AS began_checkout,
        bool_or(event_name = 'purchase') AS purchased
    FROM checkout_events GROUP BY ALL
    """


FACT_TABLES: dict[str, FactTable] = {
    table.name: table
    for table in (
        FactTable("orders", ("orders",), _orders, view_if_read_once=True),
        FactTable("order_values", ("orders", "order_lines"), _order_values, over=("orders",)),
        FactTable("shipments", ("shipments",), _shipments, verdicts=True, view=True),
        FactTable(
            "deliveries",
            ("orders", "shipments"),
            _deliveries,
            verdicts=True,
            over=("orders", "shipments"),
        ),
        FactTable(
            "tracking_updates",
            ("shipments",),
            _tracking_updates,
            verdicts=True,
            over=("shipments",),
        ),
        FactTable("lines", ("orders", "order_lines"), _lines, over=("orders",)),
        FactTable("returns", ("returns",), _returns),
        FactTable("reviews", ("reviews",), _reviews),
        FactTable(
            "reviewed_deliveries",
            ("reviews", "orders", "shipments"),
            _reviewed_deliveries,
            verdicts=True,
            over=("reviews", "deliveries"),
        ),
        FactTable("checkout_sessions", ("checkout_events",), _checkout_sessions),
    )
}

#: What in a KPI's SQL reads, per fact table, what only complete SLA verdicts give: the
#: verdicts of parcels on the way (their promise outcomes need no engine run).
_VERDICT_READS = {
    "shipments": re.compile(r"\b(verdict|late|stalled|failed)\b|\*|\bcolumns\s*\(", re.I),
    "tracking_updates": re.compile(r"\b(verdict|late|stalled|failed)\b|\*|\bcolumns\s*\(", re.I),
    "deliveries": re.compile(r"\bperfect\b|\*|\bcolumns\s*\(", re.I),
}


#: Fact tables built over the orders fact table (built again when it changes).
ORDER_DEPENDENTS = frozenset(
    {"orders", "order_values", "deliveries", "lines", "reviewed_deliveries"}
)
#: What in a KPI's SQL reads, per fact table, the columns the returns give to orders.
_RETURN_READS = {
    "orders": re.compile(r"\b(returned|defective_return)\b|\*|\bcolumns\s*\(", re.I),
    "order_values": re.compile(r"\b(returned|defective_return)\b|\*|\bcolumns\s*\(", re.I),
    "deliveries": re.compile(r"\b(perfect|defective_return)\b|\*|\bcolumns\s*\(", re.I),
}


#: ``count(*)``, whose star reads no column.
_COUNT_ROWS = re.compile(r"\bcount\s*\(\s*\*\s*\)", re.I)


def reads_returns(kpi: Kpi) -> bool:
    """Whether ``kpi`` needs the returns joined to the orders fact table."""
    if "returns" in kpi.inputs or kpi.facts not in FACT_TABLES:
        return True
    reads = _RETURN_READS.get(kpi.facts)
    text = " ".join(part for part in (kpi.value, kpi.where or "", kpi.at) if part)
    return bool(reads and reads.search(_COUNT_ROWS.sub("", text)))


def needs_verdicts(kpi: Kpi) -> bool:
    """Whether ``kpi`` reads SLA verdicts beyond promise outcomes (so the engine must run)."""
    reads = _VERDICT_READS.get(kpi.facts)
    text = " ".join(part for part in (kpi.value, kpi.where or "", kpi.at) if part)
    return bool(reads and reads.search(_COUNT_ROWS.sub("", text)))
