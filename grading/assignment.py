"""What the grader knows of an assignment, from the instructor's notebook (never a student's).

- the test cells (``grade_id``, points, source with hidden tests, public source for feedback);
- the functions the solution cells define (the names a test may call in the student's kernel);
- the imports of the notebook's cells (the namespace trusted tests run in, in the grader);
- which tests are judged in the grader (:data:`TRUSTED`) and which still run inside the kernel,
  and the notebook variables each test reads (:attr:`Test.state`).
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager
from nbformat import NotebookNode

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "instructor"  # the instructor notebooks, built from source/ (tools/)
HIDDEN = re.compile(r"\n*### BEGIN HIDDEN TESTS\n.*?### END HIDDEN TESTS\n?", re.S)

# Test cells judged in the grader: the test code runs in the grader's process, the student's
# functions run in the sandbox on the test's inputs, and only plain data comes back
# (grading.wire; Keras models, symbolic tensors and initializers as configs and arrays through
# grading.keras_wire). A test may also read the notebook's variables (Test.state): they are
# copied out of the kernel the same way. Every other test cell runs inside the student's kernel.
# tests/test_grading_parts.py checks that a trusted test reads nothing else of the kernel, and
# make grade-solutions that the instructor's solutions get full marks this way.
TRUSTED: dict[str, frozenset[str]] = {
    "01_edge_detection": frozenset({"conv2d_test", "gradient_magnitude_test", "fit_kernel_test"}),
    "02_padding_and_strides": frozenset(
        {
            "zero_pad_test",
            "conv_single_step_test",
            "conv_forward_test",
            "pool_forward_test",
            "conv_backward_test",
            "create_mask_from_window_test",
            "distribute_value_test",
            "pool_backward_test",
        }
    ),
    "03_lenet5_and_classic_networks": frozenset({"happyModel_test", "LeNet5_test"}),
    "04_residual_networks": frozenset(
        {"identity_block_test", "convolutional_block_test", "ResNet50_test"}
    ),
    "05_inception_and_mobilenet": frozenset(
        {"inception_module_test", "depthwise_separable_block_test", "bottleneck_block_test"}
    ),
    "06_object_detection_yolo": frozenset(
        {
            "yolo_boxes_to_corners_test",
            "yolo_filter_boxes_test",
            "iou_test",
            "yolo_non_max_suppression_test",
            "scale_boxes_test",
            "yolo_eval_test",
        }
    ),
    "07_face_recognition": frozenset(
        {"triplet_loss_test", "img_to_encoding_test", "verify_test", "who_is_it_test"}
    ),
    "08_neural_style_transfer": frozenset(
        {
            "compute_content_cost_test",
            "gram_matrix_test",
            "compute_layer_style_cost_test",
            "compute_style_cost_test",
            "total_cost_test",
            "train_step_test",
        }
    ),
    "09_transfer_learning_and_augmentation": frozenset({"pca_color_augmentation_test"}),
    "10_semantic_segmentation_unet": frozenset(
        {
            "conv_transpose_test",
            "conv_block_test",
            "upsampling_block_test",
            "unet_model_test",
            "mean_iou_test",
        }
    ),
}


def grade_id(cell: NotebookNode) -> str | None:
    """The nbgrader ``grade_id`` of a cell, if it has a well-formed one."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    name = meta.get("grade_id") if isinstance(meta, dict) else None
    return name if isinstance(name, str) else None


@dataclass
class Test:
    """One graded test cell of the instructor's notebook."""

    name: str
    points: float
    source: str  # with the hidden tests
    public: str  # as released: hidden tests removed
    index: int  # position among the instructor notebook's cells
    trusted: bool
    state: frozenset[str] = frozenset()  # the notebook's variables it reads (e.g. a trained model)


@dataclass
class Assignment:
    """The instructor's notebook of one assignment, as the grader uses it."""

    name: str
    cells: list[NotebookNode]
    tests: dict[str, Test]
    locked: dict[str, str]  # grade_id -> source of every locked cell (tests included)
    functions: frozenset[str]  # functions defined by the solution cells
    imports: str  # the import statements of its cells (not the solutions)
    ids: frozenset[str] = field(default_factory=frozenset)  # every grade_id

    @property
    def max_points(self) -> float:
        return sum(test.points for test in self.tests.values())


def free_names(source: str) -> set[str]:
    """Names a cell reads without assigning them (builtins excluded)."""
    tree = ast.parse(source)
    stored, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (stored if isinstance(node.ctx, ast.Store) else loaded).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            stored.add(node.name)
        elif isinstance(node, ast.arg):
            stored.add(node.arg)
    return loaded - stored - set(dir(builtins))


def imported_names(source: str) -> set[str]:
    """Names bound by the import statements of ``source``."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


def python_of(source: str) -> str:
    """A cell's source as plain Python (IPython's ``%magic`` and ``!shell`` lines translated)."""
    return TransformerManager().transform_cell(source)


@cache
def load(name: str) -> Assignment:
    """The assignment ``name`` (a notebook stem), read from :data:`NOTEBOOKS`."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    imports = "\n".join(
        ast.unparse(node)
        for cell in nb.cells
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("solution")
        for node in ast.parse(python_of(cell.source)).body
        if isinstance(node, ast.Import | ast.ImportFrom)
    )
    tests, locked, functions = {}, {}, set()
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        gid = grade_id(cell)
        if gid is None:
            continue
        if meta.get("locked") or meta.get("grade"):
            locked[gid] = cell.source
        if meta.get("solution") and cell.cell_type == "code":
            functions |= {
                node.name
                for node in ast.parse(cell.source).body
                if isinstance(node, ast.FunctionDef | ast.ClassDef)
            }
        if meta.get("grade") and cell.cell_type == "code":
            tests[gid] = Test(
                gid,
                float(meta.get("points", 0)),
                cell.source,
                HIDDEN.sub("\n", cell.source).rstrip() + "\n",
                index,
                gid in TRUSTED.get(name, ()),
            )
    known = imported_names(imports) | functions
    for test in tests.values():
        test.state = frozenset(free_names(test.source) - known)
    return Assignment(
        name,
        nb.cells,
        tests,
        locked,
        frozenset(functions),
        imports,
        frozenset(grade_id(cell) for cell in nb.cells if grade_id(cell)),
    )


def known() -> list[str]:
    """Every assignment: the stems of the instructor's ``NN_topic.ipynb``, in order."""
    return [path.stem for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))]
