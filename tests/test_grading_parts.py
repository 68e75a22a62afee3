"""The grader's parts, without running a notebook: the wire format (no pickle, hostile files
refused), the sandbox's command line and its refusal to grade without one, which tests are judged
outside the kernel, how cells are lined up, how a submissions folder is read, and the CSVs."""

from __future__ import annotations

import ast
import copy
import csv
import json
import os
import re
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grading import assignment, autograde, course, keras_wire, runner, sandbox, wire

ROOT = Path(__file__).resolve().parents[1]
QUICK = "02_padding_and_strides"
FIRST = "01_edge_detection"


# --- wire --------------------------------------------------------------------------------------


def test_plain_data_crosses_with_its_types(tmp_path):
    value = [
        (np.arange(6.0).reshape(2, 3), np.float64(2.5), np.bool_(True), np.int32(7)),
        {"stride": 2, "pad": 1, 3: None},
        [1, 2.0, -0.0, float("nan"), float("inf"), 1j, "text", True, 10**30],
        np.zeros((2, 2), dtype=bool),
    ]
    wire.save(value, tmp_path / "v", strict=True)
    back = wire.load(tmp_path / "v")
    assert isinstance(back[0], tuple) and isinstance(back[1], dict) and isinstance(back[2], list)
    np.testing.assert_array_equal(back[0][0], value[0][0])
    assert type(back[0][1]) is np.float64 and back[0][1] == 2.5
    assert type(back[0][2]) is np.bool_ and type(back[0][3]) is np.int32
    assert back[1] == {"stride": 2, "pad": 1, 3: None}
    assert back[2][:3] == [1, 2.0, -0.0] and np.isnan(back[2][3]) and back[2][4] == float("inf")
    assert back[2][5:] == [1j, "text", True, 10**30] and back[3].dtype == bool


def test_what_is_not_plain_data_never_crosses(tmp_path):
    for value in (lambda: 1, np.array([object()]), [open], {"model": object()}):
        with pytest.raises(wire.WireError, match="not plain data"):
            wire.save(value, tmp_path / "v", strict=True)
    wire.save([np.array(["a"]), print], tmp_path / "loose")  # the kernel's side writes it...
    with pytest.raises(wire.WireError, match="not plain data"):
        wire.load(tmp_path / "loose")  # ...the grader refuses it


def test_hostile_files_are_refused(tmp_path):
    node = {"t": "array", "k": "a"}
    (tmp_path / "pickled.json").write_text(json.dumps(node))
    np.save(tmp_path / "a.npy", np.array([object()]), allow_pickle=True)
    with zipfile.ZipFile(tmp_path / "pickled.npz", "w") as archive:
        archive.write(tmp_path / "a.npy", "a.npy")
    with pytest.raises(wire.WireError):
        wire.load(tmp_path / "pickled")  # an object array: loading it would unpickle
    (tmp_path / "zipped.json").write_text(json.dumps(node))
    np.savez_compressed(tmp_path / "zipped.npz", a=np.zeros(10))
    with pytest.raises(wire.WireError, match="compressed"):
        wire.load(tmp_path / "zipped")  # a zip bomb would decompress
    for bad in ("[1, 2", '{"t": "float", "v": "1e" }', '{"t": "os.system"}', '{"t": "array"}'):
        (tmp_path / "bad.json").write_text(bad)
        np.savez(tmp_path / "bad.npz")
        with pytest.raises(wire.WireError):
            wire.load(tmp_path / "bad")
    deep = {"t": "NoneType"}
    for _ in range(wire.MAX_DEPTH + 2):
        deep = {"t": "list", "v": [deep]}
    (tmp_path / "deep.json").write_text(json.dumps(deep))
    with pytest.raises(wire.WireError):
        wire.load(tmp_path / "deep")
    (tmp_path / "link.json").symlink_to("/etc/passwd")
    with pytest.raises(wire.WireError):
        wire.load(tmp_path / "link")
    os.mkfifo(tmp_path / "fifo.json")  # reading it would wait forever
    with pytest.raises(wire.WireError, match="not a regular file"):
        wire.load(tmp_path / "fifo")


