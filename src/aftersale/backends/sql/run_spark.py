"""Running a policy's query on Spark (local mode in tests, a cluster with `--master`)."""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ... import rules as ir
from ...decision.decision import Decision, Origin
from ...events import Event, parse_event
from .query import TABLE, compile_query
from .run_duckdb import to_decision
from .schema import column_types


def ddl() -> str:
    """The events table's schema as Spark DDL (generated from the event schema, like DuckDB's)."""
    return ", ".join(f"`{name}` {sql}" for name, sql in column_types("spark").items())


@lru_cache(maxsize=None)
def session(master: str = "local[2]", **conf: str):
    """One Spark session per process. Its zone is UTC: the query converts to the policy's zone itself."""
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master(master).appName("aftersale")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2"))
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def load_json_texts(spark, texts: list[str], table: str = TABLE) -> None:
    """A temporary view of events from JSON texts (each already validated by the event reader)."""
    frame = spark.read.schema(ddl()).option("mode", "FAILFAST").json(spark.sparkContext.parallelize(texts, 1))
    frame.createOrReplaceTempView(table)


class SparkPolicy:
    """The SQL backend on Spark behind the backends' protocol (one event per query: slow, for conformance)."""

    def __init__(self, tree: ir.Policy, spark=None):
        self.tree = tree
        self.spark = spark if spark is not None else session()
        self.sql = compile_query(tree, "spark").sql(pretty=False)

    def decide(self, event: Any, trace: bool = True) -> Decision:
        return self.decide_many([event])[0]

    def decide_many(self, events: list[Any]) -> list[Decision]:
        """Decisions for several events in one query (their ids must differ), in their order."""
        parsed = [e if isinstance(e, Event) else parse_event(e) for e in events]
        load_json_texts(self.spark, [json.dumps(p.raw, default=str) for p in parsed])
        rows = {row[0]: tuple(row) for row in self.spark.sql(self.sql).collect()}
        origin = Origin(self.tree)
        return [to_decision(rows[p.id], p, origin) for p in parsed]


__all__ = ["SparkPolicy", "session", "load_json_texts", "ddl"]
