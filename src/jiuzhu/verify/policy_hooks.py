"""The dated per-area policy parameters the verify rules need (the 低保标准), lent by the policy
app, which sits above verify in the layers: registered in ``PolicyConfig.ready()``, so verify
never imports policy.

``PARAMETERS["for_areas"](name=..., area_codes=..., on=...)`` → {area code: value in force}.
"""

from collections.abc import Callable

PARAMETERS: dict[str, Callable] = {}
