"""utils.plotting: what each figure contains (Agg backend, inspected through plt.gcf())."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils.plotting import image_grid, plot_history, show_images, show_matrix

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def close_figures():
    plt.close("all")
    yield
    plt.close("all")


def image_axes(fig):
    """The panels that show an image (empty grid cells and colour bars have none)."""
    return [ax for ax in fig.axes if ax.images]


def colorbars(fig):
    return [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]


# --- show_images -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "ncols", "grid"), [(1, 4, (1, 1)), (3, 2, (2, 2)), (5, 4, (2, 4))]
)
def test_show_images_grid(count, ncols, grid):
    pictures = [RNG.random((6, 7, 3)) for _ in range(count)]
    titles = [f"image {i}" for i in range(count)]
    show_images(pictures, titles, ncols=ncols)
    fig = plt.gcf()
    assert len(plt.get_fignums()) == 1
    shown = image_axes(fig)
    assert len(shown) == count
    assert [ax.get_title() for ax in shown] == titles
    assert len(fig.axes) == grid[0] * grid[1]  # the rest of the grid is empty
    for ax, picture in zip(shown, pictures, strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), picture)
        assert not ax.axison  # no ticks around photos


def test_show_images_figure_size_follows_panel_size():
    show_images([RNG.random((4, 4))] * 3, ncols=2, size=2.5)
    width, height = plt.gcf().get_size_inches()
    assert (width, height) == pytest.approx((5.0, 5.0))


def test_show_images_without_titles_and_with_suptitle():
    show_images([RNG.random((4, 4)), RNG.random((4, 4))], suptitle="Two maps")
    fig = plt.gcf()
    assert [ax.get_title() for ax in image_axes(fig)] == ["", ""]
    assert fig._suptitle is not None and fig._suptitle.get_text() == "Two maps"


def test_image_grid_yields_the_panels_in_use_and_shows_the_figure_once(monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    with image_grid(5, ncols=3, size=2.0, suptitle="five") as (fig, axes):
        assert len(axes) == 5 and not shown
        assert all(not ax.axison for ax in fig.axes)
    assert shown == [fig] and len(fig.axes) == 6
    assert tuple(fig.get_size_inches()) == pytest.approx((6.0, 4.0))
    assert fig._suptitle.get_text() == "five"
    with image_grid(2, ncols=0) as (fig, axes):  # at least one column
        assert len(axes) == 2 and tuple(fig.get_size_inches()) == pytest.approx((3.0, 6.0))


def test_show_images_accepts_an_n_h_w_array():
    stack = RNG.random((3, 5, 6))
    show_images(stack, ["a", "b", "c"], cmap="viridis")
    shown = image_axes(plt.gcf())
    assert len(shown) == 3
    assert [ax.get_title() for ax in shown] == ["a", "b", "c"]
    assert all(ax.images[0].get_cmap().name == "viridis" for ax in shown)
    np.testing.assert_array_equal(shown[1].images[0].get_array(), stack[1])


def test_show_images_accepts_an_n_h_w_3_array_and_single_channel():
    show_images(RNG.random((2, 5, 6, 3)))
    assert len(image_axes(plt.gcf())) == 2
    plt.close("all")
    show_images([RNG.random((5, 6, 1))])
    (ax,) = image_axes(plt.gcf())
    assert ax.images[0].get_array().shape == (5, 6)


def test_show_images_gray_maps_use_gray_by_default():
    show_images([RNG.random((4, 4))])
    (ax,) = image_axes(plt.gcf())
    assert ax.images[0].get_cmap().name == "gray"


def test_signed_uses_diverging_map_and_colorbar_only_for_negative_maps():
    positive = RNG.random((5, 5))
    negative = RNG.random((5, 5)) - 0.5
    colour = RNG.random((5, 5, 3))
    show_images([positive, negative, colour], ["pos", "neg", "rgb"], signed=True)
    fig = plt.gcf()
    by_title = {ax.get_title(): ax for ax in image_axes(fig)}
    assert by_title["pos"].images[0].get_cmap().name == "gray"
    signed_image = by_title["neg"].images[0]
    assert signed_image.get_cmap().name == "RdBu_r"
    vmin, vmax = signed_image.get_clim()
    assert vmin == pytest.approx(-vmax)  # centred on 0
    assert vmax == pytest.approx(np.abs(negative).max())
    assert len(colorbars(fig)) == 1


def test_signed_false_never_adds_a_colorbar():
    show_images([RNG.random((5, 5)) - 0.5])
    fig = plt.gcf()
    assert colorbars(fig) == []
    assert image_axes(fig)[0].images[0].get_cmap().name == "gray"


def test_signed_with_several_negative_maps_gives_one_colorbar_each():
    show_images([-RNG.random((4, 4)), RNG.random((4, 4)) - 0.5, RNG.random((4, 4))], signed=True)
    assert len(colorbars(plt.gcf())) == 2


@pytest.mark.parametrize(
    ("args", "kwargs", "word"),
    [
        (([],), {}, "images"),
        ((np.zeros((0, 4, 4)),), {}, "images"),
        (([np.zeros((4, 4))] * 2, ["only one"]), {}, "titles"),
        (([np.zeros((4, 4))], ["a", "b"]), {}, "titles"),
        (([np.zeros((4, 4, 5))],), {}, "images"),
        (([np.zeros((4, 4)), np.zeros((4,))],), {}, r"images\[1\]"),
        (([np.zeros((4, 4))],), {"ncols": 0}, "ncols"),
        (([np.zeros((4, 4))],), {"ncols": True}, "ncols"),
        (([np.zeros((4, 4))],), {"ncols": 2.0}, "ncols"),
        (([np.zeros((4, 4))],), {"size": 0}, "size"),
        (([np.zeros((4, 4))],), {"size": -1.5}, "size"),
    ],
)
def test_show_images_errors(args, kwargs, word):
    with pytest.raises(ValueError, match=word):
        show_images(*args, **kwargs)
    assert plt.get_fignums() == []  # nothing half-drawn


# --- show_matrix -------------------------------------------------------------------------------


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_show_matrix_writes_every_number():
    matrix = np.array([[1, -2, 3], [0, 5, -6]])
    show_matrix(matrix, "kernel")
    fig = plt.gcf()
    (ax,) = fig.axes
    assert texts(ax) == ["1", "-2", "3", "0", "5", "-6"]
    assert ax.get_title() == "kernel"
    # the numbers sit on their cells
    positions = [t.get_position() for t in ax.texts]
    assert positions[1] == (1, 0)
    assert positions[5] == (2, 1)
    np.testing.assert_array_equal(ax.images[0].get_array(), matrix)


def test_show_matrix_colours_are_centred_on_zero():
    show_matrix(np.array([[0.5, -2.0], [1.0, 0.0]]))
    (ax,) = plt.gcf().axes
    assert ax.images[0].get_clim() == pytest.approx((-2.0, 2.0))


def test_show_matrix_all_zero_does_not_fail():
    show_matrix(np.zeros((2, 2)))
    (ax,) = plt.gcf().axes
    assert texts(ax) == ["0"] * 4


@pytest.mark.parametrize("fmt", ["{:.2f}", "{:g}", "{:.1f}", "{:.0f}"])
def test_show_matrix_never_writes_minus_zero(fmt):
    matrix = np.array([[-1e-4, -0.0, -0.004], [0.5, -1.25, 1e-9]])
    show_matrix(matrix, fmt=fmt)
    (ax,) = plt.gcf().axes
    written = texts(ax)
    assert len(written) == matrix.size
    minus_zero = [text for text in written if re.fullmatch(r"\s*-[0.]+", text)]
    assert minus_zero == []
    assert fmt.format(-1.25) in written  # genuine negatives keep their sign


def test_show_matrix_two_decimals_example():
    show_matrix(np.array([[-0.001, 0.25], [-0.5, 0.0]]), fmt="{:.2f}")
    (ax,) = plt.gcf().axes
    assert texts(ax) == ["0.00", "0.25", "-0.50", "0.00"]


def test_show_matrix_never_writes_minus_zero_with_padded_format():
    show_matrix(np.array([[-0.001]]), fmt="{:6.2f}")
    (ax,) = plt.gcf().axes
    assert "-" not in texts(ax)[0]


def test_show_matrix_into_given_axes_creates_no_figure():
    fig, (left, right) = plt.subplots(1, 2)
    matrix = np.arange(6).reshape(2, 3)
    show_matrix(matrix, "right panel", ax=right)
    assert plt.get_fignums() == [fig.number]
    assert plt.gcf() is fig
    assert len(right.texts) == 6
    assert right.get_title() == "right panel"
    assert len(left.texts) == 0
    assert len(left.images) == 0


def test_show_matrix_max_size_is_accepted():
    show_matrix(np.zeros((20, 20)))
    assert len(plt.gcf().axes[0].texts) == 400


@pytest.mark.parametrize("shape", [(5,), (2, 2, 2), (21, 3), (3, 21)])
def test_show_matrix_shape_errors(shape):
    with pytest.raises(ValueError, match="matrix"):
        show_matrix(np.zeros(shape))
    assert plt.get_fignums() == []


# --- plot_history ------------------------------------------------------------------------------


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_plot_history_from_a_dict_with_validation():
    logs = {"loss": [1.0, 0.5, 0.25], "val_loss": [1.2, 0.7, 0.5], "accuracy": [0.3, 0.6, 0.8]}
    plot_history(logs, ("loss", "accuracy"), title="training")
    fig = plt.gcf()
    left, right = fig.axes
    loss_lines = lines_by_label(left)
    assert set(loss_lines) == {"train", "validation"}
    np.testing.assert_array_equal(loss_lines["train"].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(loss_lines["train"].get_ydata(), logs["loss"])
    np.testing.assert_array_equal(loss_lines["validation"].get_ydata(), logs["val_loss"])
    assert left.get_legend() is not None
    assert left.get_ylabel() == "loss"
    assert left.get_xlabel() == "epoch"
    # no val_accuracy: only the train curve, no legend
    assert set(lines_by_label(right)) == {"train"}
    assert right.get_legend() is None
    assert right.get_ylabel() == "accuracy"
    assert fig._suptitle.get_text() == "training"
    assert left.get_yscale() == "linear"


def test_plot_history_log_scale_and_xlabel():
    plot_history({"loss": [10.0, 1.0, 0.1]}, log=True, xlabel="step")
    (ax,) = plt.gcf().axes
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "step"


def test_plot_history_missing_metric_is_a_key_error_naming_it():
    with pytest.raises(KeyError, match="accuracy"):
        plot_history({"loss": [1.0]}, ["loss", "accuracy"])
    assert plt.get_fignums() == []


@pytest.mark.parametrize("history", [[1.0, 0.5], None, 3, object()])
def test_plot_history_rejects_non_mappings(history):
    with pytest.raises(ValueError, match="history"):
        plot_history(history)


def test_plot_history_accepts_one_metric_name_as_a_string():
    plot_history({"loss": [1.0, 0.5], "accuracy": [0.5, 0.7]}, "accuracy")
    assert len(plt.gcf().axes) == 1


@pytest.fixture(scope="module")
def keras_history():
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((8, 4)).astype("float32")
    y = rng.integers(0, 2, size=(8,))
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, epochs=2, batch_size=4, validation_split=0.25, verbose=0)


def test_plot_history_from_a_keras_history(keras_history):
    plot_history(keras_history, ["loss", "accuracy"])
    fig = plt.gcf()
    assert len(fig.axes) == 2
    for ax, metric in zip(fig.axes, ["loss", "accuracy"], strict=True):
        lines = lines_by_label(ax)
        assert set(lines) == {"train", "validation"}
        np.testing.assert_allclose(lines["train"].get_ydata(), keras_history.history[metric])
        np.testing.assert_allclose(
            lines["validation"].get_ydata(), keras_history.history[f"val_{metric}"]
        )
        np.testing.assert_array_equal(lines["train"].get_xdata(), [1, 2])


def test_plot_history_keras_history_missing_metric(keras_history):
    with pytest.raises(KeyError, match="mae"):
        plot_history(keras_history, ["mae"])


def test_show_matrix_rejects_an_empty_matrix():
    with pytest.raises(ValueError, match="matrix: expected a non-empty 2-D array"):
        show_matrix(np.zeros((0, 0)))
