"""One error hierarchy for everything a user can get wrong.

Every error carries the place it refers to (file, line/row, column or key) so the
command line can print one clear line and exit 2 without a traceback.
"""

from __future__ import annotations


class HprError(Exception):
    """Base class of all user-facing errors (bad input, bad rule file, bad scenario)."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 col: int | None = None, key: str | None = None, code: str | None = None,
                 suggestion: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.col = col
        self.key = key
        self.code = code  # a stable kind for machines (hpr_rules.diagnostics), e.g. "expression"
        self.suggestion = suggestion  # what was probably meant (the did-you-mean name)

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        key = f" [{self.key}]" if self.key else ""
        return f"{loc}:{key} {self.message}" if loc else f"{key.strip()} {self.message}".strip()


class InputError(HprError):
    """A data file (personnel export, mapping) that cannot be read as asked."""


class RuleError(HprError):
    """A rule file that does not validate or whose expressions do not compile."""


class ScenarioError(HprError):
    """A scenario file that does not validate."""


def closest(name, choices, cutoff: float = 0.6) -> str | None:
    """The closest of ``choices`` to ``name`` (a likely typo), or None."""
    import difflib
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(name, choices, otherwise: str = "", cutoff: float = 0.6) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices``, else ``otherwise``."""
    close = closest(name, choices, cutoff)
    return f"; did you mean {close!r}?" if close else otherwise
