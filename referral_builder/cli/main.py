"""The `referral-builder` command: check a case, show its attendance, list checklists."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from referral_builder.checklists import all_checklists
from referral_builder.cli.report_text import render_check, render_stats
from referral_builder.domain import stats
from referral_builder.domain.errors import ReferralBuilderError
from referral_builder.schemas.report import dump_report
from referral_builder.services import checking

EXIT_READY, EXIT_NOT_READY, EXIT_INVALID = 0, 1, 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def cmd_check(args: argparse.Namespace) -> int:
    paths = _case_files(args.case)
    if len(args.case) == 1 and not Path(args.case[0]).is_dir() and args.format != "jsonl":
        return _check_one(paths[0], args)
    return _check_many(paths, args)


def _check_one(path: Path, args: argparse.Namespace) -> int:
    loaded = checking.load_case(path)
    checklists, report = checking.check_case(loaded, as_of=args.as_of)
    if args.format == "json":
        print(json.dumps(dump_report(report), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render_check(loaded.case, report, checklists))
    return EXIT_READY if report.ready else EXIT_NOT_READY


def cmd_plan(args: argparse.Namespace) -> int:
    from referral_builder.documents.letters import list_templates
    from referral_builder.domain.planner import plan
    from referral_builder.schemas.plan import dump_plan, render_plan

    loaded = checking.load_case(Path(args.case))
    checklists = checking.checklists_for(loaded.case)
    letters = [(t.id, t.purposes) for t in list_templates()]
    result = plan(loaded.case, checklists, args.as_of, letters=letters)
    if args.format == "json":
        print(json.dumps(dump_plan(result), indent=2, ensure_ascii=False))
    else:
        names = {c.id: c.name for c in loaded.case.carers}
        sys.stdout.write(render_plan(result, names))
    return 0 if result.ready_now or result.earliest_referral_date else EXIT_NOT_READY


def _case_files(names: Sequence[str]) -> list[Path]:
    """The case files named, a folder standing for its *.json and */case.json files."""
    paths: list[Path] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = sorted({*path.glob("*.json"), *path.glob("*/case.json")})
            if not found:
                raise ReferralBuilderError(f"{name}: no case files (*.json or */case.json)")
            paths += found
        else:
            paths.append(path)
    return paths


def _check_many(paths: Sequence[Path], args: argparse.Namespace) -> int:
    """Check every case in this one process: one line per case, in the order given.

    Exit status: 2 if any case is invalid, else 1 if any is not ready, else 0.
    """
    worst = EXIT_READY
    for path in paths:
        try:
            loaded = checking.load_case(path)
            _checklists, report = checking.check_case(loaded, as_of=args.as_of)
        except ReferralBuilderError as exc:
            worst = EXIT_INVALID
            _line(args.format, {"file": str(path), "status": "invalid", "error": str(exc)},
                  f"INVALID    {path}: {exc}".replace("\n", " "))
            continue
        except OSError as exc:
            worst = EXIT_INVALID
            message = f"cannot read {exc.filename}: {exc.strerror}"
            _line(args.format, {"file": str(path), "status": "invalid", "error": message},
                  f"INVALID    {path}: {message}")
            continue
        if not report.ready:
            worst = max(worst, EXIT_NOT_READY)
        out = len(report.outstanding)
        text = (f"READY      {path}: {report.case}, all {len(report.items)} items met or not "
                "applicable" if report.ready else
                f"NOT READY  {path}: {report.case}, {out} of {len(report.items)} items not met"
                f" ({', '.join(i.id for i in report.outstanding)})")
        _line(args.format, {"file": str(path), "status": "ready" if report.ready else
                            "not_ready", "report": dump_report(report)}, text)
    return worst


def _line(fmt: str, record: dict[str, object], text: str) -> None:
    if fmt in ("json", "jsonl"):
        print(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    else:
        print(text)


def cmd_stats(args: argparse.Namespace) -> int:
    loaded = checking.load_case(Path(args.case))
    sys.stdout.write(render_stats(loaded.case, stats.compute(loaded.case, args.as_of)))
    return 0


def cmd_checklists(args: argparse.Namespace) -> int:
    rows = [(c.id, c.kind.replace("_", " "), c.version,
             c.effective_from.isoformat() if c.effective_from else "", str(len(c.items)), c.title)
            for c in all_checklists().values()]
    head = ("id", "kind", "version", "effective", "items", "title")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    for row in [head, *rows]:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)) + "  " + row[5])
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    from referral_builder.services.bundling import NotReady, build_bundle

    path = Path(args.case)
    loaded = checking.load_case(path)
    try:
        bundle = build_bundle(loaded, as_of=args.as_of, draft=args.draft,
                              open_document=lambda doc: (path.parent / doc.file).read_bytes(),
                              progress=lambda msg: print(msg, file=sys.stderr))
    except NotReady as exc:
        print(f"referral-builder: {exc}", file=sys.stderr)
        print("Use --draft to make a draft bundle anyway.", file=sys.stderr)
        return EXIT_NOT_READY
    _write_file(Path(args.output), bundle.pdf)
    print(f"Wrote {args.output}: {bundle.page_count} pages, {len(bundle.documents)} documents"
          + (" (DRAFT: not ready to send)" if args.draft and not bundle.report.ready else ""))
    return EXIT_READY


def _write_file(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder so a crash never leaves half a bundle."""
    import os
    import tempfile

    from referral_builder.storage.files import durable_replace

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        durable_replace(Path(tmp), path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_verify(args: argparse.Namespace) -> int:
    from referral_builder.services.bundling import verify_bundle

    result = verify_bundle(Path(args.bundle).read_bytes(), args.authority)
    verdict = "complete" if result.complete else "INCOMPLETE"
    print(f"Bundle {result.reference}: {result.page_count} pages, {verdict}")
    for heading, lines in (("Checklist items not met", result.missing),
                           ("Problems with the bundle", result.problems),
                           ("Notes", result.notes)):
        if lines:
            print(f"\n{heading}:")
            print("\n".join(f"- {line}" for line in lines))
    return EXIT_READY if result.complete else EXIT_NOT_READY


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE (for example "
                                         "target_pct=96%)")
    return key.strip(), value.strip()


def cmd_letter(args: argparse.Namespace) -> int:
    from referral_builder.documents.docx_pdf import docx_to_pdf
    from referral_builder.documents.letters import render_letter
    from referral_builder.domain.errors import InvalidCase

    case = checking.load_case(Path(args.case)).case
    meeting = None
    if args.meeting:
        meeting = case.event(args.meeting)
        if meeting is None:
            raise InvalidCase("--meeting", f'there is no event with id "{args.meeting}" in '
                                           "the case")
    result = render_letter(case, args.template, args.to, on=args.on, meeting=meeting,
                           extra=dict(args.set or []), template_dirs=args.template_dir)
    out = Path(args.output)
    if not out.parent.is_dir():
        raise InvalidCase("--output", f"the folder {out.parent} does not exist")
    written = [out]
    _write_file(out, result.docx)
    if args.pdf:
        carer = case.carer(args.to)
        title = f"{result.template.title}: {carer.name if carer else args.to}"
        written.append(out.with_suffix(".pdf"))
        _write_file(written[-1], docx_to_pdf(result.docx, title=title))
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"Wrote {', '.join(map(str, written))} ({result.template.title}; purposes: "
          f"{', '.join(result.purposes)})")
    return 0


