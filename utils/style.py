"""Helpers of notebook 08 (neural style transfer) that are not graded.

- :func:`load_vgg19` — ``keras.applications.VGG19(include_top=False)`` with ImageNet weights when
  they can be had (assets resolver), otherwise with the offline substitute: Keras's default
  initialisation (Glorot-uniform kernels, zero biases) from a fixed seed, regenerated in about a
  second. The candidate it was compared with in notebook 08, He-normal kernels from a NumPy seed
  with every channel rescaled on the offline photos, is ``source="scaled_random"``
  (``weights/vgg19_scaled_random.npz``, made by ``scripts/make_style_features.py``).
- :func:`feature_extractor` — a model from [0, 1] RGB images to the outputs of named layers; an
  unknown layer name is an error that lists the valid ones.
- :func:`prepare_image` / :func:`load_pair` — content and style images of any size and channel
  count (grayscale, RGB, RGBA, uint8 or float) as float32 RGB arrays of one common size.
- :func:`save_png` — write a result under a git-ignored output folder, never over an input image.
- :func:`receptive_fields`, :func:`conv_pool_chain`, :func:`top_patches` — moved to
  :mod:`utils.feature_maps` (what a ConvNet's units see); imported here because notebook 08 still
  imports them from this module.
- :func:`painted_style` — a procedurally painted style image (brush strokes).

TensorFlow is imported only inside the functions that need it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from utils.checks import require_int
from utils.images import CATALOGUE, load_image, resize, to_rgb

SCALED_ASSET = "vgg19_scaled_random"
IMAGENET_ASSET = "vgg19_imagenet_notop"
SEED = 0
# The photos the offline features are scaled on (and the patch search looks through).
CALIBRATION_PHOTOS = ("astronaut", "chelsea", "coffee", "china", "flower", "grace_hopper", "rocket")
CALIBRATION_SIZE = 128
# ImageNet channel means in BGR order, as keras.applications.vgg19.preprocess_input uses them.
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
SOURCES = ("auto", "imagenet", "random", "scaled_random")


# --------------------------------------------------------------------------- the network


def vgg19_conv_shapes() -> list[tuple[str, tuple[int, int, int, int]]]:
    """(name, kernel shape) of VGG19's 16 convolutions, in order (no TensorFlow needed)."""
    shapes, channels = [], 3
    for block, (filters, convs) in enumerate(((64, 2), (128, 2), (256, 4), (512, 4), (512, 4)), 1):
        for index in range(1, convs + 1):
            shapes.append((f"block{block}_conv{index}", (3, 3, channels, filters)))
            channels = filters
    return shapes


def random_kernels(seed: int = SEED) -> dict[str, np.ndarray]:
    """He-normal kernels (std √(2 / fan_in)) for VGG19's convolutions, from ``default_rng(seed)``.

    NumPy's generator gives the same numbers on every platform, so only the per-channel scales
    (a few kilobytes) need to be stored.
    """
    rng = np.random.default_rng(seed)
    kernels = {}
    for name, shape in vgg19_conv_shapes():
        fan_in = shape[0] * shape[1] * shape[2]
        kernel = rng.standard_normal(shape, dtype=np.float32)
        kernels[name] = kernel * np.float32(np.sqrt(2.0 / fan_in))
    return kernels


