"""Alembic's environment: the service passes its open connection in `config.attributes`.

Run by Alembic only (this folder is no package, so nothing imports it by accident).
"""
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
