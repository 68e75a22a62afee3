"""Real labelled faces with a network: scikit-learn's LFW people, or None offline (notebook 07)."""

from __future__ import annotations

import numpy as np

LFW_HOST = "https://ndownloader.figshare.com/files/5976015"


def load_lfw_people(min_faces_per_person: int = 20, timeout: float = 3.0, deadline: float = 600.0):
    """scikit-learn's labelled LFW faces (``fetch_lfw_people``), or None offline.

    With ``COURSE_OFFLINE=1`` the network is never touched; otherwise the download host is probed
    for ``timeout`` seconds first, so an offline machine answers quickly. scikit-learn's fetcher
    has no timeout of its own, so the download runs in a child process that is stopped after
    ``deadline`` seconds (each read may wait ``timeout`` s). Offline, or when the download fails
    or runs out of time, one line says which substitute the notebook uses.

    Returns:
        ``(images, labels, names)`` as ``fetch_lfw_people`` gives them (float32 gray images in
        [0, 1]), or None.
    """
    from utils.assets import offline_notice, offline_reason, within_deadline

    substitute = (
        "the 100 LFW-subset faces of scikit-image, one identity each, with generated photos "
        "(utils.face_identities.make_identity_photos)"
    )
    reason = offline_reason(LFW_HOST, timeout=timeout)
    if reason is None:
        try:
            within_deadline(deadline, _fetch_lfw_people, min_faces_per_person, timeout, True)
            people = _fetch_lfw_people(min_faces_per_person, timeout, False)  # from the cache
        except Exception as err:  # network errors surface as various exception types
            reason = f"download failed: {type(err).__name__}: {err}"
        else:
            images = people.images / (255.0 if people.images.max() > 1.0 else 1.0)
            return images.astype(np.float32), people.target, people.target_names
    offline_notice("lfw_people", reason, substitute)
    return None


def _fetch_lfw_people(min_faces_per_person: int, timeout: float, download: bool):
    """``fetch_lfw_people`` with a socket timeout on every read; the Bunch when not downloading."""
    import socket

    from sklearn.datasets import fetch_lfw_people

    if download:  # in the child process only: the setting is process-wide
        socket.setdefaulttimeout(timeout)
    people = fetch_lfw_people(
        min_faces_per_person=min_faces_per_person, resize=0.5, download_if_missing=download
    )
    return None if download else people
