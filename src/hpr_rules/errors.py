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


class DateRangeError(HprError):
    """Date arithmetic of a rule gave a date outside the calendar every engine shares
    (``hpr_rules.calendar.DATE_MIN`` .. ``DATE_MAX``): the run stops, in every engine with
    the same message, naming the rule, the expression and the record.

    The parts are filled in as the error travels up: the expression where it is computed,
    the let or step and the record index in the engine, the rule and the file row by the
    caller that knows them.
    """

    def __init__(self, after: bool, expression: str = "", *, rule: str | None = None,
                 where: str | None = None, record: int | None = None, row=None, employee=None):
        self.after, self.expression, self.rule, self.where = after, expression, rule, where
        self.record, self.row, self.employee = record, row, employee
        super().__init__(self._compose(), code="date-range")

    def __reduce__(self):  # across processes (Dask workers) with every part kept
        return type(self), (self.after, self.expression), dict(self.__dict__)

    def update(self, **parts) -> "DateRangeError":
        """This error with more of its context (only the parts not known yet are set)."""
        for k, v in parts.items():
            if getattr(self, k) is None or getattr(self, k) == "":
                setattr(self, k, v)
        self.message = self._compose()
        self.args = (self.message,)
        return self

    def _compose(self) -> str:
        from .calendar import DATE_MAX, DATE_MIN
        what = self.expression or "date arithmetic"
        side = f"after {DATE_MAX}" if self.after else f"before {DATE_MIN}"
        head = f"rule {self.rule}" if self.rule else ""
        if self.where:
            head = f"{head}, {self.where}" if head else self.where
        who = ""
        if self.row is not None:
            who = f" for row {self.row}" + (f" (employee {self.employee})" if self.employee is not None else "")
        elif self.record is not None:
            who = f" for record {self.record + 1}"
        return (f"{head + ': ' if head else ''}{what} gives a date {side}{who}; dates in rules are bounded "
                f"to {DATE_MIN}..{DATE_MAX}")


def closest(name, choices, cutoff: float = 0.6) -> str | None:
    """The closest of ``choices`` to ``name`` (a likely typo), or None."""
    import difflib
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(name, choices, otherwise: str = "", cutoff: float = 0.6) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices``, else ``otherwise``."""
    close = closest(name, choices, cutoff)
    return f"; did you mean {close!r}?" if close else otherwise
