"""Helpers shared by the course notebooks.

Modules (import the ones a notebook needs; none imports TensorFlow at import time except where
noted, so :func:`setup_notebook` can quiet TensorFlow before it loads):

- :mod:`utils.notebook` — ``setup_notebook``: seeds, determinism, threads, logging, plot style.
- :mod:`utils.images` — real photos that ship inside installed packages, loaded by name.
- :mod:`utils.plotting` — image grids, matrices with their numbers, training curves.
- :mod:`utils.testing` — building blocks of the public tests (precise diagnostics).
- :mod:`utils.assets` — named data/weights files: local, cache, download, offline substitute.
- :mod:`utils.public_tests` — the public test of every graded exercise, one module per notebook.
- :mod:`utils.datasets`, :mod:`utils.model_stats`, :mod:`utils.models`, :mod:`utils.training`, and
  one module per topic that needs helpers: :mod:`utils.yolo`, :mod:`utils.detection`,
  :mod:`utils.faces`, :mod:`utils.facenet`, :mod:`utils.style`, :mod:`utils.transfer`,
  :mod:`utils.segmentation`.

No solution of a graded exercise lives here.
"""

from utils.notebook import setup_notebook

# The one place the repository's address is kept: the notebooks' Colab badge and clone line must
# use exactly this value (tests/test_notebooks.py checks it).
REPO_URL = "https://github.com/cnn-course/convnets-keras"

__all__ = ["REPO_URL", "setup_notebook"]
