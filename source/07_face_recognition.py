# %% [markdown]
# # 07 · Face recognition: one-shot learning, siamese encoders and the triplet loss
#
# > One-shot face recognition: a siamese encoder trained with the triplet loss, then verification and identification.
#
# **Runtime**: CPU, about 20 s on 2 cores (measured, offline); no GPU needed.
#
# A face-recognition door has to work from **one photo per person**: there is no training set with
# hundreds of images of each employee, and new people arrive every week. So instead of a classifier
# with one output per person, the network learns a *similarity*: an encoder $f$ maps a face to a
# 128-number vector, and two photos show the same person when $d(x_1, x_2) = \lVert f(x_1) - f(x_2)\rVert$
# is below a threshold $\tau$. Two problems use it:
#
# - **verification** (1:1) — "is this the person whose badge was swiped?";
# - **recognition** (1:K) — "who among the K enrolled people is this, if anyone?".
#
# **What you will build**
# - Real face detection and alignment (MTCNN) on photos that ship with Python packages.
# - The triplet loss (graded) and FaceNet's inception encoder nn4.small2 (3,743,280 parameters).
# - A compact encoder trained with online semi-hard triplet mining; accuracy, ROC and AUC on
#   identities it never saw, with the threshold chosen on a validation split.
# - `img_to_encoding`, `verify` and `who_is_it` (graded), used on a door database.
# - Why 1:K recognition needs a far lower false-accept rate than 1:1 verification, computed from
#   the measured rate; liveness detection and DeepFace.
# - The binary-classification alternative, compared with the triplet model in one table.
#
# **Data**: offline, the 100 real LFW face crops of scikit-image (`skimage.data.lfw_subset()`, one
# person each) with generated "photos" of each identity (section 3 says exactly how), and
# scikit-image's astronaut and cameraman and matplotlib's Grace Hopper for detection. Weights: the
# compact encoder trained by `scripts/train_face_encoder.py` (`weights/`, 1.3 MB). With a network
# (Colab), section 8 also loads the pretrained FaceNet (Inception-ResNet-v1, checksum-verified) and
# evaluates both encoders on scikit-learn's real labelled LFW people.

# %%
import contextlib
import io
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from utils import face_identities, face_metrics, face_models, facenet, triplets
from utils.assets import resolve
from utils.face_alignment import (
    FaceDetector,
    FaceError,
    align_face,
    extract_face,
    eye_angle,
    prepare_face,
    prepare_faces,
)
from utils.images import load_image
from utils.lfw import load_lfw_people
from utils.model_stats import model_cost
from utils.plotting import show_images
from utils.public_tests.faces import (
    img_to_encoding_test,
    triplet_loss_test,
    verify_test,
    who_is_it_test,
)

notebook_start = time.perf_counter()

# %% [markdown]
# ## 1. Find the face, then straighten it
#
# An encoder compares faces best when they are framed the same way. **MTCNN** (Zhang et al., 2016)
# is a cascade of three small CNNs (P-Net proposes windows over an image pyramid, R-Net rejects most
# of them, O-Net refines the box and finds five landmarks: eyes, nose, mouth corners). Its weights
# ship inside the `mtcnn` wheel, so it runs offline. `utils.face_alignment.align_face` then applies
# the similarity transform (rotation, scale, shift) that puts both eyes on a horizontal line at
# fixed places in a 96×96 crop — the *alignment* step of FaceNet/OpenFace.

# %%
start = time.perf_counter()
detector = FaceDetector(min_confidence=0.9)
print(f"MTCNN ready in {time.perf_counter() - start:.1f} s")

photos = {name: load_image(name) for name in ("astronaut", "camera", "grace_hopper")}
aligned, detections = {}, {}
for name, photo in photos.items():
    aligned[name], detections[name] = extract_face(photo, detector)
    face = detections[name]
    print(f"{name:>12}: {face.describe()}; eye line tilted {eye_angle(face):+.1f}°")

# %%
fig, axes = plt.subplots(1, 6, figsize=(14, 2.8))
for ax, (name, photo) in zip(axes[:3], photos.items(), strict=True):
    face = detections[name]
    x, y, w, h = face.box
    ax.imshow(photo)
    ax.add_patch(plt.Rectangle((x, y), w, h, fill=False, color="lime", lw=2))
    ax.plot(*zip(*face.keypoints.values(), strict=True), "r.", ms=5)
    ax.set_title(f"{name}: detected")
for ax, (name, crop) in zip(axes[3:], aligned.items(), strict=True):
    ax.imshow(crop)
    ax.set_title(f"{name}: aligned 96×96")
for ax in axes:
    ax.axis("off")
plt.show()

# %% [markdown]
# The same detector on the real LFW crops the course trains with (25×25 grayscale, enlarged 4× so
# that the face is above MTCNN's 20-pixel minimum):

# %%
lfw = face_identities.lfw_subset_faces()
crops, titles = [], []
for index in range(6):
    big = np.clip(utils.images.resize(lfw[index], 100), 0.0, 1.0)
    found = detector.detect(big)
    crops += [big, align_face(big, found[0]) if found else np.zeros((96, 96, 3))]
    titles += [f"LFW face {index}", f"aligned ({found[0].confidence:.3f})" if found else "no face"]
