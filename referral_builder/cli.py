"""The `referral-builder` command: check a case, show its attendance, list checklists."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from referral_builder import services
from referral_builder.checklists import all_checklists
from referral_builder.domain import stats
from referral_builder.domain.errors import ReferralBuilderError
from referral_builder.report_text import render_check, render_stats
from referral_builder.schemas.report import dump_report

EXIT_READY, EXIT_NOT_READY, EXIT_INVALID = 0, 1, 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def cmd_check(args: argparse.Namespace) -> int:
    loaded = services.load_case(Path(args.case))
    checklists = services.checklists_for(loaded.case)
    report = services.check(loaded, checklists, as_of=args.as_of)
    if args.format == "json":
        print(json.dumps(dump_report(report), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render_check(loaded.case, report, checklists))
    return EXIT_READY if report.ready else EXIT_NOT_READY


def cmd_stats(args: argparse.Namespace) -> int:
    loaded = services.load_case(Path(args.case))
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="referral-builder",
        description="Check attendance legal-intervention referrals against the local "
                    "authority's evidence checklist.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="check a case file against its checklists",
                       description="Exit status: 0 ready, 1 not ready, 2 invalid input.")
    p.add_argument("case", help="a referral-case/1 JSON file")
    p.add_argument("--as-of", type=_date, help="check as of this date instead of the referral "
                   "date (YYYY-MM-DD)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("stats", help="attendance summary, threshold windows and returns due")
    p.add_argument("case")
    p.add_argument("--as-of", type=_date)
    p.set_defaults(func=cmd_stats)
    p = sub.add_parser("checklists", help="list the authorities' checklists")
    p.set_defaults(func=cmd_checklists)
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
