"""Make the offline feature extractor of notebook 08: a seeded random VGG19, scaled on photos.

Without a network the ImageNet VGG19 weights (80 MB) cannot be had, and training VGG19 on two CPU
cores is out of reach. Notebook 08 therefore uses VGG19's architecture with **random** kernels
whose every channel is **rescaled on the offline photos**: He-normal kernels come from NumPy's
``default_rng(seed)`` (identical on every platform, regenerated in about a second), then, layer
by layer, each channel's pre-activation over the photos (``utils.style.CALIBRATION_PHOTOS`` at
128×128) is made zero-mean and unit-variance (kernel × 1/std, bias −mean/std). The notebook
compares it with Keras's default random initialisation on the same content/style pair.

Only the seed and the per-channel scales and biases are stored (a few tens of kilobytes):
``weights/vgg19_scaled_random.npz`` with arrays ``seed``, ``<layer>/scale`` and ``<layer>/bias``
for VGG19's 16 convolutions.

Usage (from the repository root)::

    python scripts/make_style_features.py               # write the file and its manifest entry
    python scripts/make_style_features.py --no-manifest   # only print the size and SHA-256
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "vgg19_scaled_random"
FILENAME = f"{NAME}.npz"
DESCRIPTION = (
    "Offline substitute for VGG19's ImageNet weights (notebook 08): the seed of He-normal random "
    "kernels for VGG19's 16 convolutions (utils.style.random_kernels) and, per output channel, "
    "the scale and bias that make its pre-activation zero-mean and unit-variance on 7 offline "
    "photos at 128×128 (utils.style.calibrate_scales); loaded by utils.style.load_vgg19."
)


def write_npz(arrays: dict, path: Path) -> None:
    """``np.savez`` with a fixed timestamp per member, so the same arrays give the same bytes."""
    import numpy as np

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key, value in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-manifest", action="store_true", help="do not edit the manifest")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    import utils

    utils.setup_notebook(seed=args.seed)
    import numpy as np

    from utils import style
    from utils.assets import record_shipped

    kernels = style.random_kernels(args.seed)
    scales = style.calibrate_scales(style.calibration_photos(), kernels)
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
        how="python scripts/make_style_features.py",
        update_manifest=not args.no_manifest,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