#: `register` options naming columns, and the role each gives (register_import.ROLE_NAMES).
REGISTER_COLUMNS = (("date", "date"), ("session", "session"), ("mark", "mark"), ("am", "am"),
                    ("pm", "pm"), ("pupil", "student_id"))


def cmd_register(args: argparse.Namespace) -> int:
    """Read a register export, print what it holds (the web preview), optionally save it."""
    from referral_builder.domain import register_import as ri
    from referral_builder.domain.calendar import fmt
    from referral_builder.domain.errors import RegisterImportError
    from referral_builder.services.registers import RegisterFileError, mapping_for, read_file

    columns = {role: getattr(args, f"{opt}_column") for opt, role in REGISTER_COLUMNS
               if getattr(args, f"{opt}_column")}
    data = Path(args.file).read_bytes()
    try:
        file = read_file(data, sheet=args.sheet)
        mapping = mapping_for(file, columns or None)
        found = ri.pupils(file.rows, mapping)
        if args.list_pupils or (len(found) > 1 and not args.pupil):
            print(f"{args.file} holds {len(found)} pupil{'s' * (len(found) != 1)}"
                  + (":" if found else "."))
            for p in found:
                print(f"  {p.key}  {p.label}  ({p.rows} rows)")
            if not args.list_pupils:
                print("Choose one with --pupil UPN (or MIS id).", file=sys.stderr)
                return EXIT_INVALID
            return 0
        marks = ri.read_marks(file.rows, mapping, pupil=args.pupil)
    except RegisterFileError as exc:
        print(f"referral-builder: {args.file}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except RegisterImportError as exc:
        for line, message in exc.problems:
            print(f"{args.file}" + (f" line {line}" if line else "") + f": {message}",
                  file=sys.stderr)
        return EXIT_INVALID
    preview = ri.preview(marks, today=args.today or dt.date.today(),
                         closures=ri.closed_sessions(file.rows, mapping))
    print(f"{len(marks)} marks ({ri.SHAPE_NAMES[mapping.shape]}) from {fmt(preview.first)} "
          f"to {fmt(preview.last)}: {preview.school_days} school days in {preview.weeks} "
          f"weeks, {preview.sessions_per_week:g} sessions a week")
    for code, meaning, count in preview.codes:
        print(f"  {code:<3} {meaning}: {count}")
    for code, meaning, dates in preview.legacy:
        print(f"Legacy code {code} ({meaning}) on {', '.join(fmt(d) for d in dates[:10])}"
              + (f" and {len(dates) - 10} more" if len(dates) > 10 else ""))
    for first, last in preview.holidays:
        print(f"School closed (#): {fmt(first)}" + (f" to {fmt(last)}" if last != first else ""))
    for warning in preview.warnings:
        print(f"Check: {warning}")
    if args.output:
        _write_file(Path(args.output), (json.dumps({"marks": [
            {"date": m.date.isoformat(), "session": m.session, "code": m.code}
            for m in marks]}, indent=1) + "\n").encode("utf-8"))
        print(f"Wrote {args.output} (a referral-case/1 register object)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="referral-builder",
        description="Check attendance legal-intervention referrals against the local "
                    "authority's evidence checklist.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="check case files against their checklists",
                       description="Exit status: 0 ready, 1 not ready, 2 invalid input (for "
                                   "several cases, the worst of them). Several files or a "
                                   "folder are checked in one process, one line per case.")
    p.add_argument("case", nargs="+", help="referral-case/1 JSON files, or folders of them "
                   "(*.json and */case.json)")
    p.add_argument("--as-of", type=_date, help="check as of this date instead of the referral "
                   "date (YYYY-MM-DD)")
    p.add_argument("--format", choices=("text", "json", "jsonl"), default="text",
                   help="json: the full referral-check/1 report of one case; for several "
                   "cases json and jsonl print one JSON object a line (file, status, report)")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("plan", help="what to do next, and by when, to make the referral ready",
                       description="Exit status: 0 a referral date can be planned, 1 it "
                                   "cannot yet (reasons listed), 2 invalid input.")
    p.add_argument("case", help="a referral-case/1 JSON file")
    p.add_argument("--as-of", type=_date, help="plan as of this date instead of the referral "
                   "date (YYYY-MM-DD)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_plan)
    p = sub.add_parser("stats", help="attendance summary, threshold windows and returns due")
    p.add_argument("case")
    p.add_argument("--as-of", type=_date)
    p.set_defaults(func=cmd_stats)
    p = sub.add_parser("bundle", help="build the PDF evidence bundle for a ready case",
                       description="Exit status: 0 written, 1 not ready (reasons listed), "
                                   "2 invalid input or unreadable document.")
    p.add_argument("case", help="a referral-case/1 JSON file")
    p.add_argument("-o", "--output", required=True, help="the PDF file to write")
    p.add_argument("--draft", action="store_true",
                   help="build even when not ready, with DRAFT on every page")
    p.add_argument("--as-of", type=_date, help="check as of this date (YYYY-MM-DD)")
    p.set_defaults(func=cmd_bundle)
    p = sub.add_parser("verify", help="check a received bundle is complete and unchanged",
                       description="Exit status: 0 complete, 1 incomplete, 2 not a bundle.")
    p.add_argument("bundle", help="a bundle PDF made by referral-builder")
    p.add_argument("--authority", help="re-check against this authority's checklist")
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("checklists", help="list the authorities' checklists")
    p.set_defaults(func=cmd_checklists)
    p = sub.add_parser("letter", help="draft a model letter to one carer as DOCX (and PDF)",
                       description="Draft a letter from a template to one carer. Exit status: "
                                   "0 written (warnings on stderr), 2 invalid input.")
    p.add_argument("case", help="a referral-case/1 JSON file")
    p.add_argument("--template", required=True, help="template id, e.g. meeting_invite")
    p.add_argument("--to", required=True, metavar="CARER", help="the carer's id, e.g. c1")
    p.add_argument("--meeting", metavar="EVENT_ID", help="the meeting event it invites to or "
                   "follows")
    p.add_argument("--on", type=_date, help="the letter's date (default today, YYYY-MM-DD)")
    p.add_argument("--set", type=_key_value, action="append", metavar="KEY=VALUE",
                   help="a value the template asks for, e.g. actions=... (repeatable)")
    p.add_argument("--template-dir", type=Path, action="append", metavar="DIR",
                   help="a folder of the school's own <id>.docx templates (repeatable)")
    p.add_argument("-o", "--output", required=True, help="where to write the .docx")
    p.add_argument("--pdf", action="store_true", help="also write a PDF beside it")
    p.set_defaults(func=cmd_letter)
    p = sub.add_parser("register", help="read a register export (CSV or XLSX) and show what "
                                        "it holds", description=cmd_register.__doc__)
    p.add_argument("file", help="a CSV or XLSX export from the school's MIS")
    p.add_argument("--pupil", help="in a whole-class file, the pupil's UPN or MIS id")
    p.add_argument("--sheet", help="the XLSX sheet to read (default: the first)")
    p.add_argument("--list-pupils", action="store_true", help="list the pupils in the file")
    for opt, _role in REGISTER_COLUMNS:
        p.add_argument(f"--{opt}-column", metavar="COLUMN",
                       help=f"the column with the {opt} (heading or 1-based number), for a "
                            "file whose shape is not detected")
    p.add_argument("--today", type=_date, help=argparse.SUPPRESS)
    p.add_argument("-o", "--output", help="write the marks as a register JSON object")
    p.set_defaults(func=cmd_register)
    from referral_builder.cli.commands import add_parsers as add_web_parsers

    add_web_parsers(sub)  # db, create-authority, create-school, create-user, demo, serve
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ReferralBuilderError as exc:
        print(f"referral-builder: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        print(f"referral-builder: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
