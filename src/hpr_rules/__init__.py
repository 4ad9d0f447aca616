"""hpr_rules: the HPR employability interventions as data, evaluated by rules engines.

Three interventions for the Haags Personeelsreglement (HPR), physically demanding
functions up to scale 7:

* ``development_obligation`` (doorontwikkelverplichting)
* ``mandatory_pop`` (verplichting opstellen POP)
* ``max_function_tenure`` (maximaliseren functieverblijftijd)

The library never imports Click and never prints; the ``hpr`` command line in
``cli/hpr_cli`` is a thin layer over it.

For notebooks and scripts (see :mod:`hpr_rules.api`)::

    import hpr_rules as hpr
    staff = hpr.generate_population(500, seed=1)
    findings = hpr.check(staff, "2027-03-01")

Importing ``hpr_rules`` is cheap: the verbs load pandas and the engines on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

_API = ("load_rules", "generate_population", "check", "explain", "diff", "run_scenario", "sweep", "as_date",
        "ScenarioRun", "Sweep", "Verdict", "Table", "Explanation", "DraftDiff")
_ERRORS = ("HprError", "InputError", "RuleError", "ScenarioError")

__all__ = ["__version__", "run_timestamp", *_API, *_ERRORS]

if TYPE_CHECKING:
    from .api import (DraftDiff, Explanation, ScenarioRun, Sweep, Table, Verdict, as_date, check, diff, explain,
                      generate_population, load_rules, run_scenario, sweep)
    from .errors import HprError, InputError, RuleError, ScenarioError


def __getattr__(name: str):
    if name in _API:
        from . import api
        return getattr(api, name)
    if name in _ERRORS:
        from . import errors
        return getattr(errors, name)
    raise AttributeError(f"module 'hpr_rules' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


class _Package(type(__import__("sys"))):
    """Importing a submodule binds it as an attribute of its package; ``hpr_rules.explain``
    (the module behind the verb) would then hide the verb ``hpr.explain``. Submodules stay
    reachable through ``import hpr_rules.explain`` (``sys.modules``)."""

    def __setattr__(self, name, value):
        if name in _API and isinstance(value, type(self).__mro__[1]):
            return
        super().__setattr__(name, value)


__import__("sys").modules[__name__].__class__ = _Package


def run_timestamp(explicit: str | None = None) -> str:
    """When a result or report was made: ``explicit`` (``--timestamp``), else the time in
    ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention, so a pipeline can make
    byte-identical reports without a flag), else now."""
    import datetime as dt
    import os
    if explicit:
        return explicit
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None).isoformat()
    return dt.datetime.now().replace(microsecond=0).isoformat()
