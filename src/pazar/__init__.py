"""pazar: a self-hostable server wire-compatible with the OLX partner APIs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pazar")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
