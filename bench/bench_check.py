"""Benchmark: check a large, realistic case (a full school year, 300 events) and print figures.

Run with `make bench`. Targets live here as figures, not as timed tests.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from builders import D, absent, event, make_case, term_marks

from referral_builder.checklists import all_checklists
from referral_builder.domain import engine, stats
from referral_builder.domain.model import Case

HOLIDAYS = [(D(2025, 10, 27), D(2025, 10, 31)), (D(2025, 12, 22), D(2026, 1, 2)),
            (D(2026, 2, 16), D(2026, 2, 20)), (D(2026, 3, 30), D(2026, 4, 10)),
            (D(2026, 5, 25), D(2026, 5, 29))]


def large_case() -> Case:
    rng = random.Random(7)
    days = [D(2025, 9, 3) + dt.timedelta(days=i) for i in range(320)]
    school = [d for d in days if d.weekday() < 5 and not any(a <= d <= b for a, b in HOLIDAYS)]
    overrides = absent(rng.sample(school[:190], 30), "O") | absent(rng.sample(school, 8), "I")
    marks = term_marks(D(2025, 9, 3), D(2026, 7, 17), holidays=HOLIDAYS, overrides=overrides)
    kinds = ["letter", "email", "phone_call", "agency_contact", "referral", "note"]
    events = []
    for n in range(300):
        d = rng.choice(school)
        kind = kinds[n % len(kinds)]
        extra: dict[str, object] = {"to": ["c1", "c2"], "purposes": ["attendance_concern"]} \
            if kind in ("letter", "email") else {}
        if kind == "agency_contact":
            extra = {"agency": "early_help"}
        events.append(event(f"e{n}", kind, d, **extra))
    case: Case = make_case(marks=marks, events=tuple(events), referral_date=D(2026, 7, 10))
    return case


def measure(label: str, fn, repeat: int = 5) -> None:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<45} median {statistics.median(times) * 1000:7.1f} ms   "
          f"best {min(times) * 1000:7.1f} ms   peak Python memory {peak / 1e6:5.1f} MB")


def main() -> None:
    case = large_case()
    checklists = list(all_checklists().values())
    print(f"case: {len(case.marks)} marks, {len(case.events)} events; "
          f"{len(checklists)} checklists")
    for c in checklists:
        measure(f"check against {c.id} ({len(c.items)} items)",
                lambda c=c: engine.check(case, [c]))
    measure("stats (summary, windows, returns)", lambda: stats.compute(case))


if __name__ == "__main__":
    main()