show_images(crops, titles, ncols=6, size=2.0)

# %% [markdown]
# **Bad input gives a clear message.** A photo with no face, with two faces, a tiny array or a
# wrong shape raises `FaceError`/`ValueError` with what went wrong; grayscale, RGBA, uint8 or float
# photos of any size are converted (`utils.images.to_rgb`, `prepare_face`).

# %%
astronaut = photos["astronaut"]
two_people = np.concatenate([astronaut, utils.images.resize(photos["grace_hopper"], 512)], axis=1)
rgba = np.concatenate([astronaut, np.ones((512, 512, 1), np.float32)], axis=-1)
cases = {
    "no face (coffee)": load_image("coffee"),
    "two faces": two_people,
    "grayscale (camera, 2-D)": load_image("camera", gray=True),
    "RGBA astronaut": rgba,
    "a 1×1 image": np.zeros((1, 1, 3)),
    "a 4-D array": np.zeros((2, 8, 8, 3)),
}
for what, image in cases.items():
    try:
        crop, face = extract_face(image, detector)
        print(f"{what}: one face, confidence {face.confidence:.3f}, crop {crop.shape}")
    except (FaceError, ValueError) as err:
        print(f"{what}: {type(err).__name__}: {err}")
print("prepare_face, 512×512 uint8 photo →", prepare_face((astronaut * 255).astype(np.uint8)).shape)

# %% [markdown]
# ## 2. The encoder: FaceNet's nn4.small2
#
# FaceNet (Schroff et al., 2015) trains a deep CNN whose last layer is a 128-unit dense layer
# followed by **L2 normalisation**: every encoding lies on the unit sphere, so
# $\lVert f(x_1) - f(x_2)\rVert \in [0, 2]$. The course's model is OpenFace's **nn4.small2**, an
# Inception network for 96×96 faces: a convolutional stem, inception blocks 3a–5b (the `inception_module`
# of notebook 05 with 1×1 bottlenecks; 3b, 4a and 5a use *L2 pooling*, $\sqrt{\sum x^2}$ over each
# window, and 3c and 4e halve the size), average pooling, dense 128, L2 normalisation.
# `utils.face_models.nn4_small2()` builds it channels-last:

# %%
start = time.perf_counter()
nn4 = face_models.nn4_small2()
trainable = sum(int(np.prod(w.shape)) for w in nn4.trainable_weights)
frozen = sum(int(np.prod(w.shape)) for w in nn4.non_trainable_weights)
print(f"nn4.small2: input {tuple(nn4.input.shape)}, output {tuple(nn4.output.shape)}")
print(f"parameters: {nn4.count_params():,} = {trainable:,} trainable + {frozen:,} BN statistics")
for layer in nn4.layers:
    if layer.name.endswith("concat") or layer.name in ("pool2", "avgpool"):
        print(f"  after {layer.name:>9}: {tuple(layer.output.shape[1:])}")
print(f"multiplications per face: {model_cost(nn4)['macs']:,}")
encoding = nn4(np.stack([aligned["astronaut"], aligned["grace_hopper"]]), training=False)
print("encoding lengths ‖f(x)‖ with random weights:", np.round(np.linalg.norm(encoding, axis=1), 3))
print(f"built and run in {time.perf_counter() - start:.1f} s")

# %% [markdown]
# That is exactly the course's **3,743,280**: Keras counts a batch-normalisation layer's moving
# mean and variance as (non-trainable) parameters, 2 × 4,656 = 9,312 of them; the trainable count,
# 3,733,968, is the one OpenFace reports (3.7M). Other ports differ when they drop the biases of the
# convolutions that feed a batch normalisation (redundant there: −4,656, one per filter, giving
# 3,738,624), count only trainable weights, or change the head; LRN and L2 pooling have no weights.
#
# Training nn4.small2 well takes millions of labelled faces and GPU days (FaceNet: 200M images;
# OpenFace: 500k), more than a laptop CPU and this offline course have. The course instead trains
# `face_models.compact_encoder()` — the same recipe (CNN → dense 128 → L2 normalisation, triplet
# loss) at 32×32 with 12× fewer parameters:

# %%
encoder = face_models.compact_encoder()
cost = model_cost(encoder)
print(f"compact encoder: {cost['params']:,} parameters, {cost['macs']:,} multiplications per face")
print(f"nn4.small2 has {nn4.count_params() / cost['params']:.1f}× the parameters")


