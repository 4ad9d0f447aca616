"""Read a rule draft from a git revision without a checkout: ``git:REV`` or ``git:REV:path``."""

from __future__ import annotations

import posixpath
import subprocess
from pathlib import Path

from ..errors import RuleError
from ..language import RuleBook, load_rulebook, load_rulebook_from_texts


def _git(args, cwd) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise RuleError("git is not installed") from None
    if out.returncode != 0:
        detail = (out.stderr.strip().splitlines() or ["failed"])[-1].removeprefix("fatal: ")
        raise RuleError(f"git {args[0]}: {detail}")
    return out.stdout


def load_draft(spec: str, cwd: str | Path = ".") -> RuleBook:
    """A rule directory, or ``git:REV[:path]`` (default path ``rules``) read with git show."""
    if not str(spec).startswith("git:"):
        return load_rulebook(spec)
    parts = str(spec)[4:].split(":", 1)
    rev, path = parts[0], (parts[1] if len(parts) > 1 else "rules").strip("/")
    try:
        return _load(spec, rev, path, cwd)
    except RuleError as exc:
        if exc.file:
            raise
        raise RuleError(f"cannot read the draft {spec!r} from git: {exc.message}") from None


def _load(spec, rev, path, cwd) -> RuleBook:
    root = _git(["rev-parse", "--show-toplevel"], cwd).strip()
    prefix = Path(cwd).resolve().relative_to(Path(root).resolve()).as_posix()  # "." at the top
    full = posixpath.normpath(f"{prefix}/{path}")  # the path as given, from the repository's top
    names = [n for n in _git(["ls-tree", "--name-only", f"{rev}:{full}"], root).splitlines() if n.endswith(".yaml")]
    if not names:
        raise RuleError(f"no rule files at {rev}:{full}")
    texts = {f"{spec}/{n}": _git(["show", f"{rev}:{full}/{n}"], root) for n in names}
    return load_rulebook_from_texts(texts, spec)
