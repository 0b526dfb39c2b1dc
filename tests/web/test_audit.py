"""The audit log: a row per view, download, export and refusal; append-only in the database;
administrators read it, filter it and export it as CSV (and the export is itself audited)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from referral_builder.storage.models import AuditEntry
from tests.web.conftest import Client, error_summary

ADMIN = "admin@example.com"


def rows(app) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with app.extensions["db"].session() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_a_view_an_export_and_a_refusal_each_leave_one_row(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    client.sign_in("dsl@school.example")
    start = len(rows(app))
    client.get("/cases/1")
    client.get("/cases/1/export")
    client.get("/cases/999")
    new = [(r.action, r.case_id, r.outcome, r.endpoint) for r in rows(app)[start:]]
    assert new == [("view", 1, "allowed", "cases.task_list"),
                   ("export", 1, "allowed", "cases.export"),
                   ("denied", 999, "refused", "cases.task_list")]
    assert all(r.user_id is not None and r.at for r in rows(app)[start:])


def test_a_change_and_a_list_each_leave_a_row(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    client.sign_in("dsl@school.example")
    start = len(rows(app))
    client.get("/cases")
    client.post("/cases/1/flags", {"version": "1", "send": "none"})
    new = [(r.action, r.case_id, r.outcome) for r in rows(app)[start:]]
    assert new == [("list", None, "allowed"), ("change", 1, "allowed")]


def test_audit_rows_hold_no_childs_details(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    client.sign_in("dsl@school.example")
    for url in ("/cases/1", "/cases/1/pupil", "/cases/1/export", "/cases/1/events"):
        client.get(url)
    text_of_rows = " ".join(f"{r.action} {r.detail} {r.endpoint}" for r in rows(app))
    for secret in ("Zoë", "Smith", "2016-05-03", "A123456789012", "Elm Road"):
        assert secret not in text_of_rows


@pytest.mark.parametrize("statement", [
    update(AuditEntry).values(action="nothing to see"),
    delete(AuditEntry),
])
def test_the_database_refuses_to_change_or_delete_audit_rows(app, client: Client,
                                                             statement) -> None:  # type: ignore[no-untyped-def]
    client.sign_in("dsl@school.example")
    client.get("/cases/1")
    before = [(r.id, r.action) for r in rows(app)]
    assert before
    with pytest.raises(DatabaseError, match="append-only"), \
            app.extensions["db"].writing() as s:
        s.execute(statement)
    assert [(r.id, r.action) for r in rows(app)] == before


def test_raw_sql_cannot_delete_audit_rows_either(app) -> None:  # type: ignore[no-untyped-def]
    engine = app.extensions["db"].engine
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (action, detail, outcome, endpoint, at) "
                          "VALUES ('test', '', 'allowed', '', '2026-01-01')"))
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE action = 'test'"))


def test_the_postgresql_migration_installs_a_trigger(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Offline (`alembic upgrade --sql`) SQL for PostgreSQL: no server needed."""
    from contextlib import redirect_stdout

    from alembic import command

    from referral_builder.storage.migrate import alembic_config

    cfg = alembic_config("postgresql://nobody@localhost/none")
    out = io.StringIO()
    cfg.output_buffer = out
    with redirect_stdout(out):
        command.upgrade(cfg, "0002:0003", sql=True)
    sql = out.getvalue()
    assert "BEFORE UPDATE OR DELETE ON audit_log" in sql
    assert "BEFORE TRUNCATE ON audit_log" in sql
    assert "RAISE EXCEPTION 'audit_log is append-only'" in sql


def test_only_administrators_can_read_the_audit_log(client: Client) -> None:
    client.sign_in("dsl@school.example")
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403


def test_an_administrator_reads_and_filters_the_log(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    other = Client(app)
    other.sign_in("dsl@school.example")
    other.get("/cases/1")
    client.sign_in(ADMIN)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "dsl@school.example" in html and "cases.task_list" in html
    html = client.get("/admin/audit?email=officer%40walsall.example").get_data(as_text=True)
    assert "cases.task_list" not in html
    today = dt.date.today()
    html = client.get(f"/admin/audit?date_from={today.day}&date_from={today.month}"
                      f"&date_from={today.year}").get_data(as_text=True)
    assert "cases.task_list" in html


def test_a_bad_date_range_names_the_field(client: Client) -> None:
    client.sign_in(ADMIN)
    html = client.get("/admin/audit?date_from=2&date_from=3&date_from=2026"
                      "&date_to=1&date_to=3&date_to=2026").get_data(as_text=True)
    assert error_summary(html) == ["The date to end on must be the same as or after the date "
                                   "to start from"]
    html = client.get("/admin/audit?date_from=31&date_from=2&date_from=2026").get_data(
        as_text=True)
    assert error_summary(html) == ["The date to start from must be a real date"]


def test_the_csv_export_has_every_row_and_is_itself_audited(app, client: Client) -> None:  # type: ignore[no-untyped-def]
    other = Client(app)
    other.sign_in("dsl@school.example")
    other.get("/cases/1")
    client.sign_in(ADMIN)
    r = client.get("/admin/audit.csv")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"].startswith("attachment;")
    table = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert any(row["action"] == "view" and row["case_id"] == "1"
               and row["user_email"] == "dsl@school.example" for row in table)
    last = rows(app)[-1]
    assert (last.action, last.outcome) == ("audit_export", "allowed")
    assert last.detail == f"{len(table)} rows"


@pytest.mark.parametrize("value,cell", [("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"),
                                        ("@cmd", "'@cmd"), ("-2", "'-2"), ("view", "view"),
                                        (None, "")])
def test_a_formula_in_the_log_is_not_run_by_a_spreadsheet(value, cell: str) -> None:  # type: ignore[no-untyped-def]
    from referral_builder.web.admin import _cell

    assert _cell(value) == cell
