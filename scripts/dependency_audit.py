"""Check the installed Python packages against known vulnerabilities, offline.

    python scripts/dependency_audit.py            # offline: scripts/known_vulnerabilities.toml
    python scripts/dependency_audit.py --online   # pip-audit, where its services can be reached

pip-audit needs the PyPI JSON API or api.osv.dev; this workplace reaches only PyPI's simple
index, so the offline list is what runs in `make test` (tests/unit/test_dependency_audit.py).
Exit status 1 when an installed version is affected.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

LIST = Path(__file__).with_name("known_vulnerabilities.toml")


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    ids: tuple[str, ...]
    affected: str
    summary: str


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed() -> dict[str, str]:
    return {normalise(d.metadata["Name"]): d.version for d in metadata.distributions()
            if d.metadata["Name"]}


def advisories(path: Path = LIST) -> list[dict]:  # type: ignore[type-arg]
    return tomllib.loads(path.read_text())["advisory"]


def audit(packages: dict[str, str], known: list[dict]) -> list[Finding]:  # type: ignore[type-arg]
    from packaging.specifiers import SpecifierSet
    from packaging.version import InvalidVersion, Version

    found = []
    for adv in known:
        version = packages.get(normalise(adv["package"]))
        if version is None:
            continue
        try:
            hit = Version(version) in SpecifierSet(adv["affected"])
        except InvalidVersion:
            hit = True  # cannot tell: say so rather than pass it
        if hit:
            found.append(Finding(normalise(adv["package"]), version, tuple(adv["ids"]),
                                 adv["affected"], adv["summary"]))
    return found


def online() -> int:
    try:
        return subprocess.run([sys.executable, "-m", "pip_audit", "--progress-spinner", "off",
                               "--strict"], check=False).returncode
    except OSError as exc:
        print(f"pip-audit could not run: {exc}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--online", action="store_true", help="run pip-audit instead")
    args = ap.parse_args(argv)
    if args.online:
        return online()
    packages, known = installed(), advisories()
    findings = audit(packages, known)
    covered = len({normalise(a["package"]) for a in known} & set(packages))
    print(f"dependency audit (offline): {len(packages)} installed packages, {len(known)} "
          f"advisories for {covered} of them; vulnerable: {len(findings)}")
    for f in findings:
        print(f"  {f.package} {f.version} is affected ({f.affected}): {', '.join(f.ids)}: "
              f"{f.summary}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
