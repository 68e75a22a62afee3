"""utils.images: the photo catalogue, conversions and resizing, and their argument errors."""

from __future__ import annotations

import numpy as np
import pytest

from utils import images
from utils.images import CATALOGUE, list_images, load_image, resize, to_float, to_gray

# Original sizes documented in the catalogue, as the notebooks rely on them.
KNOWN_SHAPES = {
    "astronaut": (512, 512, 3),
    "coffee": (400, 600, 3),
    "chelsea": (300, 451, 3),
    "china": (427, 640, 3),
    "grace_hopper": (600, 512, 3),
}
GRAY_SOURCES = ["camera", "brick", "coins", "horse", "text"]


def assert_unit_float(image: np.ndarray) -> None:
    assert image.dtype == np.float32
    assert np.isfinite(image).all()
    assert image.min() >= 0.0
    assert image.max() <= 1.0


# --- the catalogue -----------------------------------------------------------------------------


def test_list_images_is_the_sorted_catalogue():
    names = list_images()
    assert names == sorted(names)
    assert set(names) == set(CATALOGUE)
    assert {"astronaut", "camera", "coffee", "chelsea", "china", "grace_hopper"} <= set(names)


@pytest.mark.parametrize("name", list_images())
def test_every_catalogue_image_loads_offline_as_rgb_float(name):
    image = load_image(name)
    assert image.ndim == 3
    assert image.shape[-1] == 3
    assert min(image.shape[:2]) >= 100  # a real photo, not a placeholder
    assert_unit_float(image)
    assert image.max() > image.min()  # not a blank image


@pytest.mark.parametrize("name", ["astronaut", "camera", "horse", "logo", "grace_hopper"])
def test_gray_load_is_two_dimensional_float(name):
    image = load_image(name, gray=True)
    assert image.ndim == 2
    assert image.shape == load_image(name).shape[:2]
    assert_unit_float(image)


@pytest.mark.parametrize(("name", "shape"), sorted(KNOWN_SHAPES.items()))
def test_original_sizes(name, shape):
    assert load_image(name).shape == shape


def test_camera_original_size_in_gray():
    assert load_image("camera", gray=True).shape == (512, 512)


@pytest.mark.parametrize("name", GRAY_SOURCES)
def test_grayscale_sources_repeat_over_three_equal_channels(name):
    image = load_image(name)
    assert image.shape[-1] == 3
    np.testing.assert_array_equal(image[..., 0], image[..., 1])
    np.testing.assert_array_equal(image[..., 0], image[..., 2])
    # and the gray version is that same channel
    np.testing.assert_allclose(load_image(name, gray=True), image[..., 0], atol=1e-6)


def test_colour_photo_has_distinct_channels():
    image = load_image("astronaut")
    assert not np.array_equal(image[..., 0], image[..., 1])


def test_logo_has_three_channels():
    image = load_image("logo")
    assert image.shape == (500, 500, 3)
    assert_unit_float(image)


def test_rgba_source_is_composited_on_white(monkeypatch):
    # The installed scikit-image logo is fully opaque, so a hand-made RGBA source stands in for it.
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    rgba[0, 0] = (10, 20, 30, 0)  # fully transparent: must become white
    rgba[0, 1] = (255, 0, 0, 255)  # opaque red stays red
    rgba[1, 0] = (0, 0, 0, 51)  # black at alpha 0.2: 0.8 white shows through
    rgba[1, 1] = (0, 0, 255, 255)
    entry = images.CatalogueEntry("test", "a 2×2 RGBA image", lambda: rgba)
    monkeypatch.setitem(CATALOGUE, "logo", entry)
    image = load_image("logo")
    assert image.shape == (2, 2, 3)
    assert image.dtype == np.float32
    np.testing.assert_allclose(image[0, 0], [1.0, 1.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(image[0, 1], [1.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(image[1, 0], [0.8, 0.8, 0.8], atol=1e-6)
    np.testing.assert_allclose(image[1, 1], [0.0, 0.0, 1.0], atol=1e-6)


def test_unknown_name_is_a_key_error_listing_valid_names():
    with pytest.raises(KeyError) as info:
        load_image("astronot")
    message = str(info.value)
    assert "astronot" in message
    for name in list_images():
        assert name in message


# --- size --------------------------------------------------------------------------------------


def test_int_size_gives_a_square():
    image = load_image("chelsea", size=32)
    assert image.shape == (32, 32, 3)
    assert_unit_float(image)


def test_pair_size_is_height_width():
    image = load_image("coffee", size=(20, 30))
    assert image.shape == (20, 30, 3)
    assert_unit_float(image)


def test_size_with_gray():
    image = load_image("camera", size=(16, 24), gray=True)
    assert image.shape == (16, 24)
    assert_unit_float(image)


def test_numpy_int_size_is_accepted():
    assert load_image("camera", size=np.int64(8)).shape == (8, 8, 3)


def test_resize_keeps_the_mean_of_a_photo_roughly():
    image = load_image("astronaut")
    small = load_image("astronaut", size=64)
    np.testing.assert_allclose(small.mean(axis=(0, 1)), image.mean(axis=(0, 1)), atol=0.02)


@pytest.mark.parametrize("size", [0, -3, (0, 5), (5, -1), (3,), (1, 2, 3), True, (True, 4), "ab"])
def test_bad_size_is_a_value_error_naming_size(size):
    with pytest.raises(ValueError, match="size"):
        load_image("camera", size=size)


@pytest.mark.parametrize("size", [0, -3, (3,), True, (4, 4.0)])
def test_resize_bad_size_is_a_value_error_naming_size(size):
    with pytest.raises(ValueError, match="size"):
        resize(np.zeros((4, 4)), size)


@pytest.mark.parametrize("size", [1.5, 32.0])
def test_float_size_is_a_value_error_naming_size(size):
    with pytest.raises(ValueError, match="size"):
        load_image("camera", size=size)


# --- to_float ----------------------------------------------------------------------------------


def test_to_float_uint8_scales_by_255():
    out = to_float(np.array([[0, 51, 255]], dtype=np.uint8))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.0, 0.2, 1.0]], atol=1e-7)


def test_to_float_bool():
    out = to_float(np.array([True, False]))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [1.0, 0.0])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_to_float_float_in_range_is_kept(dtype):
    values = np.array([[0.0, 0.25], [0.5, 1.0]], dtype=dtype)
    out = to_float(values)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, values.astype(np.float32))


