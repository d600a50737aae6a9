"""The launcher's settings: shipped with the package as flags, the caller's own choice winning."""

from __future__ import annotations

import pytest

from labeleval.ui.serve import WATCHER_ENV, app_settings, env_name, with_app_settings


def _value(args: list[str], option: str) -> str | None:
    own = args[: args.index("--")] if "--" in args else args
    for k, arg in enumerate(own):
        if arg == f"--{option}":
            return own[k + 1]
        if arg.startswith(f"--{option}="):
            return arg.split("=", 1)[1]
    return None


@pytest.fixture(autouse=True)
def _no_streamlit_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for option in app_settings():
        monkeypatch.delenv(env_name(option), raising=False)


def test_the_app_listens_on_this_machine_only_with_the_upload_limit_and_no_tracebacks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LABELEVAL_MAX_UPLOAD_MB", "50")
    args = with_app_settings(["app.py", "--server.port", "1", "--", "proj"])
    assert args[:3] == ["app.py", "--server.port", "1"] and args[-2:] == ["--", "proj"]
    assert _value(args, "server.address") == "127.0.0.1"
    assert _value(args, "server.maxUploadSize") == "50"
    assert _value(args, "client.showErrorDetails") == "none"
    assert _value(args, "server.enableXsrfProtection") == "true"
    assert _value(args, "server.fileWatcherType") == "none"
    assert _value(args, "browser.gatherUsageStats") == "false"


def test_the_callers_flag_or_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = with_app_settings(["app.py", "--server.address=0.0.0.0", "--server.fileWatcherType", "auto"])
    assert _value(chosen, "server.address") == "0.0.0.0"
    assert chosen.count("--server.fileWatcherType") == 1 and _value(chosen, "server.fileWatcherType") == "auto"
    after_dashes = with_app_settings(["app.py", "--", "--server.address"])  # the project's argument, not a flag
    assert _value(after_dashes, "server.address") == "127.0.0.1" and after_dashes[-2:] == ["--", "--server.address"]
    assert WATCHER_ENV == "STREAMLIT_SERVER_FILE_WATCHER_TYPE"
    monkeypatch.setenv(WATCHER_ENV, "poll")
    assert _value(with_app_settings(["app.py"]), "server.fileWatcherType") is None
