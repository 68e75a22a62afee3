"""utils.datasets: offline digits and face / not-face sets — shapes, values, splits, arguments.

Most checks load the digits at their native 8×8 (no resizing: fast, and the values can be
compared exactly with scikit-learn's); the default 32×32 load is done once per module. The MNIST
branch is exercised offline with a small fake ``mnist.npz``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import skimage.data
from sklearn.datasets import load_digits as sklearn_digits

from utils import datasets

NOTICE = (
    "mnist: offline (COURSE_OFFLINE=1) — using the offline substitute: scikit-learn's bundled "
    "8×8 digits (1,797 scans), resized\n"
)


@pytest.fixture(scope="module")
def digits32():
    return datasets.load_digits()


@pytest.fixture(scope="module")
def digits8():
    return datasets.load_digits(size=8)


@pytest.fixture(scope="module")
def faces():
    return datasets.load_faces()


@pytest.fixture(scope="module")
def sklearn_bunch():
    return sklearn_digits()


def keys(images: np.ndarray) -> list[bytes]:
    """One hashable key per image (its float32 bytes), to compare sets of images exactly."""
    return [image.astype(np.float32).tobytes() for image in images]


# ------------------------------------------------------------------------------------------------
# load_digits: shapes, dtypes, values
# ------------------------------------------------------------------------------------------------


def test_default_digits_have_the_documented_shapes_and_dtypes(digits32):
    x_train, y_train, x_test, y_test, classes = digits32
    assert x_train.shape == (1437, 32, 32, 1) and x_test.shape == (360, 32, 32, 1)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    assert x_train.dtype == x_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == classes.dtype == np.int64
    np.testing.assert_array_equal(classes, np.arange(10))
    for x in (x_train, x_test):
        assert 0.0 <= x.min() and x.max() <= 1.0
        assert (
            x.max() > 0.9
        )  # ink reaches (nearly) full intensity: the scale is [0, 1], not [0, 1/16]
    assert set(np.unique(y_train)) == set(np.unique(y_test)) == set(range(10))


def test_digits_at_native_size_are_the_scans_divided_by_16(digits8, sklearn_bunch):
    x_train, y_train, x_test, y_test, _ = digits8
    assert x_train.shape == (1437, 8, 8, 1)
    pairs = {
        key: int(label)
        for key, label in zip(keys(sklearn_bunch.images / 16.0), sklearn_bunch.target, strict=True)
    }
    for x, y in ((x_train, y_train), (x_test, y_test)):
        assert np.all(np.isclose(x * 16, np.round(x * 16), atol=1e-5))  # 17 grey levels
        labels = [pairs.get(key) for key in keys(x[..., 0])]
        assert labels == y.tolist()  # each image is a real scan with its own label


def test_three_channels_repeat_the_grey_value(digits8):
    x3 = datasets.load_digits(size=8, channels=3)[0]
    assert x3.shape == (1437, 8, 8, 3) and x3.dtype == np.float32
    np.testing.assert_array_equal(x3, np.repeat(digits8[0], 3, axis=-1))


def test_the_sizes_the_course_uses(digits32):
    x_train, _, x_test, *_ = datasets.load_digits(size=64, channels=3, digits=range(6))
    assert x_train.shape[1:] == x_test.shape[1:] == (64, 64, 3)
    # The split does not depend on the size, and resizing keeps the picture: each 32×32 image,
    # averaged back to 8×8, is nearer to its own scan than to any other in the set.
    x8 = datasets.load_digits(size=8)[0][:200, ..., 0]
    pooled = digits32[0][:200, ..., 0].reshape(-1, 8, 4, 8, 4).mean(axis=(2, 4))
    distances = ((pooled[:, None] - x8[None]) ** 2).sum(axis=(2, 3))
    np.testing.assert_array_equal(distances.argmin(axis=1), np.arange(200))
    assert np.corrcoef(pooled.ravel(), x8.ravel())[0, 1] > 0.95


# ------------------------------------------------------------------------------------------------
# load_digits: the split
# ------------------------------------------------------------------------------------------------


def test_train_and_test_partition_the_1797_scans(digits8, sklearn_bunch):
    x_train, _, x_test, *_ = digits8
    assert len(x_train) + len(x_test) == 1797
    together = sorted(keys(np.concatenate([x_train, x_test])[..., 0]))
    assert together == sorted(keys(sklearn_bunch.images / 16.0))


@pytest.mark.parametrize("test_fraction", [0.2, 0.5, 0.1])
def test_the_split_is_stratified(test_fraction, sklearn_bunch):
    _, y_train, _, y_test, _ = datasets.load_digits(size=8, test_fraction=test_fraction)
    totals = np.bincount(sklearn_bunch.target, minlength=10)
    tested = np.bincount(y_test, minlength=10)
    assert np.all(np.abs(tested - test_fraction * totals) <= 1), (tested, totals)
    np.testing.assert_array_equal(tested + np.bincount(y_train, minlength=10), totals)
    assert len(y_test) == math.ceil(test_fraction * 1797)


def test_the_same_seed_gives_the_same_split_and_another_seed_another(digits8):
    again = datasets.load_digits(size=8, seed=0)
    for a, b in zip(digits8, again, strict=True):
        np.testing.assert_array_equal(a, b)
    other = datasets.load_digits(size=8, seed=1)
    assert set(keys(other[2][..., 0])) != set(keys(digits8[2][..., 0]))
    assert len(other[2]) == len(digits8[2])


def test_one_hot_rows_match_the_integer_labels(digits8):
    _, y_train, _, y_test, classes = datasets.load_digits(size=8, one_hot=True)
    for one_hot, labels in ((y_train, digits8[1]), (y_test, digits8[3])):
        assert one_hot.dtype == np.float32 and one_hot.shape == (len(labels), 10)
        assert set(np.unique(one_hot)) == {0.0, 1.0}
        np.testing.assert_array_equal(one_hot.sum(axis=1), 1.0)
        np.testing.assert_array_equal(one_hot.argmax(axis=1), labels)


def test_a_subset_of_digits_is_relabelled_by_position(sklearn_bunch):
    x_train, y_train, x_test, y_test, classes = datasets.load_digits(size=8, digits=(3, 5, 8))
    np.testing.assert_array_equal(classes, [3, 5, 8])
    assert classes.dtype == np.int64
    assert set(y_train) == set(y_test) == {0, 1, 2}
    images = sklearn_bunch.images / 16.0
    for label, digit in enumerate((3, 5, 8)):
        expected = sorted(keys(images[sklearn_bunch.target == digit]))
        got = keys(x_train[y_train == label][..., 0]) + keys(x_test[y_test == label][..., 0])
        assert sorted(got) == expected, digit
    # The order given is the label order, and one-hot rows have one column per kept digit.
    _, y_rev, _, _, classes_rev = datasets.load_digits(size=8, digits=[8, 3], one_hot=True)
    np.testing.assert_array_equal(classes_rev, [8, 3])
    assert y_rev.shape[1] == 2


def test_digits_accepts_a_range_and_a_numpy_array():
    a = datasets.load_digits(size=8, digits=range(6))
    b = datasets.load_digits(size=8, digits=np.arange(6))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a[4], np.arange(6))


# ------------------------------------------------------------------------------------------------
# load_digits(source="mnist")
# ------------------------------------------------------------------------------------------------


def test_mnist_offline_falls_back_to_the_bundled_digits_with_one_line(
    digits8, monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # no cached mnist.npz either
    got = datasets.load_digits(size=8, source="mnist")
    assert capsys.readouterr().out == NOTICE
    for a, b in zip(got, digits8, strict=True):
        np.testing.assert_array_equal(a, b)


def test_mnist_when_available_uses_its_own_split(monkeypatch, tmp_path, capsys):
    rng = np.random.default_rng(0)
    fake = tmp_path / "mnist.npz"
    np.savez(
        fake,
        x_train=rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
        y_train=np.arange(30) % 10,
        x_test=rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        y_test=np.arange(20) % 10,
    )
    monkeypatch.setattr("utils.assets.resolve", lambda name: fake)
    x_train, y_train, x_test, y_test, classes = datasets.load_digits(
        size=28, digits=(7, 2), source="mnist", test_fraction=0.5
    )
    assert capsys.readouterr().out == ""
    assert x_train.shape == (6, 28, 28, 1) and x_test.shape == (
        4,
        28,
        28,
        1,
    )  # 60,000/10,000 split kept
    np.testing.assert_array_equal(y_train, [1, 0, 1, 0, 1, 0])  # labels 2, 7, 2, ... → positions
    np.testing.assert_array_equal(classes, [7, 2])
    with np.load(fake) as data:
        np.testing.assert_allclose(x_train[0, ..., 0], data["x_train"][2] / 255.0, atol=1e-7)
    assert datasets.load_digits(size=32, source="mnist")[0].shape == (30, 32, 32, 1)


# ------------------------------------------------------------------------------------------------
# load_faces
# ------------------------------------------------------------------------------------------------


def test_faces_have_the_documented_shapes_dtypes_and_classes(faces):
    x_train, y_train, x_test, y_test, classes = faces
    assert x_train.shape == (160, 64, 64, 3) and x_test.shape == (40, 64, 64, 3)
    assert y_train.shape == (160, 1) and y_test.shape == (40, 1)
    assert x_train.dtype == y_train.dtype == x_test.dtype == y_test.dtype == np.float32
    assert classes.tolist() == ["not face", "face"]
    for x in (x_train, x_test):
        assert 0.0 <= x.min() and x.max() <= 1.0
        np.testing.assert_array_equal(x[..., 0], x[..., 2])  # grey crops, repeated
    assert set(np.unique(y_train)) == {0.0, 1.0}
    assert y_train.sum() == 80 and y_test.sum() == 20  # stratified: 20 % of each class


def test_faces_are_the_first_100_crops_of_the_lfw_subset():
    lfw = skimage.data.lfw_subset()
    x_train, y_train, x_test, y_test, _ = datasets.load_faces(size=25)
    first_100 = set(keys(lfw[:100]))
    for x, y in ((x_train, y_train), (x_test, y_test)):
        in_faces = np.array([key in first_100 for key in keys(x[..., 0])])
        np.testing.assert_array_equal(in_faces, y[:, 0] == 1.0)
    assert sorted(keys(np.concatenate([x_train, x_test])[..., 0])) == sorted(keys(lfw))


def test_faces_split_is_deterministic_and_seeded(faces):
    again = datasets.load_faces()
    for a, b in zip(faces, again, strict=True):
        np.testing.assert_array_equal(a, b)
    other = datasets.load_faces(seed=3)
    assert not np.array_equal(other[2], faces[2])
    x_train, _, x_test, y_test, _ = datasets.load_faces(size=16, test_fraction=0.5)
    assert x_train.shape == (100, 16, 16, 3) and x_test.shape == (100, 16, 16, 3)
    assert y_test.sum() == 50


# ------------------------------------------------------------------------------------------------
# Bad arguments: a ValueError that names the argument
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"size": 4}, "size"),
        ({"size": True}, "size"),
        ({"size": 8.0}, "size"),
        ({"size": "32"}, "size"),
        ({"channels": 2}, "channels"),
        ({"channels": 0}, "channels"),
        ({"channels": True}, "channels"),
        ({"digits": []}, "digits"),
        ({"digits": [10]}, "digits"),
        ({"digits": [-1]}, "digits"),
        ({"digits": [1, 1]}, "digits"),
        ({"digits": [1.0, 2.0]}, "digits"),
        ({"digits": [True, False]}, "digits"),
        ({"digits": [[1, 2]]}, "digits"),
        ({"digits": "35"}, "digits"),
        ({"test_fraction": 0}, "test_fraction"),
        ({"test_fraction": 1}, "test_fraction"),
        ({"test_fraction": -0.1}, "test_fraction"),
        ({"test_fraction": float("nan")}, "test_fraction"),
        ({"test_fraction": "x"}, "test_fraction"),
        ({"test_fraction": True}, "test_fraction"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": True}, "seed"),
        ({"seed": "0"}, "seed"),
        ({"source": "foo"}, "source"),
        ({"source": None}, "source"),
    ],
)
def test_load_digits_rejects_bad_arguments_by_name(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}: "):
        datasets.load_digits(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"size": 7}, "size"),
        ({"size": False}, "size"),
        ({"test_fraction": 1.0}, "test_fraction"),
        ({"test_fraction": "0.2"}, "test_fraction"),
        ({"seed": -1}, "seed"),
    ],
)
def test_load_faces_rejects_bad_arguments_by_name(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}: "):
        datasets.load_faces(**kwargs)


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        datasets.load_digits(32)
    with pytest.raises(TypeError):
        datasets.load_faces(64)


# ------------------------------------------------------------------------------------------------
# Known bugs (reported; each test fails today and must start passing once fixed)
# ------------------------------------------------------------------------------------------------


def test_an_int_for_digits_is_a_value_error_naming_digits():
    with pytest.raises(ValueError, match="^digits: "):
        datasets.load_digits(size=8, digits=3)


def test_a_seed_too_large_for_the_split_is_rejected_by_name():
    with pytest.raises(ValueError, match="^seed: "):
        datasets.load_digits(size=8, seed=2**32)


@pytest.mark.parametrize("test_fraction", [0.001, 0.999])
def test_a_test_fraction_too_small_for_every_class_is_rejected_by_name(test_fraction):
    with pytest.raises(ValueError, match="^test_fraction: "):
        datasets.load_digits(size=8, test_fraction=test_fraction)


@pytest.mark.parametrize("channels", [1.0, 3.0])
def test_a_float_channel_count_is_rejected(channels):
    with pytest.raises(ValueError, match="^channels: "):
        datasets.load_digits(size=8, channels=channels)


def test_a_numpy_float32_test_fraction_is_accepted():
    assert len(datasets.load_digits(size=8, test_fraction=np.float32(0.2))[2]) == 360