def test_to_float_accepts_lists_and_empty_arrays():
    assert to_float([0.0, 1.0]).dtype == np.float32
    assert to_float(np.zeros((0, 3))).shape == (0, 3)


@pytest.mark.parametrize("values", [[-0.1, 0.5], [0.5, 1.5], [0.0, 255.0]])
def test_to_float_rejects_floats_outside_unit_range(values):
    with pytest.raises(ValueError, match="image"):
        to_float(np.array(values))


def test_to_float_rejects_other_integer_dtypes():
    with pytest.raises(ValueError, match="image"):
        to_float(np.array([0, 255], dtype=np.int64))


# --- to_gray -----------------------------------------------------------------------------------


def test_to_gray_uses_bt709_weights():
    rgb = np.array(
        [
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
            [[0.0, 0.0, 1.0], [0.2, 0.4, 0.6]],
        ],
        dtype=np.float32,
    )
    expected = 0.2125 * rgb[..., 0] + 0.7154 * rgb[..., 1] + 0.0721 * rgb[..., 2]
    gray = to_gray(rgb)
    assert gray.shape == (2, 2)
    assert gray.dtype == np.float32
    np.testing.assert_allclose(gray, expected, atol=1e-6)


def test_to_gray_of_white_is_one():
    np.testing.assert_allclose(to_gray(np.ones((3, 3, 3))), 1.0, atol=1e-6)


def test_to_gray_returns_a_2d_image_unchanged():
    gray = np.random.default_rng(0).random((4, 5))
    np.testing.assert_array_equal(to_gray(gray), gray)


@pytest.mark.parametrize("shape", [(4,), (4, 4, 4), (4, 4, 1), (2, 4, 4, 3)])
def test_to_gray_wrong_shape_is_a_value_error(shape):
    with pytest.raises(ValueError, match="image"):
        to_gray(np.zeros(shape))


# --- resize ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "size", "expected"),
    [
        ((10, 12), 5, (5, 5)),
        ((10, 12, 3), (4, 6), (4, 6, 3)),
        ((10, 12, 1), (20, 7), (20, 7, 1)),
    ],
)
def test_resize_output_shape_and_dtype(shape, size, expected):
    out = resize(np.zeros(shape, dtype=np.float64), size)
    assert out.shape == expected
    assert out.dtype == np.float32


@pytest.mark.parametrize("size", [3, (7, 9), (25, 40)])
def test_resize_preserves_a_constant_image(size):
    image = np.full((12, 16, 3), 0.37, dtype=np.float32)
    out = resize(image, size)
    np.testing.assert_allclose(out, 0.37, atol=1e-6)


def test_resize_keeps_the_value_range_of_uint8_input():
    # preserve_range: a uint8 constant image keeps its 0-255 values instead of being rescaled
    out = resize(np.full((8, 8), 200, dtype=np.uint8), 4)
    np.testing.assert_allclose(out, 200.0, atol=1e-4)


@pytest.mark.parametrize("shape", [(2, 4, 4, 3), (5,)])
def test_resize_wrong_rank_is_a_value_error(shape):
    with pytest.raises(ValueError, match="image"):
        resize(np.zeros(shape), 2)


def test_to_float_rejects_nan():
    with pytest.raises(ValueError, match="NaN"):
        to_float(np.array([[0.5, np.nan]]))