def load_vgg19(source: str = "auto", *, seed: int = SEED, verbose: bool = True) -> tuple[Any, str]:
    """``keras.applications.VGG19(include_top=False)`` with the weights ``source`` says.

    Args:
        source: ``"imagenet"`` (the asset ``vgg19_imagenet_notop`` through
            :func:`utils.assets.resolve`; an error when it cannot be had), ``"random"`` (the
            offline substitute: Keras's default initialisation — Glorot-uniform kernels, zero
            biases — from ``seed``), ``"scaled_random"`` (seeded He-normal kernels with
            per-channel scales fitted on the offline photos), or ``"auto"``: ImageNet when it
            can be had, else ``"random"``.
        seed: the seed of the ``"random"`` kernels (the global random state is not touched).
        verbose: print one line saying which weights are used.

    Returns:
        (model, used): the VGG19 model (input (None, None, 3), caffe-preprocessed values) and the
        source actually used.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    import keras

    from utils import assets

    used, path = source, None
    if source in ("auto", "imagenet"):
        path = assets.resolve(IMAGENET_ASSET)  # None after one line naming the substitute
        if path is None and source == "imagenet":
            raise FileNotFoundError(f"{IMAGENET_ASSET} could not be had; use source='random'")
        used = "random" if path is None else "imagenet"
    model = keras.applications.VGG19(
        include_top=False, weights=None if used != "imagenet" else str(path)
    )
    if used == "random":
        for index, (name, shape) in enumerate(vgg19_conv_shapes()):
            kernel = keras.initializers.GlorotUniform(seed=seed + index)(shape)
            model.get_layer(name).set_weights([np.asarray(kernel), np.zeros(shape[-1], "float32")])
    if used == "scaled_random":
        stored = np.load(assets.resolve(SCALED_ASSET))
        for name, kernel in random_kernels(int(stored["seed"])).items():
            scale, bias = stored[f"{name}/scale"], stored[f"{name}/bias"]
            model.get_layer(name).set_weights([kernel * scale, bias])
    if verbose:
        text = {
            "imagenet": "ImageNet weights",
            "scaled_random": "seeded He-normal kernels scaled on the offline photos",
            "random": "offline substitute: Keras's default initialisation, fixed seed",
        }[used]
        print(f"VGG19 (include_top=False): {text}")
    return model, used


def feature_extractor(vgg: Any, layer_names: Sequence[str]) -> Any:
    """A model mapping (m, H, W, 3) RGB images in [0, 1] to the outputs of ``layer_names``.

    It returns a list of tensors, one per name, in order (Keras returns the bare tensor when
    there is one name).

    The images are preprocessed inside (× 255, RGB → BGR, minus the ImageNet means), as VGG19
    expects; only the layers up to the deepest requested one are computed.

    Raises:
        ValueError: a name is not a layer of ``vgg``; the message lists the valid names.
    """
    import keras

    if isinstance(layer_names, str) or not len(layer_names):
        raise ValueError(f"layer_names: expected a non-empty list of names, got {layer_names!r}")
    valid = [layer.name for layer in vgg.layers[1:]]
    unknown = [name for name in layer_names if name not in valid]
    if unknown:
        raise ValueError(
            f"{vgg.name} has no layer named {', '.join(map(repr, unknown))}; "
            f"valid names: {', '.join(valid)}"
        )
    inner = keras.Model(vgg.input, [vgg.get_layer(name).output for name in layer_names])
    inputs = keras.Input((None, None, 3))
    bgr = keras.ops.flip(inputs, axis=-1) * 255.0
    outputs = inner(bgr - keras.ops.convert_to_tensor(CAFFE_MEAN_BGR))
    if not isinstance(outputs, list | tuple):  # one layer: Keras returns the bare tensor
        outputs = [outputs]
    return keras.Model(inputs, list(outputs), name="vgg19_features")


# --------------------------------------------------------------------------- images


def prepare_image(image: str | np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """A catalogue name or an image array as float32 RGB (H, W, 3) in [0, 1] of ``size``.

    Accepts (H, W) grayscale, (H, W, 1), (H, W, 3) RGB and (H, W, 4) RGBA (composited on
    white), as uint8, bool or floats in [0, 1].
    """
    array = load_image(image) if isinstance(image, str) else to_rgb(image)
    return np.clip(resize(array, size), 0.0, 1.0).astype(np.float32)


def load_pair(
    content: str | np.ndarray, style: str | np.ndarray, size: int | tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Content and style images as float32 RGB arrays of the same ``size`` (see prepare_image)."""
    return prepare_image(content, size), prepare_image(style, size)