# %% [markdown]
# ## 3. The triplet loss
#
# Training looks at three faces at a time: an **anchor** $A$, a **positive** $P$ (same person) and a
# **negative** $N$ (someone else). We want the anchor closer to the positive than to the negative by
# at least a margin $\alpha$:
#
# $$ \lVert f(A) - f(P)\rVert_2^2 + \alpha \le \lVert f(A) - f(N)\rVert_2^2 . $$
#
# The loss of one triplet is how much this is violated, and the cost sums it over the $m$ triplets:
#
# $$ \mathcal{J} = \sum_{i=1}^{m} \max\Big(\underbrace{\lVert f(A^{(i)}) - f(P^{(i)})\rVert_2^2}_{(1)} - \underbrace{\lVert f(A^{(i)}) - f(N^{(i)})\rVert_2^2}_{(2)} + \alpha,\; 0\Big). $$
#
# Without $\alpha$ the network could win by mapping every face to the same point ($0 - 0 \le 0$).
#
# ### Exercise 1 — `triplet_loss` (3 points)
#
# `y_pred` is `(anchor, positive, negative)`, each of shape $(m, 128)$ (`y_true` is unused, Keras
# losses take it). 1) squared distance anchor–positive, summed over the last axis; 2) the same for
# anchor–negative; 3) $(1) - (2) + \alpha$; 4) the hinge `tf.maximum(·, 0.0)` and `tf.reduce_sum`
# over the examples.

# %% solution="triplet_loss"
def triplet_loss(y_true, y_pred, alpha=0.2):
    """Triplet loss of FaceNet (Schroff et al., 2015), summed over the triplets.

    Arguments:
    y_true -- true labels, required by Keras losses; unused here
    y_pred -- (anchor, positive, negative), each of shape (m, 128): the encodings
    alpha -- the margin α

    Returns:
    loss -- scalar tensor, Σ_i max(‖A_i − P_i‖² − ‖A_i − N_i‖² + α, 0)
    """
    anchor, positive, negative = y_pred[0], y_pred[1], y_pred[2]
    ### BEGIN SOLUTION
    pos_dist = tf.reduce_sum(tf.square(tf.subtract(anchor, positive)), axis=-1)
    neg_dist = tf.reduce_sum(tf.square(tf.subtract(anchor, negative)), axis=-1)
    basic_loss = tf.add(tf.subtract(pos_dist, neg_dist), alpha)
    loss = tf.reduce_sum(tf.maximum(basic_loss, 0.0))
    ### END SOLUTION
    return loss


# %% tests="triplet_loss_test" points=3
triplet_loss_test(triplet_loss)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(7)
_a, _p, _n = (_rng.standard_normal((5, 128)).astype("float32") for _ in range(3))
_expected = np.maximum(((_a - _p) ** 2).sum(1) - ((_a - _n) ** 2).sum(1) + 0.2, 0).sum()
assert abs(float(triplet_loss(None, (_a, _p, _n))) - _expected) < 1e-3 * max(1, _expected), (
    "5 random triplets of 128-d encodings: the loss differs from Σ max(‖A−P‖² − ‖A−N‖² + 0.2, 0)"
)
_x = tf.constant(_a)
with tf.GradientTape() as _tape:
    _tape.watch(_x)
    _loss = triplet_loss(None, (_x, tf.constant(_p), tf.constant(_n)))
assert _tape.gradient(_loss, _x) is not None, "triplet_loss must be differentiable (use tf ops)"
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Identity-labelled faces, made offline
#
# Triplets need several photos of each person. scikit-image ships 100 real face crops from LFW
# (Labeled Faces in the Wild) — but **one photo per person and no names**, and no other labelled
# face set is installed (scikit-learn's `fetch_lfw_people` downloads). So the course makes its own
# identity set, `utils.face_identities.make_identity_photos`:
#
# - **identity** = one of the 100 real LFW-subset crops (each a different person);
# - **a photo** of that identity = a fresh random draw of *pose* (rotation ±10°, scale 0.92–1.08,
#   shift ±6%, mirror ½) and *camera* (contrast ×0.7–1.3, brightness ±0.12, gamma 0.75–1.35, blur
#   σ ≤ 0.8 px, sensor noise σ ≤ 0.03) applied to the crop, at 32×32 (seeded: byte-identical on
#   every run).
#
# The 100 identities are split once (`split_identities(seed=0)`) into **60 for training, 20 for
# validation** (choosing the threshold) **and 20 for testing** — the test people are never seen in
# training. This is easier than real life (the same face under new pose and light, not a new day,
# age, hairstyle or expression), so the numbers below measure the method on this set, not a face ID
# product; section 8 runs the same code on real LFW people when a network is available.

# %%
train_ids, val_ids, test_ids = face_identities.split_identities(seed=face_identities.SPLIT_SEED)
print(f"identities: {len(train_ids)} train, {len(val_ids)} validation, {len(test_ids)} test")
print("test identities:", test_ids.tolist())
shown, labels = face_identities.make_identity_photos(train_ids[:4], 6, seed=7)
show_images(shown, [f"identity {i}" for i in labels], ncols=6, size=1.5)

# %% [markdown]
# ## 5. Training with online semi-hard triplet mining
#
# Random triplets are mostly too easy ($d(A,N) \gg d(A,P) + \alpha$, zero loss, nothing learned).
# FaceNet chooses them **online**, inside each batch: a batch holds $P = 16$ people × $K = 4$ photos;
# every (anchor, positive) pair of the batch is used, with the **semi-hard** negative — the closest
# negative that is still farther than the positive,
#
# $$ d(A,P) < d(A,N) < d(A,P) + \alpha , $$
#
# (or the farthest negative when none is farther). The hardest negatives of all are avoided early:
# they make the encoder collapse. `utils.triplets.semihard_triplet_loss` computes all pairwise
# distances of the batch and picks them with masks; `utils.triplets.train_triplet_encoder` runs Adam
# on it (and `scripts/train_face_encoder.py` ships what it trains).
#
# A short run from scratch (2 epochs of 15 batches) shows the loss falling; the shipped weights come
# from the same script with 40 epochs.

