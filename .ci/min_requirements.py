"""Print pyproject.toml's dependencies pinned at their declared minimum (``name>=1.2`` -> ``name==1.2``), for
``make test-min``; ``--with EXTRA`` (repeatable) adds an optional group's packages (``app``, ``report``), and
``--extra NAME`` (repeatable) one package of the ``dev`` extra."""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pinned(requirement: str) -> str:
    """``requirement`` at its lower bound; one without a lower bound is refused (it would not be tested)."""
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+(?:\[[^\]]*\])?)\s*>=\s*([^,;\s]+)\s*(?:#.*)?", requirement)
    if match is None:
        raise SystemExit(f"no lower bound to pin in {requirement!r}: declare one (name>=X.Y)")
    return f"{match.group(1)}=={match.group(2)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--with", dest="groups", action="append", default=[], help="an optional group to pin too")
    parser.add_argument("--extra", action="append", default=[], help="a package of the dev extra to pin too")
    args = parser.parse_args()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    chosen = list(project["dependencies"])
    for group in args.groups:
        chosen += [r for r in project["optional-dependencies"][group] if not r.startswith(project["name"])]
    dev = {re.split(r"[\[<>=~ ]", r, maxsplit=1)[0]: r for r in project["optional-dependencies"]["dev"]}
    for name in args.extra:
        if name not in dev:
            raise SystemExit(f"{name!r} is not in the dev extra ({', '.join(dev)})")
        chosen.append(dev[name])
    print("\n".join(pinned(r) for r in chosen))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
