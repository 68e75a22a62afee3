"""Grading the course's exercises: release, sandboxed autograding, trusted judging, the books.

- :mod:`grading.course` — the grading folder, nbgrader's part of it (release, gradebook records),
  and the entry points: ``release``, ``autograde``, ``grade_solutions``;
- :mod:`grading.autograde` — a submissions folder read into jobs (or reasons), the jobs graded in
  this process or on Dask (local or a cluster), results stored, the gradebook and the CSVs;
- :mod:`grading.runner` — one submission: its cells lined up with the instructor's, run in the
  sandbox, its tests judged (trusted ones in the grader), the graded notebook and feedback;
- :mod:`grading.sandbox` — the bubblewrap sandbox a submission's kernel runs in;
- :mod:`grading.wire` — plain data across the sandbox's wall (JSON and ``.npz``, never pickle);
- :mod:`grading.assignment` — what the grader reads from the instructor's notebooks, and which
  tests are judged outside the kernel (``TRUSTED``);
- :mod:`grading.cli` — the command line: ``python -m grading release|autograde|grade-solutions``
  (the Makefile's ``release``, ``autograde`` and ``grade-solutions`` targets).
"""
