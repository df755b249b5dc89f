"""Sources of the project's notebooks.

The ``.ipynb`` files beside this package are generated from the cell sources in
the ``_nb*.py`` modules by ``python -m notebooks._build`` so that they stay
reviewable as plain Python; see the Notebooks section of README.md.
"""
