"""Following a form whose slow part runs as a work job (web/work.py): the POST sends the
user to `/work/<id>`, which goes on to the result or back to the form; and the work rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from referral_builder.storage.models import WorkJob


def work_rows(app: Any, kind: str | None = None) -> list[WorkJob]:
    """The app's work rows (of one kind), oldest first."""
    query = select(WorkJob).order_by(WorkJob.id)
    with app.extensions["db"].session() as s:
        return list(s.scalars(query if kind is None else query.where(WorkJob.kind == kind)))


def through_work(client: Any, response: Any) -> Any:
    """The response the user ends on after `response`: each `/work/<id>` page is followed
    (in tests the job has run by then), any other response is returned as it is."""
    for _ in range(20):
        location = response.headers.get("Location", "")
        if response.status_code not in (302, 303) or "/work/" not in location:
            return response
        response = client.get(location)
    raise AssertionError("the work page kept sending the user back to itself")


def landed(client: Any, response: Any) -> str:
    """Where the user is sent after the work: its result page, or the form again."""
    final = through_work(client, response)
    assert final.status_code in (302, 303), (final.status_code, final.get_data(as_text=True))
    return str(final.headers["Location"])
