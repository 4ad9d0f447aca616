"""The rule language: file models, expressions and the compiler to one IR."""

from ..shipped import default_rules_dir
from .compile import STATUSES, CompiledBook, CompiledRule, Step, compile_book, compile_rule
from .model import RuleBook, load_rule_file, load_rulebook, load_rulebook_from_texts

__all__ = ["STATUSES", "CompiledBook", "CompiledRule", "Step", "compile_book", "compile_rule", "RuleBook",
           "default_rules_dir", "load_rule_file", "load_rulebook", "load_rulebook_from_texts"]
