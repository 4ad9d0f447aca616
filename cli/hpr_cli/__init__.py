"""The ``hpr`` command line: a thin Click layer over :mod:`hpr_rules`."""
