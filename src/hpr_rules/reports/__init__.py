"""Reports people read: self-contained HTML with SVG charts, Markdown and Excel, Dutch by default.

Every group of fewer than 5 employees is suppressed (shown as ``<5``), with
complementary suppression where a published total would reveal it. No employee id
or personal row ever appears in a report.
"""

from .render import render, write_report

__all__ = ["render", "write_report"]
