"""Unit tests of utils.feature_maps: receptive fields, top windows and patches, filter pictures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import feature_maps  # noqa: E402


def gabor(size: int, theta: float, frequency: float = 0.25) -> np.ndarray:
    """An oriented (size, size) Gabor filter: a cosine grating across direction theta."""
    y, x = np.mgrid[0:size, 0:size] - (size - 1) / 2
    across = x * np.cos(theta) + y * np.sin(theta)
    return np.cos(2 * np.pi * frequency * across) * np.exp(-(x**2 + y**2) / (0.3 * size) ** 2)


def test_receptive_fields_of_vgg19():
    import keras

    vgg = keras.applications.VGG19(include_top=False, weights=None)
    fields = feature_maps.receptive_fields(feature_maps.conv_pool_chain(vgg))
    assert fields["block1_conv1"] == (3, 1)
    assert fields["block1_pool"] == (6, 2)
    assert fields["block2_conv1"] == (10, 2)
    assert fields["block3_conv1"] == (24, 4)
    assert fields["block4_conv1"] == (68, 8)
    assert fields["block5_conv1"] == (156, 16)
    assert fields["block5_pool"] == (268, 32)
    with pytest.raises(ValueError, match="bad: kernel and stride"):
        feature_maps.receptive_fields([("bad", 0, 1)])


def test_receptive_fields_of_the_patch_network():
    from utils.patch_features import patch_network

    fields = feature_maps.receptive_fields(feature_maps.conv_pool_chain(patch_network()))
    assert fields == {
        "conv1": (7, 1),
        "pool1": (8, 2),
        "conv2": (12, 2),
        "pool2": (14, 4),
        "conv3": (22, 4),
        "pool3": (26, 8),
        "conv4": (42, 8),
    }


def test_top_patches_finds_the_strongest_distinct_positions():
    images = np.zeros((2, 8, 8, 3), np.float32)
    images[1, 4, 4] = 1.0
    activations = np.zeros((2, 8, 8, 2), np.float32)
    activations[1, 4, 4, 0], activations[1, 4, 5, 0], activations[0, 1, 1, 0] = 5, 4, 3
    patches, values = feature_maps.top_patches(activations, images, 0, field=5, jump=1, k=3)
    assert patches.shape == (3, 5, 5, 3)
    assert values[0] == 5 and values[1] == 3  # (1, 4, 5) is too close to (1, 4, 4)
    np.testing.assert_array_equal(patches[0][2, 2], [1, 1, 1])  # centred on the bright pixel
    assert patches[1][0, 0, 0] == 0.5  # the window around (1, 1) passes the border: grey
    patches, values = feature_maps.top_patches(activations, images, 0, field=3, jump=1, k=2)
    assert list(values) == [5, 4]  # with a 3-pixel field, neighbours are distinct enough
    with pytest.raises(ValueError, match=r"unit must be in \[0, 2\)"):
        feature_maps.top_patches(activations, images, 5, 3, 1)
    with pytest.raises(ValueError, match="must match"):
        feature_maps.top_patches(activations, images[:1], 0, 3, 1)


def test_top_windows_are_in_input_pixels():
    activations = np.zeros((1, 4, 4, 1), np.float32)
    activations[0, 2, 1, 0] = 1.0  # jump 4: the unit's centre is input pixel (2·4 + 1, 1·4 + 1)
    windows, values = feature_maps.top_windows(activations, 0, field=10, jump=4, k=1)
    np.testing.assert_array_equal(windows, [[0, 9 - 5, 5 - 5]])
    assert values.tolist() == [1.0]
    windows, _ = feature_maps.top_windows(activations, 0, field=10, jump=4, k=50)
    assert len(windows) < 16  # neighbours closer than field/2 are skipped
    with pytest.raises(ValueError, match="field, jump and k"):
        feature_maps.top_windows(activations, 0, field=0, jump=1)
    with pytest.raises(ValueError, match=r"expected \(N, h, w, C\)"):
        feature_maps.top_windows(activations[0], 0, field=3, jump=1)


def test_draw_windows_draws_one_rectangle_per_window():
    fig, ax = plt.subplots()
    feature_maps.draw_windows(ax, np.zeros((20, 30, 3)), np.array([[0, 2, 3], [0, -4, 25]]), 10)
    assert len(ax.patches) == 2
    assert ax.patches[0].get_xy() == (2.5, 1.5) and ax.patches[0].get_width() == 10
    with pytest.raises(ValueError, match=r"expected \(k, 2\) or \(k, 3\)"):
        feature_maps.draw_windows(ax, np.zeros((20, 30, 3)), np.zeros((2, 4)), 10)
    plt.close(fig)


def test_filter_grid_keeps_zero_grey_and_signs():
    kernels = np.zeros((3, 3, 3, 5), np.float32)
    kernels[0, 0, 0, 0], kernels[1, 1, 2, 4] = 2.0, -0.5
    grid = feature_maps.filter_grid(kernels, ncols=4, gap=1)
    assert grid.shape == (2 * 4 - 1, 4 * 4 - 1, 3)
    np.testing.assert_allclose(grid[0, 0], [1.0, 0.5, 0.5])  # +max → 1, zero → grey
    np.testing.assert_allclose(grid[4 + 1, 1], [0.5, 0.5, 0.0])  # filter 4: −max → 0
    assert np.all(grid[:, 3] == 1.0)  # the white gap between filters 0 and 1
    with pytest.raises(ValueError, match=r"expected \(k, k, 3, C\)"):
        feature_maps.filter_grid(np.zeros((3, 3, 1, 4)))


def test_orientation_selectivity_separates_edges_from_blobs_and_noise():
    size = 7
    y, x = np.mgrid[0:size, 0:size] - 3
    blob = np.exp(-(x**2 + y**2) / 4.0)
    planes = [gabor(size, t) for t in (0.0, 0.7, np.pi / 2)] + [blob]
    colour = np.array([0.2, -0.5, 0.8])  # a colour-opponent filter counts as well
    kernels = np.stack([p[..., None] * colour for p in planes], axis=-1)
    noise = np.random.default_rng(0).standard_normal((size, size, 3, 200))
    osi = feature_maps.orientation_selectivity(kernels)
    noisy = feature_maps.orientation_selectivity(noise)
    assert osi.shape == (4,) and noisy.shape == (200,)
    assert np.all(osi[:3] > 0.5), osi
    assert osi[3] < 0.05, osi
    assert np.median(noisy) < 0.2 and np.all((noisy >= 0) & (noisy <= 1))
    rotated = feature_maps.orientation_selectivity(np.rot90(kernels, axes=(0, 1)).copy())
    np.testing.assert_allclose(rotated, osi, atol=1e-9)  # a quarter turn changes nothing
    with pytest.raises(ValueError, match="frequencies"):
        feature_maps.orientation_selectivity(kernels, frequencies=(0.7,))
    with pytest.raises(ValueError, match="orientations must be >= 4"):
        feature_maps.orientation_selectivity(kernels, orientations=2)
