"""Side-by-side benchmark harness: ``python -m bench`` (``--quick`` for a smoke run).

Kept import-free: the contender runner imports this package from the
separate ``.venv-bench`` environment too.
"""
