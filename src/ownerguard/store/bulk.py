"""Bulk inserts straight through the driver's ``executemany``.

SQLAlchemy's Core insert spends more time building and type-processing parameters than SQLite
spends writing the rows; imports of 100k-row sheets write about ten rows per sheet row. This
compiles the statement once per (table, columns), applies only the bind processors a column
really has (Decimal and datetime on SQLite, for instance), and hands tuples to the driver, on
the unit of work's own connection and transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

from sqlalchemy import Connection, LargeBinary, Table, insert

_cache: dict[tuple, tuple[str, tuple[str, ...], tuple]] = {}


def _prepare(conn: Connection, table: Table, columns: tuple[str, ...]):
    key = (conn.dialect.name, table.name, columns)
    hit = _cache.get(key)
    if hit is None:
        compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
        order = tuple(compiled.positiontup or ()) if compiled.positional else columns
        # Both drivers take ``bytes`` as they are; SQLAlchemy's LargeBinary processor only
        # wraps them in a memoryview, at a cost of a call per value.
        processors = tuple(
            None if isinstance(table.c[c].type, LargeBinary)
            else table.c[c].type._cached_bind_processor(conn.dialect) for c in order)
        hit = _cache[key] = (compiled.string, order, processors)
    return hit


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict], *,
                chunk: int = 10_000) -> None:
    if not rows:
        return
    columns = tuple(rows[0])
    sql, order, processors = _prepare(conn, table, columns)
    convert = [(i, p) for i, p in enumerate(processors) if p is not None]
    pick = itemgetter(*order) if len(order) > 1 else (lambda r: (r[order[0]],))
    positional = conn.dialect.positional
    driver = conn.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        for start in range(0, len(rows), chunk):
            params = [pick(r) for r in rows[start:start + chunk]]
            if convert:
                params = [_convert(values, convert) for values in params]
            if not positional:
                params = [dict(zip(order, values)) for values in params]
            cursor.executemany(sql, params)
    finally:
        cursor.close()


def _convert(values: tuple, convert: list) -> tuple:
    out = list(values)
    for i, process in convert:
        if out[i] is not None:
            out[i] = process(out[i])
    return tuple(out)
