"""The function catalogue shipped with the package (functiehuis, as far as the target group goes).

Each physically demanding function names 2-4 *adjacent* functions: less demanding work in
the same unit a person can move to (the escape route of max_function_tenure).
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

CATALOGUE_COLUMNS = ["function_code", "function_title", "family", "unit", "salary_scale",
                     "physically_demanding", "adjacent"]


def load_function_catalogue() -> pd.DataFrame:
    """The function catalogue as a frame; ``adjacent`` is a list of function codes.

    >>> cat = load_function_catalogue()
    >>> bool(cat.loc[cat.function_code == "HHO-BEL", "physically_demanding"].iloc[0])
    True
    """
    with resources.files("hpr_rules.records").joinpath("data/function_catalogue.csv").open("rb") as fh:
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    out = pd.DataFrame({
        "function_code": df["function_code"].astype(object),
        "function_title": df["function_title"].astype(object),
        "family": df["family"].astype(object),
        "unit": df["unit"].astype(object),
        "salary_scale": df["salary_scale"].astype("int64"),
        "physically_demanding": df["physically_demanding"].str.lower().eq("true").astype(bool),
        "adjacent": [[a for a in s.split(";") if a] for s in df["adjacent"]],
    })
    return out[CATALOGUE_COLUMNS]
