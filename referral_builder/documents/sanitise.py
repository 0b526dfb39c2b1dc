"""Open untrusted PDFs in a child process with limits, and return clean copies.

pypdf's known bugs on crafted files are loops, memory blow-ups, deep recursion and the odd
crash: none of these can be caught with try/except. So each file is read by a separate
Python process (`_pdf_worker`) that limits its own address space and CPU time, while this
side enforces a wall-clock timeout and kills it. The clean copy holds the pages only:
no JavaScript, /OpenAction, /AA, launch or other actions, embedded files, forms or links.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from referral_builder.config import child_environment
from referral_builder.documents.safety import UnsafeDocument

__all__ = ["Limits", "UnsafeDocument", "convert_docx_many", "inspect_pdf", "prepare_many",
           "sanitise_many", "sanitise_pdf"]


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_pages: int = 500
    memory_bytes: int = 1024 * 1024 * 1024
    cpu_seconds: int = 30
    wall_seconds: float = 60.0
    max_attachment_bytes: int = 50 * 1024 * 1024
    strict: bool = False  # pypdf's strict parsing: for files this tool wrote (bundles)


DEFAULT_LIMITS = Limits()


def _run(job: str, data: bytes, limits: Limits, name: str) -> tuple[dict[str, Any], bytes]:
    if len(data) > limits.max_bytes:
        raise UnsafeDocument(f"{name}: the file is {len(data) / 1048576:.1f} MB; the limit is "
                             f"{limits.max_bytes / 1048576:.0f} MB.")
    cmd = [sys.executable, "-m", "referral_builder.documents._pdf_worker", job,
           json.dumps(asdict(limits))]
    try:
        done = subprocess.run(cmd, input=data, capture_output=True, env=_env(),
                              timeout=limits.wall_seconds, check=False)
    except subprocess.TimeoutExpired:  # subprocess.run kills the child before raising
        raise UnsafeDocument(f"{name}: opening the PDF took longer than "
                             f"{limits.wall_seconds:g} seconds, so it was stopped. It may be "
                             "damaged or built to cause harm.") from None
    head, _, body = done.stdout.partition(b"\n")
    try:
        answer = json.loads(head) if head else None
    except ValueError:
        answer = None
    if done.returncode != 0 or not isinstance(answer, dict):
        raise UnsafeDocument(f"{name}: the PDF could not be opened safely (the reader stopped "
                             f"with code {done.returncode}). It may be damaged or built to "
                             "cause harm.")
    if not answer.get("ok"):
        raise UnsafeDocument(f"{name}: {answer.get('reason', 'the PDF was refused.')}")
    return answer, body


def sanitise_pdf(data: bytes, *, limits: Limits = DEFAULT_LIMITS,
                 name: str = "The PDF") -> bytes:
    """Return a clean copy of an untrusted PDF, or raise `UnsafeDocument` saying why.

    Refused: over the size or page limit, not a PDF, truncated, encrypted, unreadable, or
    needing more memory, CPU or time than `limits` allow. `name` starts each message.
    """
    _, body = _run("sanitise", data, limits, name)
    return body


def sanitise_many(files: Sequence[tuple[str, bytes]], *, limits: Limits = DEFAULT_LIMITS,
                  workers: int | None = None) -> list[bytes | UnsafeDocument]:
    """Sanitise (name, bytes) pairs in parallel; refusals are returned, not raised.

    Files are shared among a few child processes (one per CPU) to save start-up time; if a
    child dies or runs out of time, every file it had not answered is retried in a child of
    its own, so one hostile file can only ever be refused on its own account.
    """
    return _many("sanitise", files, limits, workers)


def convert_docx_many(files: Sequence[tuple[str, bytes, str]], *,
                      limits: Limits = DEFAULT_LIMITS, workers: int | None = None,
                      ) -> list[bytes | UnsafeDocument]:
    """Convert (name, DOCX bytes, title) to PDF in child processes, like `sanitise_many`."""
    return _many("docx", [(f[0], f[1]) for f in files], limits, workers,
                 titles=[f[2] for f in files])


def prepare_many(pdfs: Sequence[tuple[str, bytes]], docx: Sequence[tuple[str, bytes, str]], *,
                 limits: Limits = DEFAULT_LIMITS, workers: int | None = None,
                 ) -> tuple[list[bytes | UnsafeDocument], list[bytes | UnsafeDocument]]:
    """Sanitise `pdfs` and convert `docx` (name, bytes, title) in the same few children.

    A whole bundle's documents share one child per CPU (each child starts Python and imports
    pypdf, ReportLab and python-docx once), rather than a set of children per kind of file.
    Returns (clean PDFs, converted PDFs), refusals in place, as `sanitise_many` does.
    """
    files = [*pdfs, *((f[0], f[1]) for f in docx)]
    results = _many("mixed", files, limits, workers,
                    titles=[""] * len(pdfs) + [f[2] for f in docx],
                    jobs=["sanitise"] * len(pdfs) + ["docx"] * len(docx))
    return results[:len(pdfs)], results[len(pdfs):]


def _many(job: str, files: Sequence[tuple[str, bytes]], limits: Limits, workers: int | None,
          titles: Sequence[str] = (), jobs: Sequence[str] = ()) -> list[bytes | UnsafeDocument]:
    results: list[bytes | UnsafeDocument | None] = [None] * len(files)
    todo = []
    for n, (name, data) in enumerate(files):
        if len(data) > limits.max_bytes:
            results[n] = UnsafeDocument(f"{name}: the file is {len(data) / 1048576:.1f} MB; "
                                        f"the limit is {limits.max_bytes / 1048576:.0f} MB.")
        else:
            todo.append(n)
    if todo:
        count = min(len(todo), workers or os.cpu_count() or 2)
        # Deal the largest files first, round robin, so the batches take similar time.
        order = sorted(todo, key=lambda n: -len(files[n][1]))
        batches = [order[i::count] for i in range(count)]

        def run(batch: list[int]) -> None:
            _batch(job, files, batch, limits, results, titles, jobs)
            for n in batch:
                if results[n] is None:  # the shared child died: retry this file alone
                    _batch(job, files, [n], limits, results, titles, jobs)
                if results[n] is None:
                    results[n] = UnsafeDocument(
                        f"{files[n][0]}: the file could not be opened safely (the reader "
                        "stopped or ran out of time). It may be damaged or built to cause harm.")

        with ThreadPoolExecutor(max_workers=count) as ex:
            list(ex.map(run, batches))
    return results  # type: ignore[return-value]


def _batch(job: str, files: Sequence[tuple[str, bytes]], batch: list[int], limits: Limits,
           results: list[bytes | UnsafeDocument | None], titles: Sequence[str] = (),
           jobs: Sequence[str] = ()) -> None:
    """Run one child over `batch`; fill in `results` for every file it answered."""
    settings = json.dumps({**asdict(limits), "batch": len(batch),
                           "titles": [titles[n] if n < len(titles) else "" for n in batch],
                           "jobs": [jobs[n] for n in batch] if jobs else []})
    cmd = [sys.executable, "-m", "referral_builder.documents._pdf_worker", f"{job}-batch",
           settings]
    payload = b"".join(len(files[n][1]).to_bytes(8, "big") + files[n][1] for n in batch)
    try:
        done = subprocess.run(cmd, input=payload, capture_output=True, env=_env(),
                              timeout=limits.wall_seconds * len(batch), check=False)
    except subprocess.TimeoutExpired:
        return
    stream = done.stdout
    for n in batch:
        head, sep, rest = stream.partition(b"\n")
        try:
            answer = json.loads(head) if sep else None
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or len(rest) < int(answer.get("length", 0)):
            return
        length = int(answer.get("length", 0))
        body, stream = rest[:length], rest[length:]
        results[n] = body if answer.get("ok") else UnsafeDocument(
            f"{files[n][0]}: {answer.get('reason', 'the file was refused.')}")


def _env() -> dict[str, str]:
    return child_environment(("PATH", "LANG", "LC_ALL", "PYTHONPATH", "SYSTEMROOT", "HOME"))


def inspect_pdf(data: bytes, *, limits: Limits = DEFAULT_LIMITS,
                name: str = "The PDF") -> dict[str, Any]:
    """Read an untrusted bundle in a child process: pages, attachments (base64), fingerprints."""
    answer, _ = _run("inspect", data, limits, name)
    return answer
