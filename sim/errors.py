"""The one exception class for user errors, turned into one message at the CLI."""

from __future__ import annotations


class ScenarioError(ValueError):
    """Bad input from a user: a file, a key path, what was found and what is allowed.

    The command line prints ``str(error)`` and exits with status 2; nothing else.
    """

    def __init__(self, source: str, path: str, found: str, allowed: str) -> None:
        self.source, self.path, self.found, self.allowed = source, path, found, allowed
        where = f"{source}: {path}" if path else source
        super().__init__(f"{where}: found {found}; allowed: {allowed}")
