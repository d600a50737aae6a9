"""``python -m labeleval``: the ``labeleval`` command (:mod:`labeleval.cli.entry`)."""

from labeleval.cli.entry import main

if __name__ == "__main__":
    raise SystemExit(main())
