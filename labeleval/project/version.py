"""The labeleval version, from the installed distribution's metadata (pyproject.toml is the one source): what a
Report records it was scored with and what `labeleval --version` prints."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("labeleval")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
