"""Lawyer workflow: rule test cases, static checks and the behavioural diff of drafts."""
