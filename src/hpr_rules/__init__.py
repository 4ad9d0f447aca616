"""hpr_rules: the HPR employability interventions as data, evaluated by rules engines.

Three interventions for the Haags Personeelsreglement (HPR), physically demanding
functions up to scale 7:

* ``development_obligation`` (doorontwikkelverplichting)
* ``mandatory_pop`` (verplichting opstellen POP)
* ``max_function_tenure`` (maximaliseren functieverblijftijd)

The library never imports Click and never prints; the ``hpr`` command line in
``cli/hpr_cli`` is a thin layer over it.
"""

__version__ = "0.1.0"


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
