"""Alembic environment: the URL comes from the Config object built in storage.migrate."""

from alembic import context
from sqlalchemy import Connection, create_engine

from referral_builder.storage.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
connection = config.attributes.get("connection")


def run(conn: Connection) -> None:
    context.configure(connection=conn, target_metadata=Base.metadata,
                      render_as_batch=conn.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif connection is not None:
    run(connection)
elif url is None:
    raise RuntimeError("no sqlalchemy.url: run migrations through storage.migrate.upgrade")
else:
    engine = create_engine(url)
    with engine.connect() as conn:
        run(conn)
    engine.dispose()
