"""Maintainer tools: the notebook builds (``python -m tools.build_notebooks``)."""
