"""분석 — server-side aggregates over 나라장터 data: the answer is a small table, not thousands of rows.

A first-party plugin, loaded through the ``naramarket`` entry-point group like a third-party one,
built only on ``naramarket.kernel`` and ``naramarket.datago`` (whose ``scan_records``, ``Numbers``,
``Groups`` and ``Histogram`` do the streaming aggregation).

- ``analyze_mall_prices``: price statistics of a shopping-mall category (MAS products): count,
  min/quartiles/median/max, overall and by maker, supplier or enterprise size.
- ``rank_suppliers``: top winners (awards) or contractors (contracts) by count or amount, for an
  agency, a keyword and a period.
- ``analyze_award_rates``: the 낙찰률 distribution (quartiles and a histogram) by kind, month or
  participation region.
- ``procurement_time_series``: count and amount per month of awards or contracts.

Every tool scans with the shared engine (concurrency cap, rate limit, date windows, the call's time
budget), reports ``scan.rows_read`` and ``scan.complete`` (and why not, and what to do), and
returns raw rows only as a ``sample`` of at most 5 when asked.
"""

from __future__ import annotations

from naramarket.datago.g2b import REGION_CODES
from naramarket.kernel import Register, hookimpl

from .prices import analyze_mall_prices
from .rates import analyze_award_rates
from .records import OPERATIONS
from .series import procurement_time_series
from .suppliers import rank_suppliers

__all__ = [
    "OPERATIONS",
    "REGION_CODES",
    "analyze_award_rates",
    "analyze_mall_prices",
    "procurement_time_series",
    "rank_suppliers",
]


@hookimpl
def register_tools(register: Register) -> None:
    """Register the analytics tools."""
    register(analyze_mall_prices)
    register(rank_suppliers)
    register(analyze_award_rates)
    register(procurement_time_series)
