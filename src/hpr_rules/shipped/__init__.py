"""The rule drafts and scenarios shipped with the package, and where a command finds them.

The repository keeps them at its top level (``rules/``, ``scenarios/``); the wheel carries
them as ``hpr_rules/shipped/rules`` and ``hpr_rules/shipped/scenarios`` (mapped there in
``pyproject.toml``, no copies in the repository) and they are read through
:mod:`importlib.resources`. An editable install (``pip install -e .``) or a source checkout
reads them from the checkout, two levels above ``src/hpr_rules``.

Which rules a command uses, first that applies:

1. the directory given (``--rules DIR``, ``load_rules(DIR)``, a scenario's ``rules.directory``);
2. ``rules/`` in the current directory, when it holds a draft (its ``state_pension_age.yaml``):
   a working folder made by ``hpr init``, or a checkout of the repository;
3. the drafts shipped with the package.

A scenario named without a path (``hpr scenario run baseline``) is looked up the same way:
``scenarios/NAME.yaml`` in the current directory, else the shipped one.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from ..errors import InputError, ScenarioError, did_you_mean

TREES = ("rules", "scenarios")


def shipped_dir(tree: str) -> Path:
    """The shipped ``rules`` or ``scenarios`` directory of this installation."""
    if tree not in TREES:
        raise ValueError(f"no shipped tree {tree!r}; choose from {', '.join(TREES)}")
    packaged = resources.files(__name__) / tree
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged  # a wheel: the data sits inside the package
    checkout = Path(__file__).resolve().parents[3] / tree  # editable install or source checkout
    if checkout.is_dir():
        return checkout
    raise InputError(f"this installation of hpr-rules has no shipped {tree}/ (reinstall the package)")


def default_rules_dir() -> Path:
    """``./rules`` when it holds a draft, else the shipped drafts (see the module docstring)."""
    from ..language.model import PENSION_FILE
    here = Path.cwd() / "rules"
    if (here / PENSION_FILE).is_file():
        return here
    return shipped_dir("rules")


def scenario_names() -> list[str]:
    """Names of the scenarios a bare name can refer to: ``./scenarios`` and the shipped ones."""
    dirs = [Path.cwd() / "scenarios", shipped_dir("scenarios")]
    return sorted({p.stem for d in dirs if d.is_dir() for p in d.glob("*.yaml")})


def find_scenario(name_or_path: str | Path) -> Path:
    """A scenario file: an existing path as given, else ``NAME`` in ``./scenarios``, else shipped."""
    p = Path(name_or_path)
    if p.is_file():
        return p
    stem = p.name[:-5] if p.name.endswith(".yaml") else p.name
    if p.parent == Path(".") and stem:
        for d in (Path.cwd() / "scenarios", shipped_dir("scenarios")):
            if (d / f"{stem}.yaml").is_file():
                return d / f"{stem}.yaml"
        names = scenario_names()
        raise ScenarioError(f"no scenario file or shipped scenario named {stem!r}"
                            + did_you_mean(stem, names, otherwise=f"; shipped: {', '.join(names)}"),
                            file=str(name_or_path))
    raise ScenarioError("scenario file not found", file=str(name_or_path))


def init_folder(dest: str | Path) -> list[Path]:
    """Copy the shipped drafts (with their tests and alternative drafts) and scenarios into
    ``dest/rules`` and ``dest/scenarios``, for a lawyer to edit; returns the two directories.

    Commands run in ``dest`` then use them (``./rules`` wins over the shipped drafts).
    Refuses to overwrite: an existing ``rules/`` or ``scenarios/`` there is an error.
    """
    dest = Path(dest)
    targets = [dest / t for t in TREES]
    taken = [t for t in targets if t.exists()]
    if taken:
        raise InputError("already exists; choose a new folder or move it away first", file=str(taken[0]))
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for tree, target in zip(TREES, targets):
            shutil.copytree(shipped_dir(tree), target, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]"))
    except OSError as exc:
        raise InputError(f"cannot copy the shipped drafts: {exc.strerror or exc}",
                         file=str(getattr(exc, "filename", None) or dest)) from None
    return targets
