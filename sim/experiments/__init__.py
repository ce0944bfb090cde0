"""The experiments layer: runs, sweeps, comparisons, their statistics, reports and files.

It may import :mod:`sim.model` and :mod:`sim.scenario`; only :mod:`sim.classroom` and the
command line import it.
"""
