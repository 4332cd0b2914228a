"""The pure policy engine: no Django here (a test asserts it).

expr.py (expression language → Polars), features.py (household features from registry frames),
params.py (typed parameters, inheritance, as-of), programmes.py (programmes as data),
evaluate.py (one plan for one household or the whole registry), hardship.py, simulate.py.
"""