# --- Keras objects across the wall (both sides in this process) --------------------------------


def _across(value, tmp_path, sender, receiver, name="v"):
    """``value`` written by one side's codec and read by the other's, as between the processes."""
    wire.save(value, tmp_path / name, codec=sender)
    return wire.load(tmp_path / name, codec=receiver)


def test_a_model_crosses_as_config_and_weights_and_keeps_its_identity(tmp_path):
    keras = pytest.importorskip("keras")
    grader, kernel = keras_wire.GraderCodec(), keras_wire.KernelCodec()
    inputs = keras.Input((6,))
    hidden = keras.layers.BatchNormalization()(keras.layers.Dense(3, activation="relu")(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(hidden))
    model.layers[2].set_weights([np.full((3,), v, np.float32) for v in (2.0, 0.5, 0.1, 4.0)])
    first, again = _across([model, model], tmp_path, kernel, grader)
    assert first is again and first is not model, "the same object twice: one copy here"
    assert [type(layer).__name__ for layer in first.layers] == [
        type(layer).__name__ for layer in model.layers
    ]
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    np.testing.assert_allclose(first(x, training=False), model(x, training=False), atol=1e-6)
    grader.begin_call()
    (back,) = _across([first], tmp_path, grader, kernel, "back")
    assert back is model, "passed back, the kernel gets its own model (a reference)"


def test_a_block_built_on_the_graders_input_keeps_its_history_and_the_tests_initializer(tmp_path):
    keras = pytest.importorskip("keras")
    grader, kernel = keras_wire.GraderCodec(), keras_wire.KernelCodec()
    fill = keras.initializers.Constant(0.25)
    x = keras.Input((5, 5, 2))
    args = _across([x, lambda seed=0: fill], tmp_path, grader, kernel)
    tensor, factory = args
    assert tensor is not x and tuple(tensor.shape) == (None, 5, 5, 2)
    conv = keras.layers.Conv2D(3, 3, padding="same", kernel_initializer=factory(seed=0))
    skip = conv(tensor)
    out = keras.layers.MaxPooling2D()(keras.layers.ReLU()(skip))
    reply = {"graph": kernel.graph((out, skip)), "value": (out, skip)}
    got, got_skip = _across(reply, tmp_path, kernel, grader, "reply")["value"]
    model = keras.Model(x, [got, got_skip])
    names = [type(layer).__name__ for layer in model.layers]
    assert names == ["InputLayer", "Conv2D", "ReLU", "MaxPooling2D"]
    rebuilt = model.layers[1]
    assert rebuilt._inbound_nodes[0].input_tensors[0] is x, "first called on the grader's input"
    assert np.all(rebuilt.get_weights()[0] == 0.25), "the test's initializer, applied here"
    assert model.count_params() == 3 * 3 * 2 * 3 + 3


def test_only_keras_and_course_classes_are_rebuilt(tmp_path):
    keras = pytest.importorskip("keras")
    from utils import face_models

    grader, kernel = keras_wire.GraderCodec(), keras_wire.KernelCodec()

    class Mine(keras.layers.Layer):
        def call(self, x):
            return x

    hostile = [
        keras.layers.Lambda(lambda x: x * 2),
        Mine(),
        keras.layers.Dense(2, activation=lambda x: x),
    ]
    for index, layer in enumerate(hostile):
        model = keras.Sequential([keras.Input((3,)), layer])
        refused = "Python function|only Keras's own|could not rebuild"  # nothing of it runs
        with pytest.raises(wire.WireError, match=refused):
            _across(model, tmp_path, kernel, grader, f"h{index}")
    config = {"module": "os", "class_name": "system", "config": "ls", "registered_name": None}
    with pytest.raises(keras_wire.KerasWireError, match="class system of os"):
        keras_wire.rebuild(json.dumps(config), [], {})
    encoder = face_models.compact_encoder()  # the course's ToGray and L2Normalize layers
    rebuilt = _across(encoder, tmp_path, kernel, grader, "course")
    assert rebuilt.count_params() == encoder.count_params()


def test_a_gradient_computed_in_the_kernel_reaches_the_graders_tape():
    tf = pytest.importorskip("tensorflow")
    anchor, other = tf.Variable([[1.0, 1.0]]), tf.constant([[0.0, 0.0]])
    with tf.GradientTape() as tape:
        assert runner.recording()
        loss = runner.attach_gradient(
            tf.constant(2.2), [anchor, other], [np.array([[2.0, 2.0]], np.float32), None]
        )
    assert not runner.recording()
    gradient, none = tape.gradient(loss, [anchor, other])
    np.testing.assert_array_equal(gradient, [[2.0, 2.0]])
    assert none is None, "not differentiable in the kernel: no gradient here either"


# --- sandbox -----------------------------------------------------------------------------------


def test_the_sandbox_binds_only_the_course_read_only(tmp_path):
    if sandbox.available() is not None:
        pytest.skip(f"no sandbox here: {sandbox.available()}")
    argv = sandbox.bwrap_argv(tmp_path / "scratch", tmp_path / "io")
    for flag in ("--unshare-all", "--die-with-parent", "--new-session", "--clearenv"):
        assert flag in argv
    assert argv[argv.index("--cap-drop") + 1] == "ALL"
    pairs = {(argv[i], argv[i + 1], argv[i + 2]) for i in range(len(argv) - 2)}
    writable = {dest for kind, _, dest in pairs if kind == "--bind"}
    assert writable == {str(tmp_path / "io")}
    tmpfs = {argv[i + 1] for i, flag in enumerate(argv) if flag == "--tmpfs"}
    assert {"/tmp", "/course/notebooks"} <= tmpfs  # private, size-limited scratch
    assert argv.count("--size") == 2
    sources = {src for kind, src, _ in pairs if kind in ("--bind", "--ro-bind")}
    assert str(ROOT) not in sources and str(assignment.NOTEBOOKS) not in sources
    assert str(ROOT / "grading") not in sources and "/" not in sources
    assert ("--ro-bind", str(ROOT / "utils"), "/course/utils") in pairs


def test_without_a_sandbox_autograde_refuses_unless_unsafe(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: "bubblewrap is not installed")
    with pytest.raises(sandbox.SandboxUnavailable, match="refusing.*hidden tests.*gradebook"):
        sandbox.kernel_argv(tmp_path, tmp_path)
    assert sandbox.kernel_argv(tmp_path, tmp_path, unsafe=True)[0] == runner.sys.executable
    (tmp_path / "in" / "ann" / QUICK).mkdir(parents=True)
    with pytest.raises(course.GradingError, match="--unsafe.*student code runs as you"):
        course.autograde(tmp_path / "in", tmp_path / "out")


# --- which tests are trusted -------------------------------------------------------------------


# The notebook variables a trusted test reads (copied out of the kernel as data): nothing else.
STATE = {
    ("07_face_recognition", "img_to_encoding_test"): {"encoder"},
    ("07_face_recognition", "verify_test"): {"enroll_photos", "database", "encoder"},
    ("07_face_recognition", "who_is_it_test"): {"enroll_photos", "database", "encoder"},
    ("08_neural_style_transfer", "train_step_test"): {"generated_image", "LEARNING_RATE"},
}


def test_every_test_is_judged_in_the_grader_reading_only_the_listed_state():
    """A trusted test uses the notebook's imports (built in the grader), its graded functions
    (run in the sandbox) and the variables of :data:`STATE`, each made by an instructor's cell
    before the test that is no solution (so an honest notebook has it when the test runs)."""
    for name in assignment.known():
        task = assignment.load(name)
        assert assignment.TRUSTED.get(name) == set(task.tests), name
        allowed = assignment.imported_names(task.imports) | task.functions
        for test in task.tests.values():
            assert test.trusted
            expected = STATE.get((name, test.name), set())
            assert assignment.free_names(test.source) - allowed == test.state == expected
            before = task.cells[: test.index]
            made = set()
            for cell in before:
                if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get(
                    "solution"
                ):
                    source = assignment.python_of(cell.source)
                    made |= {
                        node.id
                        for node in ast.walk(ast.parse(source))
                        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
                    }
            assert test.state <= made, f"{name} {test.name}: {test.state - made} made nowhere"


def test_the_readme_names_every_test_judged_outside_the_kernel():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## For instructors: grading with nbgrader")[1].split("\n## ")[0]
    for name, tests in assignment.TRUSTED.items():
        for test in tests:
            assert test.removesuffix("_test") in section, f"README: {name} {test}"


# --- lining up cells ---------------------------------------------------------------------------


def _gid(cell: nbformat.NotebookNode) -> str | None:
    return assignment.grade_id(cell)


def test_cells_are_lined_up_with_the_instructors():
    task = assignment.load(QUICK)
    nb = nbformat.read(assignment.NOTEBOOKS / f"{QUICK}.ipynb", 4)
    tests = [c for c in nb.cells if _gid(c) in task.tests]
    nb.cells.remove(tests[2])  # deleted: goes back after the solution it followed
    tests[0].source = "pass"  # edited: the original runs
    result = runner.Result("s", QUICK)
    steps = runner.plan(nb, task, result)
    ids = [_gid(c) for c in nb.cells]
    assert ids.index(tests[2].metadata.nbgrader.grade_id) == ids.index("conv_forward") + 1
    assert nb.cells[ids.index("zero_pad_test")].source == task.tests["zero_pad_test"].public
    assert "BEGIN HIDDEN" not in "".join(c.source for c in nb.cells if _gid(c) in task.tests)
    assert sum(kind == "test" for kind, _, _ in steps) == len(task.tests)
    assert any("zero_pad_test was edited" in flag for flag in result.flags)
    assert any("conv_forward_test was deleted" in flag for flag in result.flags)


def test_a_notebook_of_another_assignment_is_not_graded_and_says_which():
    result = runner.Result("s", FIRST)
    nb = nbformat.read(assignment.NOTEBOOKS / f"{QUICK}.ipynb", 4)
    assert runner.plan(nb, assignment.load(FIRST), result) is None
    assert result.reason == f"this is a notebook of {QUICK}, not {FIRST}"


def test_any_nbformat_version_and_kernel_name_is_read():
    nb = nbformat.read(assignment.NOTEBOOKS / f"{QUICK}.ipynb", 4)
    nb.metadata.kernelspec.name = "conda-env-weird-py"
    old = runner.read_notebook(nbformat.writes(nbformat.convert(copy.deepcopy(nb), 3)))
    assert [c.source for c in old.cells if c.cell_type == "code"] == [
        c.source for c in nb.cells if c.cell_type == "code"
    ]
    assert old.metadata.kernelspec.name == "python3"
    with pytest.raises(nbformat.reader.NotJSONError):
        runner.read_notebook('{"cells": [')


# --- the submissions folder and the books ------------------------------------------------------


def test_every_folder_becomes_a_job_or_a_reason(tmp_path):
    notebook = (assignment.NOTEBOOKS / f"{QUICK}.ipynb").read_text()
    for student in ("bob ", "smith, john", "zoë", ".dot"):
        (tmp_path / student / QUICK).mkdir(parents=True)
        (tmp_path / student / QUICK / f"{QUICK}.ipynb").write_text(notebook)
    (tmp_path / "renamed" / QUICK).mkdir(parents=True)
    (tmp_path / "renamed" / QUICK / "Copy of mine.ipynb").write_text(notebook)
    (tmp_path / "two" / QUICK).mkdir(parents=True)
    for name in ("a.ipynb", "b.ipynb"):
        (tmp_path / "two" / QUICK / name).write_text(notebook)
    (tmp_path / "latin1" / QUICK).mkdir(parents=True)
    (tmp_path / "latin1" / QUICK / f"{QUICK}.ipynb").write_bytes(b'{"cells": "\xe9"}')
    (tmp_path / "empty").mkdir()
    (tmp_path / "stray").mkdir()
    (tmp_path / "stray" / "answers.py").write_text("")
    (tmp_path / "README.txt").write_text("")
    (tmp_path / "ann" / "05_typo").mkdir(parents=True)
    (tmp_path / "linker" / QUICK).mkdir(parents=True)
    (tmp_path / "linker" / QUICK / f"{QUICK}.ipynb").symlink_to(
        assignment.NOTEBOOKS / f"{QUICK}.ipynb"
    )
    jobs, listed = autograde.discover(tmp_path, 10, False)
    graded = {(job["student"], job["assignment"]) for job in jobs}
    assert graded == {(s, QUICK) for s in ("bob ", "smith, john", "zoë", ".dot", "renamed")}
    renamed = next(job for job in jobs if job["student"] == "renamed")
    assert f"graded Copy of mine.ipynb (expected {QUICK}.ipynb)" in renamed["flags"]
    reasons = {(r["student"], r["assignment"]): r["reason"] for r in listed}
    assert "none" not in reasons["two", QUICK] and "a.ipynb, b.ipynb" in reasons["two", QUICK]
    assert "unreadable" in reasons["latin1", QUICK]
    assert reasons["empty", ""] == "empty folder"
    assert "answers.py" in reasons["stray", ""]
    assert "not a student folder" in reasons["README.txt", ""]
    assert "unknown assignment folder '05_typo'" in reasons["ann", "05_typo"]
    assert "is a link: not followed" in reasons["linker", QUICK]
    assert all(r["status"] == "not graded" for r in listed)


def test_the_csvs_keep_names_and_tell_not_graded_from_zero(tmp_path):
    task = assignment.load(QUICK)
    tests = [
        {
            "grade_id": t.name,
            "points": 0.0,
            "max_points": t.points,
            "judged": "trusted",
            "error": "",
        }
        for t in task.tests.values()
    ]
    results = [
        runner.Result("smith, john", QUICK, tests=tests, flags=["a, b"]).data(),
        runner.Result('zoë "z"', QUICK, status="not graded", reason="not a valid notebook").data(),
    ]
    autograde.write_csvs(tmp_path, results)
    with (tmp_path / "grades.csv").open(newline="", encoding="utf-8") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    assert rows["smith, john"]["score"] == "0" and rows["smith, john"]["status"] == "graded"
    assert rows['zoë "z"']["score"] == "" and rows['zoë "z"']["status"] == "not graded"
    assert rows['zoë "z"']["reason"] == "not a valid notebook"
    with (tmp_path / "scores.csv").open(newline="", encoding="utf-8") as file:
        scores = list(csv.DictReader(file))
    assert len(scores) == 2 * len(task.tests)
    assert {r["points"] for r in scores if r["student"] == 'zoë "z"'} == {""}


def test_outputs_are_capped_per_cell_and_per_notebook():
    client = runner.CappedClient(nbformat.v4.new_notebook())
    client.clear_before_next_output = False  # as nbclient sets it before running a cell
    outs: list = []
    message = {
        "msg_type": "stream",
        "content": {"name": "stdout", "text": "x" * 9_000},
        "parent_header": {"msg_id": "m"},
        "header": {"msg_type": "stream"},
    }
    for _ in range(10):
        client.output(outs, message, None, 0)
    kept = "".join(out.get("text", "") for out in outs)
    assert len(kept) < runner.CELL_OUTPUT_CAP + 200 and "output cut by the grader" in kept
    assert re.search(f"x{{{runner.CELL_OUTPUT_CAP}}}", kept)


@pytest.mark.slow
def test_unsafe_grading_runs_without_a_sandbox_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: "bubblewrap is not installed")
    nb = nbformat.read(assignment.NOTEBOOKS / f"{QUICK}.ipynb", 4)
    setup = [c for c in nb.cells if c.cell_type == "code"][:2]  # the setup and imports cells
    nb.cells = setup + [c for c in nb.cells if _gid(c) in ("zero_pad", "zero_pad_test")]
    folder = tmp_path / "in" / "ann" / QUICK
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{QUICK}.ipynb")
    (outcome,) = course.autograde(tmp_path / "in", tmp_path / "out", 60, unsafe=True)
    assert outcome.graded and outcome.points == 1, outcome
    assert "graded WITHOUT a sandbox (--unsafe)" in outcome.flags
    assert any("name 'conv_forward' is not defined" in lost for lost in outcome.lost)