# %%
# tolerance: ±2 points, ±10%, ±0.005
start = time.perf_counter()
_, losses = triplets.train_triplet_encoder(epochs=2, verbose=False)
print("mean triplet loss per epoch:", np.round(losses, 4).tolist())
print(f"falls: {losses[-1] < losses[0]}  ({time.perf_counter() - start:.0f} s)")

# %% [markdown]
# ### The trained encoder on identities it never saw
#
# The script's weights are loaded through `utils.assets.resolve` (verified against
# `weights/MANIFEST.json`). `face_metrics.evaluate_encoder` encodes 10 new photos of each of the 20
# validation and 20 test identities, forms **balanced pairs** (all 900 same-person pairs and 900
# different-person pairs) and picks the threshold $\tau$ that classifies the *validation* pairs
# best; the accuracy and the ROC curve are then measured on the *test* pairs.

# %%
encoder.load_weights(resolve(triplets.ENCODER_WEIGHTS))
result = face_metrics.evaluate_encoder(encoder)
threshold = result["threshold"]
print(
    f"threshold τ = {threshold:.3f} (picked on {result['n_val_pairs']} validation pairs, "
    f"accuracy there {result['val_accuracy']:.1%})"
)
print(
    f"held-out identities: accuracy {result['test_accuracy']:.1%} on {result['n_test_pairs']} "
    f"pairs, ROC AUC {result['auc']:.4f}"
)
print(f"accuracy ≥ 95%: {result['test_accuracy'] >= 0.95}")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
ax1.plot(result["fpr"], result["tpr"], lw=2, label=f"triplet encoder (AUC {result['auc']:.3f})")
ax1.plot([0, 1], [0, 1], "k--", lw=1, label="chance")
ax1.set(
    xlabel="false positive rate (strangers let in)",
    ylabel="true positive rate",
    title="ROC on the 20 held-out identities",
)
ax1.legend(loc="lower right")
same, dist = result["test_same"], result["test_distances"]
bins = np.linspace(0, dist.max(), 40)
ax2.hist(dist[same], bins, alpha=0.6, label="same person")
ax2.hist(dist[~same], bins, alpha=0.6, label="different people")
ax2.axvline(threshold, color="k", ls="--", label=f"τ = {threshold:.3f}")
ax2.set(xlabel="‖f(x₁) − f(x₂)‖", ylabel="pairs", title="test distances")
ax2.legend()
plt.show()


# %% [markdown]
# ## 6. From a photo to a decision
#
# ### Exercise 2 — `img_to_encoding` (2 points)
#
# Turn a photo (a file path or an array; `prepare_face(image, size)` loads it, converts it to RGB
# in [0, 1] and resizes it to the model's input) into its encoding: add the batch axis, run the
# model (`model.predict_on_batch`), and scale the result to unit length — shape $(1, 128)$.

# %% solution="img_to_encoding"
def img_to_encoding(image_path_or_array, model):
    """Encoding of one face photo.

    Arguments:
    image_path_or_array -- a file path, or an (H, W), (H, W, 3) or (H, W, 4) array (uint8 or
                           float in [0, 1]), already cropped to the face
    model -- a Keras encoder with input (size, size, 3)

    Returns:
    embedding -- (1, d) array of unit length
    """
    size = tuple(model.input_shape[1:3])
    ### BEGIN SOLUTION
    img = prepare_face(image_path_or_array, size)
    x = np.expand_dims(img, axis=0)
    embedding = model.predict_on_batch(x)
    embedding = embedding / np.linalg.norm(embedding, ord=2)
    ### END SOLUTION
    return embedding


# %% tests="img_to_encoding_test" points=2
img_to_encoding_test(img_to_encoding)
### BEGIN HIDDEN TESTS
_face = face_identities.make_identity_photos([0], 1, seed=3)[0][0]
_got = img_to_encoding(_face, encoder)
assert _got.shape == (1, 128), f"the encoder's encoding must have shape (1, 128), got {_got.shape}"
assert np.allclose(_got, face_models.encode(encoder, _face[None]), atol=1e-4), (
    "a face photo through the notebook's encoder: not the normalised encoding of the model"
)
assert img_to_encoding((_face * 255).astype(np.uint8)[..., 0], encoder).shape == (1, 128), (
    "a uint8 grayscale photo must be encoded too, as (1, 128)"
)
### END HIDDEN TESTS

# %% [markdown]
# ### The door's database
#
# Enroll **one photo per person**: the database maps a name to the encoding of that photo. Six of
# the held-out test identities are enrolled (the encoder never saw them in training).

