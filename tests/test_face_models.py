"""utils.face_models: nn4.small2's parameter count, the compact encoder's unit encodings."""

from __future__ import annotations

import numpy as np
import pytest

from utils.face_identities import make_identity_photos
from utils.face_models import compact_encoder, encode, nn4_small2


@pytest.mark.slow
def test_nn4_small2_has_the_course_parameter_count():
    model = nn4_small2()
    assert model.count_params() == 3_743_280
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 3_733_968
    out = np.asarray(model(np.zeros((1, 96, 96, 3), np.float32), training=False))
    assert out.shape == (1, 128) and np.linalg.norm(out) == pytest.approx(1.0, abs=1e-4)
    with pytest.raises(ValueError, match="96, 96, 3"):
        nn4_small2((64, 64, 3))


def test_compact_encoder_outputs_unit_vectors():
    model = compact_encoder()
    x, _ = make_identity_photos([0, 1], 2, seed=0)
    out = encode(model, x)
    assert out.shape == (4, 128)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-4)
