"""Decisions kept: the decision log (`decision.log`), which the service and `aftersale log` read and write.

This module stays free of the `serve` extra, so commands can name the default log without it.
"""

#: Where the decision log lives unless `--db` says otherwise: a SQLite file in the working folder.
DEFAULT_DB = "sqlite:///aftersale.db"
