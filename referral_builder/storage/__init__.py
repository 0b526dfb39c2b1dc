"""Persistence for the web app: the database (SQLAlchemy 2, Alembic) and the file store."""
