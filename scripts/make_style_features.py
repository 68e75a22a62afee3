"""Make the offline feature extractor of notebook 08: a seeded random VGG19, scaled on photos.

Without a network the ImageNet VGG19 weights (80 MB) cannot be had, and training VGG19 on two CPU
cores is out of reach. Notebook 08 therefore uses VGG19's architecture with **random** kernels
whose every channel is **rescaled on the offline photos**: He-normal kernels come from NumPy's
``default_rng(seed)`` (identical on every platform, regenerated in about a second), then, layer
by layer, each channel's pre-activation over the photos (``utils.style.CALIBRATION_PHOTOS`` at
128×128) is made zero-mean and unit-variance (kernel × 1/std, bias −mean/std:
:func:`calibrate_scales`). The notebook
compares it with Keras's default random initialisation on the same content/style pair.

Only the seed and the per-channel scales and biases are stored (a few tens of kilobytes):
``weights/vgg19_scaled_random.npz`` with arrays ``seed``, ``<layer>/scale`` and ``<layer>/bias``
for VGG19's 16 convolutions.

Usage (from the repository root)::

    python -m scripts.make_style_features                 # write the file and its manifest entry
    python -m scripts.make_style_features --no-manifest   # only print the size and SHA-256
"""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path

import numpy as np

import utils
from scripts.shipping import record_shipped
from utils import style

ROOT = Path(__file__).resolve().parent.parent
NAME = style.SCALED_ASSET
FILENAME = f"{NAME}.npz"
HOW = "python -m scripts.make_style_features"
DESCRIPTION = (
    "Offline substitute for VGG19's ImageNet weights (notebook 08): the seed of He-normal random "
    "kernels for VGG19's 16 convolutions (utils.style.random_kernels) and, per output channel, "
    "the scale and bias that make its pre-activation zero-mean and unit-variance on 7 offline "
    "photos at 128×128 (calibrate_scales in scripts/make_style_features.py); loaded by "
    "utils.style.load_vgg19."
)


def write_npz(arrays: dict, path: Path) -> None:
    """``np.savez`` with a fixed timestamp per member, so the same arrays give the same bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key, value in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def calibrate_scales(
    photos: np.ndarray, kernels: dict[str, np.ndarray]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-channel (scale, bias) making every pre-activation zero-mean, unit-variance on ``photos``.

    Layer by layer (data-dependent initialisation, as LSUV): the convolution of the previous
    layer's ReLU output is measured over all photos and positions, and each output channel ``c``
    gets ``scale[c] = 1 / std[c]`` and ``bias[c] = −mean[c] / std[c]``.

    Args:
        photos: (N, H, W, 3) float32 images in [0, 1] (preprocessed inside, as the extractor does).
        kernels: from :func:`utils.style.random_kernels`.
    """
    import tensorflow as tf
    from keras.applications.vgg19 import preprocess_input

    x = tf.constant(preprocess_input(np.asarray(photos, np.float32) * 255.0))
    scales = {}
    for name, _ in style.vgg19_conv_shapes():
        if name.endswith("_conv1") and not name.startswith("block1"):
            x = tf.nn.max_pool2d(x, 2, 2, "VALID")
        z = tf.nn.conv2d(x, kernels[name], 1, "SAME")
        mean = tf.reduce_mean(z, axis=(0, 1, 2))
        std = tf.math.reduce_std(z, axis=(0, 1, 2)) + 1e-6
        scales[name] = ((1.0 / std).numpy(), (-mean / std).numpy())
        x = tf.nn.relu((z - mean) / std)
    return scales


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-manifest", action="store_true", help="do not edit the manifest")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    utils.setup_notebook(seed=args.seed)
    kernels = style.random_kernels(args.seed)
    scales = calibrate_scales(style.calibration_photos(), kernels)
    arrays = {"seed": np.int64(args.seed)}
    for name, (scale, bias) in scales.items():
        arrays[f"{name}/scale"] = scale.astype(np.float32)
        arrays[f"{name}/bias"] = bias.astype(np.float32)
        print(f"{name}: scale median {np.median(scale):.3g}, bias median {np.median(bias):.3g}")
    path = ROOT / "weights" / FILENAME
    write_npz(arrays, path)
    record_shipped(
        path,
        name=NAME,
        description=DESCRIPTION,
        how=HOW,
        update_manifest=not args.no_manifest,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
