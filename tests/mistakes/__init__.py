"""Mistake catalogues: for every graded exercise, typical wrong answers and correct alternatives.

One module per notebook, named for it (``nb01_edge_detection`` for ``01_edge_detection``), holds

- ``CATALOGUE``: a list of :class:`Wrong` and :class:`Right` entries. An entry's ``code`` is what a
  learner puts in the exercise's cell: the definition of the graded function, and of an earlier
  exercise's function too when the entry is about blaming the right exercise;
- optionally ``STATE``: the source of a cell that builds, minimally, the notebook variables the
  tests read (``grading.assignment.Test.state``: a trained model, a dataset), run once after the
  notebook's imports and solutions;
- optionally ``SETUP``: the source of the notebook's plain definitions that a solution needs when
  it is defined (08's ``STYLE_LAYERS``, a default argument), run after the imports and before the
  solutions.

``tests/test_mistakes.py`` runs them: every :class:`Wrong` must fail the exercise's public test
with a message matching ``says``, every :class:`Right` must pass the public and the hidden tests.
They live here, not in ``utils``: ``utils`` ships to learners, and a correct alternative is a
solution.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Wrong:
    """A typical wrong answer: the public test must fail, naming what is wrong.

    Attributes:
        exercise: the ``grade_id`` of the exercise's solution cell, e.g. ``"conv2d"``.
        what: the mistake, in a few words (the test's id).
        code: the learner's cell source.
        says: a regular expression the public test's failure message must match (``re.search``).
    """

    exercise: str
    what: str
    code: str
    says: str


@dataclass(frozen=True)
class Right:
    """A correct answer, often another way than the solution's: public and hidden tests pass.

    Attributes:
        exercise: the ``grade_id`` of the exercise's solution cell.
        what: the alternative, in a few words (the test's id).
        code: the learner's cell source.
    """

    exercise: str
    what: str
    code: str


Entry = Wrong | Right


def notebook_of(module: ModuleType) -> str:
    """The notebook of a catalogue module: ``nb01_edge_detection`` is for ``01_edge_detection``."""
    name = module.__name__.rpartition(".")[2]
    if not (name.startswith("nb") and name[2:4].isdigit()):
        raise ValueError(f"a catalogue module is named nbNN_topic, got {name!r}")
    return name[2:]


def catalogues() -> dict[str, ModuleType]:
    """Every catalogue module of this package, by notebook name, in notebook order."""
    modules = (
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if info.name.startswith("nb")
    )
    return dict(sorted((notebook_of(module), module) for module in modules))
