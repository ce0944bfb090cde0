"""The classroom layer: plain-language narration, figures, and the browser dashboard.

Top of the package below the command line: it may import :mod:`sim.experiments`,
:mod:`sim.model` and :mod:`sim.scenario`; nothing below imports it.
"""