# %%
enrolled_ids, stranger_ids = test_ids[:6], test_ids[6:9]
names = ["younes", "kian", "danielle", "andrew", "bertrand", "arnaud"]
name_of = dict(zip(enrolled_ids.tolist(), names, strict=True))
enroll_photos, _ = face_identities.make_identity_photos(enrolled_ids, 1, seed=500)
database = {
    name: img_to_encoding(photo, encoder) for name, photo in zip(names, enroll_photos, strict=True)
}
print(f"database: {len(database)} people, encodings of shape {database['kian'].shape}")
show_images(enroll_photos, [f"enrolled: {name}" for name in names], ncols=6, size=1.6)


# %% [markdown]
# ### Exercise 3 — `verify` (2 points)
#
# Someone swipes the badge of `identity`: compute the encoding of the camera's photo, its distance
# $\lVert f(\text{image}) - \text{database[identity]}\rVert_2$ (not squared), and open the door when
# the distance is **below** the threshold (the course's 0.7 by default; here we pass the $\tau$
# chosen on validation data). Print the decision with the distance to 3 decimals.

# %% solution="verify"
def verify(image, identity, database, model, threshold=0.7):
    """Is the person in `image` the one whose badge says `identity`?

    Arguments:
    image -- a face photo (path or array), see img_to_encoding
    identity -- the name on the badge, a key of database
    database -- dict name -> (1, 128) encoding
    model -- the encoder
    threshold -- the door opens when dist < threshold

    Returns:
    dist -- distance between the photo's encoding and database[identity]
    door_open -- True if the door opens
    """
    if identity not in database:
        raise KeyError(f"{identity!r} is not enrolled; known: {', '.join(sorted(database))}")
    ### BEGIN SOLUTION
    encoding = img_to_encoding(image, model)
    dist = np.linalg.norm(encoding - database[identity])
    if dist < threshold:
        print(f"It's {identity}, welcome in! (distance {dist:.3f})")
        door_open = True
    else:
        print(f"It's not {identity}, please go away (distance {dist:.3f})")
        door_open = False
    ### END SOLUTION
    return dist, door_open


# %% tests="verify_test" points=2
verify_test(verify)
### BEGIN HIDDEN TESTS
with contextlib.redirect_stdout(io.StringIO()):  # hidden tests print nothing the learner sees
    _d, _open = verify(enroll_photos[1], "kian", database, encoder)
    _d0, _open0 = verify(enroll_photos[1], "younes", database, encoder, threshold=0.0)
assert _d < 1e-3 and _open, f"kian's own enrolment photo: dist {_d}, door_open {_open}"
assert not _open0, "with threshold=0 the door never opens"
### END HIDDEN TESTS

# %% [markdown]
# New photos at the door (a new seed: new pose and light): three enrolled people who swipe their own
# badge, and three strangers who swipe someone else's.

# %%
visits = [(i, name_of[i]) for i in enrolled_ids[:3]] + list(
    zip(stranger_ids, ["younes", "kian", "danielle"], strict=True)
)
new_photos, _ = face_identities.make_identity_photos([i for i, _ in visits], 1, seed=900)
titles = []
for photo, (person, badge) in zip(new_photos, visits, strict=True):
    who = name_of.get(int(person), f"stranger {person}")
    with contextlib.redirect_stdout(io.StringIO()) as said:
        dist, door_open = verify(photo, badge, database, encoder, threshold=threshold)
    print(f"{who:>13} with the badge of {badge:<8}: {said.getvalue().strip()}")
    titles.append(f"badge {badge}\nd = {dist:.3f}: {'open' if door_open else 'closed'}")
show_images(new_photos, titles, ncols=6, size=1.8)
try:
    verify(new_photos[0], "nobody", database, encoder)
except KeyError as err:
    print("unknown badge:", err)


# %% [markdown]
# ### Exercise 4 — `who_is_it` (2 points)
#
# No badge now: compare the photo's encoding with **every** enrolled person and keep the closest
# (start from `min_dist = 100`). If even the closest is farther than the threshold, print
# `"Not in the database."`; otherwise print the name and the distance (3 decimals). Return
# `(min_dist, identity)` — the identity of the closest person in both cases, as in the course.

# %% solution="who_is_it"
def who_is_it(image, database, model, threshold=0.7):
    """Recognise the person in `image` among the enrolled ones.

    Arguments:
    image -- a face photo (path or array), see img_to_encoding
    database -- dict name -> (1, 128) encoding
    model -- the encoder
    threshold -- farther than this from everyone means "not in the database"

    Returns:
    min_dist -- the smallest distance to an enrolled encoding
    identity -- the name of the closest enrolled person
    """
    ### BEGIN SOLUTION
    encoding = img_to_encoding(image, model)
    min_dist = 100
    identity = None
    for name, db_enc in database.items():
        dist = np.linalg.norm(encoding - db_enc)
        if dist < min_dist:
            min_dist = dist
            identity = name
    if min_dist > threshold:
        print(f"Not in the database. (closest: {identity}, distance {min_dist:.3f})")
    else:
        print(f"It's {identity}, the distance is {min_dist:.3f}")
    ### END SOLUTION
    return min_dist, identity


