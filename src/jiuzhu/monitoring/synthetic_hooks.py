"""Synthetic-data helpers that the demo app (``jiuzhu.demo``, top layer) lends to the
``jiuzhu monitor`` command: registered in ``DemoConfig.ready()``, so monitoring never imports
the demo package. Absent when the demo app is not installed.

Names: ``death_file`` (a police death-cancellation feed for people on the demo roll).
"""

from collections.abc import Callable

SYNTHETIC: dict[str, Callable] = {}