def painted_style(size: int = 256, *, strokes: int = 600, seed: int = 0) -> np.ndarray:
    """A procedurally painted style image: short coloured brush strokes on a toned canvas.

    Returns:
        (size, size, 3) float32 in [0, 1]; the same image for the same arguments.
    """
    size = require_int(size, "size", minimum=16)
    rng = np.random.default_rng(seed)
    palette = np.array(
        [
            [0.95, 0.75, 0.2],
            [0.85, 0.3, 0.15],
            [0.15, 0.3, 0.6],
            [0.1, 0.55, 0.55],
            [0.95, 0.9, 0.8],
        ]
    )
    canvas = np.ones((size, size, 3)) * np.array([0.2, 0.25, 0.45])
    yy, xx = np.mgrid[0:size, 0:size]
    for _ in range(strokes):
        cy, cx = rng.uniform(0, size, 2)
        angle = rng.uniform(0, np.pi) if rng.random() < 0.3 else np.pi / 4 + rng.normal(0, 0.3)
        length, width = rng.uniform(0.04, 0.12) * size, rng.uniform(0.008, 0.02) * size
        u = (xx - cx) * np.cos(angle) + (yy - cy) * np.sin(angle)
        v = -(xx - cx) * np.sin(angle) + (yy - cy) * np.cos(angle)
        mask = np.clip(1.5 - np.hypot(u / length, v / width) * 1.5, 0, 1)[..., None]
        colour = palette[rng.integers(len(palette))] * rng.uniform(0.8, 1.1)
        canvas = canvas * (1 - mask) + np.clip(colour, 0, 1) * mask
    return canvas.astype(np.float32)


def save_png(
    image: np.ndarray,
    filename: str,
    folder: str | os.PathLike[str] = "output",
    *,
    inputs: Sequence[str | os.PathLike[str]] = (),
) -> Path:
    """Save an RGB image in [0, 1] as ``<folder>/<filename>``; the folder is created if needed.

    An existing result of the same name is replaced, but never an input image: ``filename`` must
    be a bare ``*.png`` name, the catalogue photos are never written (they live in packages), and
    a target that is the same file as one of ``inputs`` is refused.

    Args:
        image: (H, W, 3) or (1, H, W, 3) float array in [0, 1] (a tf tensor is fine).
        filename: e.g. ``"astronaut_in_gravel.png"``.
        folder: where results go (git-ignored: ``notebooks/output/``).
        inputs: paths of the input images, which must not be overwritten.

    Returns:
        The path written, relative to the current folder when it lies below it.
    """
    from PIL import Image

    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3 or array.shape[-1] != 3:
        raise ValueError(f"image: expected shape (H, W, 3) or (1, H, W, 3), got {np.shape(image)}")
    if not isinstance(filename, str) or Path(filename).name != filename:
        raise ValueError(f"filename must be a bare file name, got {filename!r}")
    if not filename.lower().endswith(".png"):
        raise ValueError(f"filename must end with .png, got {filename!r}")
    if Path(filename).stem in CATALOGUE:
        raise ValueError(f"{filename!r} is the name of an input photo; choose another name")
    target = Path(folder) / filename
    for path in inputs:
        if Path(path).resolve() == target.resolve():
            raise ValueError(f"refusing to overwrite the input image {os.fspath(path)!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.round(np.clip(np.nan_to_num(array), 0.0, 1.0) * 255).astype(np.uint8)
    Image.fromarray(pixels).save(target)
    try:
        return target.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return target


# --------------------------------------------------------------------------- photos


def calibration_photos(size: int = CALIBRATION_SIZE) -> np.ndarray:
    """The offline photos the substitute's scales are fitted on, (N, size, size, 3) float32."""
    return np.stack([load_image(name, size=size) for name in CALIBRATION_PHOTOS])
