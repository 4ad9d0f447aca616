"""One type for every problem found in a rule draft (``hpr rules validate``).

Schema errors, YAML errors, expression errors and the static and temporal checks of
:mod:`hpr_rules.drafts.checks` all become a :class:`Diagnostic`: a place in a file,
a severity, a stable ``code`` a program can filter on, a message a person reads and,
where there is one, a ``suggestion`` (the name that was probably meant).

>>> d = Diagnostic("rules/x.yaml", 3, 14, "error", "expression", "unknown name 'hire_dte'", "hire_date")
>>> str(d)
"rules/x.yaml:3:14: error: unknown name 'hire_dte'"
>>> d.to_dict()["suggestion"]
'hire_date'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .errors import HprError

SEVERITIES = ("error", "warning", "note")


@dataclass(frozen=True)
class Diagnostic:
    file: str | None
    line: int | None
    column: int | None
    severity: str  # error | warning | note
    code: str  # e.g. schema, yaml, expression, parameter-gap, temporal-cliff
    message: str
    suggestion: str | None = None

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")

    def location(self) -> str:
        return ":".join(str(x) for x in (self.file, self.line, self.column) if x is not None)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.severity}: {self.message}" if where else f"{self.severity}: {self.message}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_error(cls, exc: HprError, severity: str = "error", code: str | None = None) -> "Diagnostic":
        """The diagnostic of an error raised while loading (its place, code and suggestion)."""
        return cls(None if exc.file is None else str(exc.file), exc.line, exc.col, severity,
                   code or getattr(exc, "code", None) or "rule-file", exc.message,
                   getattr(exc, "suggestion", None))


def has_errors(diagnostics) -> bool:
    return any(d.severity == "error" for d in diagnostics)


def sort_key(d: Diagnostic):
    return (d.file or "", d.line or 0, d.column or 0, SEVERITIES.index(d.severity), d.code, d.message)


__all__ = ["Diagnostic", "SEVERITIES", "has_errors", "sort_key"]
