"""Leak tracing: every shared package carries a fingerprint, and a leaked copy names its source.

* ``variants`` — the package's keyed row order and per-row formats of phones and rooms (pure).
* ``canaries`` — synthetic households planted in one package only (pure).
* ``leaked`` — read a leaked xlsx/CSV/pasted text into rows and the phones, names and rooms in them.
* ``attribute`` — ``trace`` ranks the recorded shares as suspects with evidence and a score;
  ``who_received`` lists every share that gave a person's given fields to a partner.
* ``index`` — the bulk lookups behind them (pseudonymous tables and digests only).
* ``bench`` — 1,000 packages, a 10,000-row leak: time to the right top suspect.

The producer side (creating packages, binding aliases, storing canaries) lives in services and
uses ``row_order``, ``variant_of``, ``render`` and ``make_canaries`` from here.
"""

from __future__ import annotations

from ownerguard.services.sharing.tracing.attribute import (
    Suspect,
    trace,
    trace_leak,
    trace_phone,
    who_received,
)
from ownerguard.services.sharing.tracing.canaries import Canary, make_canaries
from ownerguard.services.sharing.tracing.leaked import (
    LeakReadError,
    LeakRow,
    extract,
    read_leak,
    room_key,
)
from ownerguard.services.sharing.tracing.variants import (
    VARIANTS,
    detect_variant,
    field_format,
    render,
    render_room,
    row_order,
    variant_of,
)

__all__ = [
    "VARIANTS", "Canary", "LeakReadError", "LeakRow", "Suspect", "detect_variant", "extract",
    "field_format", "make_canaries", "read_leak", "render", "render_room", "room_key",
    "row_order", "trace", "trace_leak", "trace_phone", "variant_of", "who_received",
]
