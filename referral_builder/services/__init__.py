"""The use-cases: what the web app, the command line and the job runner ask for.

`checking` loads and checks a case; `cases` creates, saves, exports and imports cases;
`evidence` accepts an uploaded document; `bundles` builds a bundle as a job; `registers` reads
register files; `demo` makes the demo authority, school and case.

For the web's pages (no view writes a row itself): `new_cases` (start or import a case),
`acknowledgements` (the requirements tick-box), `conversation` (returns and replies),
`drafts` (withdraw a draft), `register_marks` (an uploaded register, read step by step),
`term_dates`, `caseload` (plans, next due, calendar feed), `notices` ("Worth checking"),
`form_tokens` (a create form saved once), `users` (the signed-in user, the feed's secret)
and `audit` (the access audit log).

`work` runs slow work asked for in a request (checking an upload, reading a big register,
drawing a letter as a PDF) as a job, with a page that shows its progress. `chronology` saves
an event (the form's one save path, and the job that checks an attached file first);
`letter_pdfs` draws letters as PDFs (a download, and the PDFs kept for the bundle).
"""

from __future__ import annotations

import importlib

#: The modules that declare job bodies (`jobs.tasks.body`), pruning steps (`jobs.tasks.pruner`)
#: or kinds of work (`work.kind`):
#: a worker process imports them all before it takes a job.
JOB_MODULES = ("bundles", "chronology", "form_tokens", "letter_pdfs", "new_cases",
               "register_marks", "work")


def declare_jobs() -> None:
    """Import every module that declares a job body or a kind of work."""
    for name in JOB_MODULES:
        importlib.import_module(f"referral_builder.services.{name}")
