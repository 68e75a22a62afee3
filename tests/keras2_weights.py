"""Write a model's weights the way Keras 2 (``tf.keras``) saved them to HDF5.

The pretrained files the course downloads (VGG19's from Keras, FaceNet's from keras-facenet) are
Keras 2 HDF5 weights files: a root attribute ``layer_names``, and one group per layer whose
``weight_names`` attribute lists its datasets in order. This writer is independent of Keras's own
code, so loading what it writes tests the loaders against the format, not against themselves.
"""

from __future__ import annotations

import h5py
import numpy as np


def write_keras2_weights(path, model, rng, skip=(), reverse=False):
    """Write ``model``'s layers with random values in Keras 2's HDF5 weights layout.

    Returns the values written, by layer name. ``skip`` leaves layers out; ``reverse`` stores
    the layers in reverse order (a by-name loader must not care).
    """
    written = {}
    layers = [layer for layer in model.layers if layer.name not in skip]
    if reverse:
        layers = layers[::-1]
    with h5py.File(path, "w") as stored:
        stored.attrs["layer_names"] = [layer.name.encode() for layer in layers]
        stored.attrs["backend"] = b"tensorflow"
        stored.attrs["keras_version"] = b"2.2.4"
        for layer in layers:
            group = stored.create_group(layer.name)
            names = [f"{layer.name}/{w.name}:0".encode() for w in layer.weights]
            group.attrs["weight_names"] = names
            values = []
            for name, weight in zip(names, layer.weights, strict=True):
                value = rng.normal(0, 0.05, weight.shape).astype(np.float32)
                if "moving_variance" in weight.path:
                    value = np.abs(value) + 1.0
                group.create_dataset(name.decode(), data=value)
                values.append(value)
            written[layer.name] = values
    return written