# %% tests="who_is_it_test" points=2
who_is_it_test(who_is_it)
### BEGIN HIDDEN TESTS
with contextlib.redirect_stdout(io.StringIO()):  # hidden tests print nothing the learner sees
    _d, _who = who_is_it(enroll_photos[2], database, encoder)
assert _who == "danielle" and _d < 1e-3, (
    f"danielle's own enrolment photo: got ({_d}, {_who!r}) instead of (0, 'danielle')"
)
### END HIDDEN TESTS

# %%
people = list(enrolled_ids) + list(stranger_ids)
door_photos, _ = face_identities.make_identity_photos(people, 1, seed=901)
titles, right = [], 0
for photo, person in zip(door_photos, people, strict=True):
    truth = name_of.get(int(person), "stranger")
    with contextlib.redirect_stdout(io.StringIO()) as said:
        dist, who = who_is_it(photo, database, encoder, threshold=threshold)
    print(f"{truth:>9}: {said.getvalue().strip()}")
    answer = who if dist <= threshold else "stranger"
    right += answer == truth
    titles.append(f"{truth} → {answer}\nd = {dist:.3f}")
print(f"{right} of {len(people)} visitors recognised correctly")
show_images(door_photos, titles, ncols=9, size=1.5)


# %% [markdown]
# ### Face systems in practice: why 1:K needs far better than 1:1
#
# `verify` compares a face with **one** enrolled person (1:1); `who_is_it` compares it with all
# $K$ of them (1:K). A stranger at the door then has $K$ chances to be taken for someone, and an
# enrolled person $K - 1$ chances to be taken for someone else. If each comparison with a different
# person falls under the threshold with probability FAR (the *false-accept rate*, measured in
# section 5 on the different-person pairs) and the comparisons are independent,
#
# $$ \mathbb{E}[\text{false matches}] = K \cdot \text{FAR}, \qquad
#    P(\text{at least one}) = 1 - (1 - \text{FAR})^K \approx K \cdot \text{FAR} . $$
#
# This is why the course asks for a verification system of about 99.9% or better before building
# recognition on it for $K$ people: an error rate that looks small per comparison is multiplied by
# $K$. With this notebook's encoder and its threshold:

# %%
distances, same = result["test_distances"], result["test_same"]
false_accepts = int(np.sum(distances[~same] < threshold))  # different people, distance < τ
false_rejects = int(np.sum(distances[same] >= threshold))  # the same person, distance ≥ τ
far, frr = false_accepts / np.sum(~same), false_rejects / np.sum(same)
print(f"section 5, held-out pairs at τ = {threshold:.3f}:")
print(f"  false-accept rate FAR = {false_accepts}/{np.sum(~same)} = {far:.4f}")
print(f"  false-reject rate FRR = {false_rejects}/{np.sum(same)} = {frr:.4f}")
print(f"\n{'K':>5} {'expected false matches':>23} {'P(at least one)':>16}")
for K in (1, 10, 20, 100, 1000):
    print(f"{K:>5} {K * far:>23.3f} {1 - (1 - far) ** K:>16.1%}")
needed = 1 - 0.99 ** (1 / 100)
print(f"\nfor P(at least one) ≤ 1% at K = 100, FAR must be ≤ 1 − 0.99^(1/100) = {needed:.2e}")
print(f"  ({far / needed:.0f} times lower than measured here)")
print(
    f"the course's 99.9% (FAR = 0.001) at K = 100: {100 * 0.001:.1f} expected false matches, "
    f"P(at least one) = {1 - 0.999**100:.1%}"
)

# %% [markdown]
# The formula holds on the held-out identities too. Enrol the first photo of each of the 20
# test identities ($K = 20$), then show each of their 180 other photos to the door, compare it with
# the 19 *other* enrolled people and count the false matches:

# %%
test_labels = face_identities.make_identity_photos(
    test_ids, face_identities.EVAL_PHOTOS, face_identities.TEST_SEED
)[1]  # the labels of result["test_encodings"], in the order evaluate_encoder used them
encodings = result["test_encodings"]
enrolled = {label: encodings[np.flatnonzero(test_labels == label)[0]] for label in test_ids}
counts = []
for index, (encoding, label) in enumerate(zip(encodings, test_labels, strict=True)):
    if index == np.flatnonzero(test_labels == label)[0]:
        continue  # the enrolment photo itself
    others = np.array([enrolled[other] for other in test_ids if other != label])
    counts.append(int(np.sum(np.linalg.norm(others - encoding, axis=1) < threshold)))
counts = np.array(counts)
print(f"{len(counts)} probes × 19 other enrolled people:")
print(f"  false matches per probe: {counts.mean():.3f} (19 · FAR = {19 * far:.3f})")
at_least_one = 1 - (1 - far) ** 19
print(
    f"  probes with at least one: {np.mean(counts > 0):.1%} (1 − (1 − FAR)^19 = {at_least_one:.1%})"
)

