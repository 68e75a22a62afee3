"""The course's package: helpers the notebooks import, and the public tests of the exercises.

Installed by ``make install`` (editable) and, on Colab, by each notebook's setup cell; a wheel
carries ``data/`` and ``weights/`` inside it (``utils.assets``). Import the modules a notebook
needs; none imports TensorFlow at import time except where noted, so :func:`setup_notebook` can
quiet TensorFlow before it loads. One job per module:

- every notebook: :mod:`~utils.notebook` (``setup_notebook``), :mod:`~utils.images` (photos that
  ship in installed packages), :mod:`~utils.plotting`, :mod:`~utils.assets` (data and weights:
  shipped copy, cache, download, substitute), :mod:`~utils.datasets`, :mod:`~utils.model_stats`
  (what a network costs), :mod:`~utils.training`, :mod:`~utils.models`, :mod:`~utils.checks`
  (argument checks whose messages name the argument, what was expected and what was given);
- the public tests: :mod:`~utils.public_tests` (one module per notebook) on
  :mod:`~utils.testing` (the checker: diagnostics, the learner's line, the course's hints);
- detection (06): :mod:`~utils.boxes`, :mod:`~utils.nms`, :mod:`~utils.box_drawing`,
  :mod:`~utils.anchors`, :mod:`~utils.darknet`, :mod:`~utils.yolo`, :mod:`~utils.shapes_dataset`,
  :mod:`~utils.shapes_detector`, :mod:`~utils.detection_metrics`, :mod:`~utils.landmark_dataset`;
- faces (07): :mod:`~utils.face_alignment`, :mod:`~utils.face_identities`, :mod:`~utils.triplets`,
  :mod:`~utils.face_models`, :mod:`~utils.face_metrics`, :mod:`~utils.facenet`, :mod:`~utils.lfw`;
- style and features (08): :mod:`~utils.style`, :mod:`~utils.feature_maps`,
  :mod:`~utils.patch_features`; transfer (09): :mod:`~utils.transfer`; segmentation (10):
  :mod:`~utils.segmentation`.

No solution of a graded exercise lives here (tests/test_notebooks.py checks it).
"""

from utils.notebook import setup_notebook

# The one place the repository's address is kept: the notebooks' badges and setup cells are built
# from it (tools/build_notebooks.py).
REPO_URL = "https://github.com/cnn-course/convnets-keras"

__all__ = ["REPO_URL", "setup_notebook"]
