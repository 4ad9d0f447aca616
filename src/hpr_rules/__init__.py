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