# %% [markdown]
# The mean number of false matches is $K \cdot \text{FAR}$ whatever the dependence between the
# comparisons (expectations add up); the share of probes with at least one is a little below
# $1 - (1 - \text{FAR})^K$, because the comparisons of one probe are not independent: a blurred
# or dark photo is close to several people at once, so false matches come in clusters.
#
# **Liveness detection.** A face recognition system at a door or on a phone must also make sure the
# face in front of the camera is a live person, not a printed photo, a replayed video or a mask:
# the encoder alone would happily match a photo of an enrolled person (every "photo" of section 4 is
# in fact a transformed photo). The course notes' answer: learn it, with supervised deep learning on
# a dataset of live and not-live faces — from single images (the texture of paper or a screen, moiré
# patterns, the frame of a phone) or from sequences (blinking, head motion, the changing light on
# a three-dimensional face), which is where sequence models come in. Deployed systems add depth or
# infrared cameras and challenges ("turn your head").
#
# **DeepFace** (Taigman et al., 2014), the paper behind section 7's pair classifier: Facebook's
# network first *frontalises* the face with a 3-D model, then a 9-layer network with locally
# connected layers (120 million parameters) maps it to a 4096-number representation; trained as a
# classifier of 4,030 people on 4.4 million photos, it is used as a siamese network whose two
# representations are compared by a weighted $\chi^2$ or $|f(x^{(i)}) - f(x^{(j)})|$ followed by a
# logistic unit. It reached 97.35% on LFW, near the 97.53% humans reach, in 2014; FaceNet (the
# triplet loss of this notebook) reached 99.63% a year later (paper numbers).

# %% [markdown]
# ## 7. The alternative: verification as binary classification
#
# Instead of a triplet loss, a **siamese** pair $(x^{(i)}, x^{(j)})$ can be classified directly:
# same person or not, with a logistic unit on the element-wise differences of the two encodings,
#
# $$ \hat y = \sigma\Big(\sum_{k=1}^{128} w_k \,\big|f(x^{(i)})_k - f(x^{(j)})_k\big| + b\Big) $$
#
# (or a $\chi^2$ similarity $\frac{(f_k^{(i)} - f_k^{(j)})^2}{f_k^{(i)} + f_k^{(j)}}$). The encoder is
# frozen, so the database keeps **precomputed encodings** and only the 129 weights of the logistic
# unit are trained, on pairs of the *training* identities. Test it on the same held-out pairs as
# the distance threshold:

