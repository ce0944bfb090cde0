"""The model layer: the simulation itself (actors, rules, clock, random streams, outcomes).

It may import :mod:`sim.scenario` and :mod:`sim.errors`, nothing above them. The public
entry point is :class:`sim.model.model.CeasefireModel`, also exported as ``sim.CeasefireModel``.
"""
