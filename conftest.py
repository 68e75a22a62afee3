"""Test-wide settings: the course runs offline under test (no download is ever attempted).

The environment set here is inherited by the notebook kernels nbval starts, so only settings the
notebooks must share go into ``os.environ``; the plotting backend of the unit tests does not.
Training cells that declare ``# tolerance: ...`` are compared within it
(``tests/nbval_tolerance.py``).
"""

import os

import matplotlib

os.environ["COURSE_OFFLINE"] = "1"
matplotlib.use("Agg")  # unit tests draw off-screen; notebook kernels keep their inline backend

pytest_plugins = ["tests.nbval_tolerance", "pytester"]
