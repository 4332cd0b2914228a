"""Synthetic-data helpers that the demo app (``jiuzhu.demo``, top layer) lends to the
``jiuzhu funds`` command: registered in ``DemoConfig.ready()``, so funds never imports the
demo package. Absent when the demo app is not installed.

Names: ``accounts_synth`` (synthetic payment accounts, planted errors), ``return_file_for``
(a bank return file for a released payroll), ``funds_demo`` (the demo's accounts and budget).
"""

from collections.abc import Callable

SYNTHETIC: dict[str, Callable] = {}
