"""Grading the course's exercises with nbgrader: release, autograde, feedback, score exports.

- :mod:`grading.course` — the nbgrader course directory built around ``notebooks/NN_topic.ipynb``
  and the steps run in it (generate_assignment, autograde, generate_feedback, exports).
- :mod:`grading.cli` — the command line: ``python -m grading release|autograde|grade-solutions``
  (the Makefile's ``release``, ``autograde`` and ``grade-solutions`` targets).
"""
