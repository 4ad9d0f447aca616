"""What-if scenarios: a seeded multi-year projection of the workforce under the rules."""

from .model import LoadedScenario, Scenario, load_scenario
from .overrides import with_overrides
from .projection import run_scenario, write_result_json

__all__ = ["LoadedScenario", "Scenario", "load_scenario", "with_overrides", "run_scenario", "write_result_json"]
