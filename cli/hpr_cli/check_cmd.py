"""``hpr check`` and ``hpr explain``."""