# %%
x_pairs, y_pairs = face_identities.make_identity_photos(train_ids, 8, seed=2000)
enc_train = face_models.encode(encoder, x_pairs)
i, j, same_train = face_metrics.pair_indices(y_pairs, seed=1)
features = np.abs(enc_train[i] - enc_train[j])
keras.utils.set_random_seed(0)
logistic = keras.Sequential([keras.Input((128,)), keras.layers.Dense(1, activation="sigmoid")])
logistic.compile(keras.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
history = logistic.fit(features, same_train.astype("float32"), epochs=40, batch_size=256, verbose=0)
print(f"{len(features)} training pairs, training accuracy {history.history['accuracy'][-1]:.3f}")

enc_test, i, j = result["test_encodings"], result["test_i"], result["test_j"]
same_test = result["test_same"]  # the held-out pairs of section 5
prob = np.asarray(logistic(np.abs(enc_test[i] - enc_test[j]))).ravel()
binary_accuracy = float(np.mean((prob > 0.5) == same_test))
_, _, binary_auc = face_metrics.roc_auc(-prob, same_test)

print(f"\n{'method (20 held-out identities)':<40} {'decision':<22} {'accuracy':>8} {'AUC':>7}")
print(
    f"{'triplet encoder + distance':<40} {f'd < {threshold:.3f}':<22} "
    f"{result['test_accuracy']:>8.1%} {result['auc']:>7.4f}"
)
print(
    f"{'triplet encoder + logistic on |Δf|':<40} {'σ(w·|Δf| + b) > 0.5':<22} "
    f"{binary_accuracy:>8.1%} {binary_auc:>7.4f}"
)

# %% [markdown]
# ## 8. With a network: real labelled faces and the pretrained FaceNet
#
# Two things need the network, and both are one cell here that falls back within seconds offline.
#
# **The pretrained encoder.** The course's pretrained model is FaceNet as D. Sandberg's TensorFlow
# port trained it: **Inception-ResNet-v1** (Szegedy et al., 2016) on 160×160×3 faces, a 128-unit
# bottleneck and L2 normalisation — model `20170512-110547`, trained on MS-Celeb-1M (99.2% on LFW as
# its authors report). `utils.facenet.inception_resnet_v1` builds it with the layer names of the
# Keras weights file that the `keras-facenet` package converted from the checkpoint;
# `utils.assets.resolve` downloads that file (about 90 MB) and checks it against the SHA-256 the
# package pins; `load_facenet` loads it by name, after checking that every layer gets its weights.
# Its input is the face resized to 160×160 and standardised per image (`prewhiten`: zero mean, unit
# standard deviation), as it was trained. It is evaluated on the same held-out identities with the
# same protocol — threshold picked on the validation identities — as the compact encoder.
#
# **Real labelled faces.** scikit-learn's `fetch_lfw_people` downloads LFW with names (about 1,300
# photos of the 7 people with at least 70, or more people with a lower minimum). Online, both
# encoders are also evaluated on real different photos of the same people (aligned by LFW's
# funnelling, not by our MTCNN step), at the thresholds picked above.
#

# %%
facenet_path = resolve(facenet.ASSET)  # checked download, or None after one line offline
if facenet_path is None:  # offline: the architecture alone, with random weights
    pretrained = facenet.inception_resnet_v1()
else:
    pretrained = facenet.load_facenet(facenet_path)
print(
    f"FaceNet's Inception-ResNet-v1: {pretrained.count_params():,} parameters, "
    f"{tuple(pretrained.input_shape[1:])} → {tuple(pretrained.output_shape[1:])}"
)
encoders = {"compact encoder (trained here)": (encoder, prepare_faces, result)}
if facenet_path is not None:
    pretrained_result = face_metrics.evaluate_encoder(pretrained, prepare=facenet.facenet_inputs)
    encoders["FaceNet 20170512-110547"] = (pretrained, facenet.facenet_inputs, pretrained_result)

lfw_people = load_lfw_people(min_faces_per_person=20)
if lfw_people is not None:
    images, targets, people_names = lfw_people
    keep = np.concatenate([np.flatnonzero(targets == t)[:10] for t in np.unique(targets)])
    i, j, same_real = face_metrics.pair_indices(targets[keep], seed=0)
    print(f"real LFW: {len(people_names)} people, {len(same_real)} pairs")

print(
    f"\n{'encoder':<32} {'τ':>6} {'held-out acc.':>13} {'AUC':>7} {'real LFW acc.':>13} {'AUC':>7}"
)
for name, (model, prepare, evaluation) in encoders.items():
    row = f"{name:<32} {evaluation['threshold']:>6.3f} {evaluation['test_accuracy']:>13.1%}"
    row += f" {evaluation['auc']:>7.4f}"
    if lfw_people is not None:
        dist_real = face_metrics.pair_distances(
            face_models.encode(model, prepare(images[keep])), i, j
        )
        accuracy_real = face_metrics.verification_accuracy(
            dist_real, same_real, evaluation["threshold"]
        )
        row += f" {accuracy_real:>13.1%} {face_metrics.roc_auc(dist_real, same_real)[2]:>7.4f}"
    print(row)
print(f"notebook ran in {time.perf_counter() - notebook_start:.0f} s")

# %% [markdown]
# ## Summary
#
# - **Detection and alignment**: MTCNN (offline, weights in the `mtcnn` wheel) finds the astronaut,
#   the cameraman and Grace Hopper (confidence ≥ 0.98) and the LFW crops; `align_face` levels the
#   eyes at fixed positions in a 96×96 crop. No face, two faces, tiny or malformed arrays give a
#   clear `FaceError`/`ValueError`; grayscale, RGBA, uint8/float photos of any size are converted.
# - **nn4.small2** (FaceNet/OpenFace, 96×96×3 channels-last, L2-normalised 128-d): 3,743,280
#   parameters = 3,733,968 trainable + 9,312 batch-norm statistics — the course's count.
# - **Triplet loss** (graded) with **online semi-hard mining** over 16 people × 4 photos trains the
#   304,288-parameter compact encoder (`scripts/train_face_encoder.py`, 40 epochs, about 4 minutes
#   on 2 busy CPU cores; weights 1.3 MB).
# - **The offline identity set**: each of the 100 real LFW-subset crops of scikit-image is one
#   person; each "photo" is a seeded random pose (rotation, scale, shift, mirror) and camera
#   (contrast, brightness, gamma, blur, noise) applied to it. 60 identities train, 20 choose the
#   threshold, 20 are held out.
# - **On the 20 held-out identities** (900 same-person + 900 different-person pairs): threshold
#   τ = 0.826 chosen on the validation identities, **accuracy 97.6%, ROC AUC 0.996**; a logistic
#   unit on |f(xᵢ) − f(xⱼ)| (the binary-classification variant, section 7) is compared in one table.
# - **`img_to_encoding`, `verify`, `who_is_it`** (graded) run the door: one enrolled photo per
#   person, new photos of enrolled people and of strangers, shown with their distances.
# - **1:K is harder than 1:1**: at the measured false-accept rate (4.0%), 100 enrolled people give
#   a stranger about 4 false matches and a 98% chance of at least one; keeping that chance at 1%
#   needs a rate about 400× lower.
# - **The pretrained FaceNet** (section 8): Inception-ResNet-v1, 160×160×3 → 128-d, 22,808,144
#   parameters — exactly the count of the Keras port. With a network its weights (model
#   `20170512-110547`, about 90 MB) are downloaded through `utils.assets`, checked against the
#   SHA-256 that `keras-facenet` pins, loaded by name and evaluated with the same protocol as the
#   compact encoder; offline one line says so and the compact encoder stays.
# - The notebook runs in well under a minute on 2 idle cores (it prints its time at the end of
#   section 8); online, section 8 also evaluates the encoders on scikit-learn's real labelled LFW
#   people.
