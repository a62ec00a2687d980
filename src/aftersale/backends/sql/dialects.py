"""What differs between the SQL dialects we write: the few time functions sqlglot has no one node for.

Everything else in a query is a portable sqlglot node that each dialect writes
its own way. Inside a query timestamps are BIGINT microseconds since the epoch
(exact, and arithmetic on them is integer arithmetic in every engine); these
functions convert at the edges.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp


def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


@dataclass(frozen=True)
class Dialect:
    name: str

    def epoch_us(self, ts: exp.Expression) -> exp.Expression:
        """A timestamp column → BIGINT microseconds since 1970-01-01 UTC."""
        return _fn("EPOCH_US" if self.name == "duckdb" else "UNIX_MICROS", ts)

    def timestamp(self, us: exp.Expression) -> exp.Expression:
        """BIGINT microseconds → a timestamp (an instant)."""
        if self.name == "duckdb":
            return _fn("TIMEZONE", exp.Literal.string("UTC"), _fn("MAKE_TIMESTAMP", us))
        return _fn("TIMESTAMP_MICROS", us)

    def local_us(self, us: exp.Expression, zone: str) -> exp.Expression:
        """BIGINT microseconds (an instant) → the wall-clock microseconds in `zone` at that instant.

        DuckDB: `timezone(zone, instant)` is the local timestamp; Spark: `from_utc_timestamp` (the
        session's time zone must be UTC, as the runners set it)."""
        zone_lit = exp.Literal.string(zone)
        if self.name == "duckdb":
            return _fn("EPOCH_US", _fn("TIMEZONE", zone_lit, self.timestamp(us)))
        return _fn("UNIX_MICROS", _fn("FROM_UTC_TIMESTAMP", _fn("TIMESTAMP_MICROS", us), zone_lit))

    def floor_div(self, x: exp.Expression, d: int) -> exp.Expression:
        """⌊x / d⌋ for a whole non-negative DECIMAL `x` and a constant 0 < d < 2,000,000, exactly: DuckDB in
        HUGEINT (its DECIMAL `/` and `//` are DOUBLE); Spark's DECIMAL quotient has at least 6 places, so
        x/d = k + r/d with r ≤ d − 1 never reaches k + 1 before the floor."""
        if self.name == "duckdb":
            return exp.IntDiv(this=exp.cast(x, exp.DataType.build("HUGEINT", dialect="duckdb")),
                              expression=exp.Literal.number(d))
        return exp.Floor(this=exp.Div(this=exp.paren(x), expression=exp.Literal.number(d)))

    def fail(self, message: str) -> exp.Expression:
        """An expression that stops the query with `message` (for a date outside the generated calendar)."""
        return _fn("ERROR" if self.name == "duckdb" else "RAISE_ERROR", exp.Literal.string(message))


DIALECTS = {"duckdb": Dialect("duckdb"), "spark": Dialect("spark")}
