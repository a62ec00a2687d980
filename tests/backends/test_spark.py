"""The conformance table and a generated history on Spark (local mode): few queries, one session.

Skipped with the reason when pyspark or Java is absent (`pip install -e '.[spark]'`, and Debian's
openjdk-17-jre-headless). Every case of tests/conformance/cases.yaml is decided on Spark, one query
per policy, and must give the expected action, rule, forbidding guard and recheck_at.
"""
from __future__ import annotations

import json
import shutil
from collections import defaultdict

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (the `spark` extra)")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java: apt-get install openjdk-17-jre-headless", allow_module_level=True)

from aftersale.backends import BACKENDS  # noqa: E402
from aftersale.backends.sql.run_spark import SparkPolicy, session  # noqa: E402
from aftersale.runner.casefile import apply_overrides  # noqa: E402
from aftersale.policy import load  # noqa: E402
from tests.conformance.test_conformance import BASE, HERE, instant, policy, table  # noqa: E402

from .parity import differences, generated, history, on_spark, reference  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    # expression code generation costs seconds per query and saves nothing on a few rows
    return session("local[2]", **{"spark.sql.codegen.wholeStage": "false",
                                  "spark.sql.codegen.factoryMode": "NO_CODEGEN"})


def test_conformance_table_on_spark(spark):
    by_policy = defaultdict(list)
    for n, case in enumerate(table()["cases"]):
        event = apply_overrides(BASE, case.get("set") or {}, HERE / "cases.yaml", 0)
        event["id"] = f"case-{n}"
        by_policy[case["policy"]].append((n, case, event))
    failures = []
    for source, cases in by_policy.items():
        decisions = SparkPolicy(policy(source).tree, spark).decide_many([e for _, _, e in cases])
        for (n, case, _), d in zip(cases, decisions):
            want = {**case["want"], "recheck_at": instant(case["want"]["recheck_at"])}
            got = {"action": d.action, "rule": d.rule, "forbidden_by": d.forbidden_by, "recheck_at": d.recheck_at}
            if got != want:
                failures.append((n, case["note"], got, want))
    assert not failures


def test_spark_decides_history_like_the_interpreter(spark):
    lines, parsed = history(5_000, 14)
    tree = load("policies/douyin-assistant.policy").tree
    reference = BACKENDS["interpreter"](tree)
    got = SparkPolicy(tree, spark).decide_many([json.loads(line) for line in lines[:1_000]])
    wrong = [(a.event_id, a.action, b.action) for a, b in
             ((reference.decide(e, trace=False), d) for e, d in zip(parsed, got))
             if (a.event_id, a.action, a.rule, a.forbidden_by, tuple(a.guards), a.recheck_at)
             != (b.event_id, b.action, b.rule, b.forbidden_by, tuple(b.guards), b.recheck_at)]
    assert len(got) == 1_000 and not wrong


@pytest.mark.parametrize("n", range(2))
def test_spark_decides_generated_policies_like_the_interpreter(spark, n):
    from aftersale.backends.sql import Refused

    text, tree = generated(6, 2026)[n]  # the default run's first generated policies (test_sql_parity)
    lines, parsed = history(5_000, 14)
    try:
        got = on_spark(tree, lines[:300], parsed[:300], spark)
    except Refused:
        return
    assert not differences(reference(tree, parsed[:300]), got), text


def test_simulate_on_spark_reports_what_duckdb_reports(spark, tmp_path):
    from datetime import date

    from aftersale.simulate import simulate
    from aftersale.simulate.generate import events

    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(events(300, seed=9, start=date(2026, 1, 20), days=30, bad_rate=0.03)) + "\n",
                    encoding="utf-8")
    args = ("policies/kuaishou-store.policy", str(path), "policies/tea-house.policy")
    on_spark, on_duckdb = simulate(*args, engine="spark"), simulate(*args, engine="duckdb")
    assert on_spark["events"]["bad"] > 0
    assert on_spark == on_duckdb
