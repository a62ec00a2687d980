"""The SQL backend: a policy's rule tree as one query (sqlglot builds it; DuckDB and Spark run it).

>>> import aftersale
>>> q = compile_query(aftersale.compile('policy "p"\\nrule a: auto-approve returns under ¥300').tree)
>>> "CASE" in q.sql()
True
"""
from .query import OUTPUTS, TABLE, SqlQuery, compile_query
from .translate import Refused

__all__ = ["compile_query", "SqlQuery", "Refused", "TABLE", "OUTPUTS"]
