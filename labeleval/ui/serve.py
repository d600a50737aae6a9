"""``python -m labeleval.ui.serve SCRIPT [streamlit options] [-- PROJECT]``: ``streamlit run``, made ready first.

``make app`` and ``labeleval app`` start the app through this module. Before the server takes its first
session it

1. imports what every page needs (pandas, PyArrow, NumPy, the Report, the verdict and the document writers),
   so the first session does not wait for them (Streamlit imports nothing of the script before a browser
   connects),
2. stores the opened project's Report in the disk cache (:mod:`labeleval.ui.report_cache`) when it is not
   there yet, with the options a new session starts with, so the first Overview is read, not scored, and
   makes the Overview's verdict, leaderboard and chart from it once (``overview.rehearse``: the first verdict
   of a process takes about 28 ms, later ones 10 ms; the chart's SVG is kept for the first session, and
   vl-convert's start-up, about 0.6 s, is paid here),
3. turns off Streamlit's file watcher (``--server.fileWatcherType none``, unless the command line or
   ``STREAMLIT_SERVER_FILE_WATCHER_TYPE`` chooses one): a tool for reading Reports does not rerun on a saved
   source file, and the watcher costs every new session (it walks the script's folder, for the repository's
   app.py the whole checkout with its .venv, and watches each labeleval module; docs/performance.md), and
4. lets Python's ``inspect`` index the loaded modules once (Streamlit's first element of a process walks the
   call stack to check for a REPL, which maps every module to its file).

Then it hands over to Streamlit's own command line in this process. A project that cannot be scored is left
to the app, which shows its error; ``LABELEVAL_CACHE_DIR=off`` skips step 2.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import sys
import time

from labeleval.errors import LabelevalError
from labeleval.safety import terminal_text

#: Imported before the first session: the modules the Overview needs whether its Report is read or scored.
PRELOAD = (
    "numpy",
    "pandas",
    "pyarrow",
    "labeleval.report",
    "labeleval.project.manifest",
    "labeleval.present.verdict",
    "labeleval.present.render",
    "labeleval.present.cost_chart",
)

#: The app's own modules the first page runs. They declare Streamlit's cached functions, so they are imported here,
#: by name and in this order, once Streamlit's notice about a missing runtime is silenced (a launcher's one job).
AFTER = ("labeleval.ui.state", "labeleval.ui.app", "labeleval.ui.pages.overview")


def project_of(argv: list[str]) -> str | None:
    """The project named after ``--`` (as ``streamlit run SCRIPT -- PROJECT``), else ``LABELEVAL_PROJECT``."""
    if "--" in argv and argv.index("--") + 1 < len(argv):
        return argv[argv.index("--") + 1]
    return os.environ.get("LABELEVAL_PROJECT") or None


def prepare(project: str | None) -> str:
    """Steps 1, 2 and 4 above; a line saying what was done (printed before the server's own lines)."""
    start = time.perf_counter()
    for module in PRELOAD:
        importlib.import_module(module)

    # the app's cached functions are declared before Streamlit's runtime exists: its notice about that is noise
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)

    try:
        state, _, overview = (importlib.import_module(module) for module in AFTER)
        done, report = state.warm_report(project)
        if report is not None:
            overview.rehearse(report)
    except LabelevalError as exc:  # the app shows the error on its first page, with the ledger
        done = f"report cache: not stored ({exc})"
    except Exception as exc:  # never keep the app from starting: its first page reports what went wrong
        done = f"report cache: not stored ({type(exc).__name__})"
    finally:
        logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.NOTSET)
    inspect.stack()  # step 4: fills inspect's module-to-file index the first session would otherwise build
    return f"{done} ({time.perf_counter() - start:.1f} s)"


def without_file_watcher(args: list[str]) -> list[str]:
    """``args`` with ``--server.fileWatcherType none`` before any ``--``, unless a watcher is chosen already."""
    own = args[: args.index("--")] if "--" in args else args
    if any(a.startswith("--server.fileWatcherType") for a in own) or os.environ.get(WATCHER_ENV):
        return args
    return [*own, "--server.fileWatcherType", "none", *args[len(own) :]]


#: Streamlit's environment variable for ``server.fileWatcherType``.
WATCHER_ENV = "STREAMLIT_SERVER_FILE_WATCHER_TYPE"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    print(terminal_text(prepare(project_of(args)), keep_newlines=False), flush=True)  # names from the project
    from streamlit.web import cli as streamlit_cli

    sys.argv = ["streamlit", "run", *without_file_watcher(args)]
    return int(streamlit_cli.main() or 0)


if __name__ == "__main__":
    sys.exit(main())
