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
   app.py the whole checkout with its .venv, and watches each labeleval module; docs/performance.md),
4. lets Python's ``inspect`` index the loaded modules once (Streamlit's first element of a process walks the
   call stack to check for a REPL, which maps every module to its file), and
5. starts the fork server that reads uploads in child processes (:mod:`labeleval.ui.isolate`), so the first
   upload does not wait for its imports.

Then it hands over to Streamlit's own command line in this process, with the app's settings
(:func:`app_settings`: listening on 127.0.0.1 only, the upload limit, no tracebacks) as flags. A project that
cannot be scored is left to the app, which shows its error; ``LABELEVAL_CACHE_DIR=off`` skips step 2.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import re
import sys
import time

from labeleval.errors import LabelevalError
from labeleval.limits import current as current_limits
from labeleval.safety import terminal_text
from labeleval.ui import isolate

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
AFTER = ("labeleval.ui.state", "labeleval.ui.app", "labeleval.ui.screens.overview")


#: The logger of Streamlit's cached functions, which warns "No runtime found" when one is declared before the server.
CACHE_LOGGER = "streamlit.runtime.caching.cache_data_api"


class _NoRuntimeNotice(logging.Filter):
    """Drops Streamlit's "No runtime found" notice (the launcher declares the cached functions on purpose)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "No runtime found" not in record.getMessage()


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

    # the app's cached functions are declared before Streamlit's runtime exists: its notice about that is noise (a
    # filter, not a level: importing streamlit sets its loggers' levels)
    quiet = _NoRuntimeNotice()
    logging.getLogger(CACHE_LOGGER).addFilter(quiet)

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
        logging.getLogger(CACHE_LOGGER).removeFilter(quiet)
    inspect.stack()  # step 4: fills inspect's module-to-file index the first session would otherwise build
    return f"{done} ({time.perf_counter() - start:.1f} s)"


def app_settings() -> dict[str, str]:
    """The app's Streamlit settings, shipped with the package (a ``.streamlit/config.toml`` is read only from the
    folder the server starts in, so the repository's would not apply to an installed package):

    - ``server.address`` 127.0.0.1: the app has no login, so it listens on this machine only; ``labeleval app
      --host`` opens it to a network deliberately (docs/security.md: put authentication in front),
    - ``server.maxUploadSize``: ``upload_mb`` (:mod:`labeleval.limits`), so that a larger file is refused from
      its Content-Length before the server reads it,
    - ``server.fileWatcherType`` none (step 3 above), ``server.headless`` (no browser opened on the server),
    - ``server.enableXsrfProtection`` and ``server.enableCORS`` on (Streamlit's defaults, stated so that a
      config file elsewhere cannot turn them off unnoticed),
    - ``client.showErrorDetails`` none: an unexpected error shows no traceback (the app's own errors are
      messages), ``client.toolbarMode`` viewer (no "Deploy" button), ``browser.gatherUsageStats`` off, and
      the light theme.
    """
    return {
        "server.address": "127.0.0.1",
        "server.headless": "true",
        "server.fileWatcherType": "none",
        "server.maxUploadSize": str(current_limits().upload_mb),
        "server.enableXsrfProtection": "true",
        "server.enableCORS": "true",
        "client.showErrorDetails": "none",
        "client.toolbarMode": "viewer",
        "browser.gatherUsageStats": "false",
        "theme.base": "light",
    }


def with_app_settings(args: list[str]) -> list[str]:
    """``args`` with each of :func:`app_settings` as a flag before any ``--``, unless the command line gives that
    option already (``--server.address HOST`` or ``--server.address=HOST``) or its ``STREAMLIT_...`` environment
    variable is set: the caller's choice wins."""
    own = args[: args.index("--")] if "--" in args else args
    added: list[str] = []
    for option, value in app_settings().items():
        flag = f"--{option}"
        if any(a == flag or a.startswith(f"{flag}=") for a in own) or os.environ.get(env_name(option)):
            continue
        added += [flag, value]
    return [*own, *added, *args[len(own) :]]


def env_name(option: str) -> str:
    """Streamlit's environment variable for a config option: ``server.fileWatcherType`` is
    ``STREAMLIT_SERVER_FILE_WATCHER_TYPE``."""
    snake = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", option.replace(".", "_"))
    return f"STREAMLIT_{snake.upper()}"


#: Streamlit's environment variable for ``server.fileWatcherType``.
WATCHER_ENV = env_name("server.fileWatcherType")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    print(terminal_text(prepare(project_of(args)), keep_newlines=False), flush=True)  # names from the project
    from streamlit.web import cli as streamlit_cli

    isolate.start()  # the fork server of the uploads' readers, started before the server's threads
    sys.argv = ["streamlit", "run", *with_app_settings(args)]
    return int(streamlit_cli.main() or 0)


if __name__ == "__main__":
    sys.exit(main())
