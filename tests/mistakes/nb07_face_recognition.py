"""Notebook 07 (face recognition): wrong answers and correct alternatives of its four exercises.

``STATE`` builds what the hidden tests read: an (untrained) compact encoder, one photo of each of
six enrolled people and their database of encodings.
"""

from tests.mistakes import Right, Wrong

TRIPLET = """
def triplet_loss(y_true, y_pred, alpha=0.2):
    anchor, positive, negative = y_pred[0], y_pred[1], y_pred[2]
    pos_dist = tf.reduce_sum(tf.square(anchor - positive), axis=-1)
    neg_dist = tf.reduce_sum(tf.square(anchor - negative), axis=-1)
    return tf.reduce_sum(tf.maximum(pos_dist - neg_dist + alpha, 0.0))
"""

ENCODING = """
def img_to_encoding(image_path_or_array, model):
    size = tuple(model.input_shape[1:3])
    img = prepare_face(image_path_or_array, size)
    embedding = model.predict_on_batch(np.expand_dims(img, axis=0))
    return embedding / np.linalg.norm(embedding, ord=2)
"""

VERIFY = """
def verify(image, identity, database, model, threshold=0.7):
    if identity not in database:
        raise KeyError(identity)
    encoding = img_to_encoding(image, model)
    dist = np.linalg.norm(encoding - database[identity])
    door_open = bool(dist < threshold)
    print("welcome in" if door_open else "please go away", dist)
    return dist, door_open
"""

WHO = """
def who_is_it(image, database, model, threshold=0.7):
    encoding = img_to_encoding(image, model)
    min_dist, identity = 100, None
    for name, db_enc in database.items():
        dist = np.linalg.norm(encoding - db_enc)
        if dist < min_dist:
            min_dist, identity = dist, name
    if min_dist > threshold:
        print("Not in the database.")
    else:
        print(f"It's {identity}, the distance is {min_dist}")
    return min_dist, identity
"""

UNNORMALISED = ENCODING.replace(
    "    return embedding / np.linalg.norm(embedding, ord=2)\n", "    return embedding\n"
)

CATALOGUE = [
    # --- triplet_loss ------------------------------------------------------------------------
    Wrong(
        "triplet_loss",
        "the mean over the triplets",
        TRIPLET.replace("return tf.reduce_sum(tf.maximum(", "return tf.reduce_mean(tf.maximum("),
        says=r"two triplets: .* = 5; got 2.5 but 5 was expected",
    ),
    Wrong(
        "triplet_loss",
        "no hinge",
        TRIPLET.replace(
            "tf.maximum(pos_dist - neg_dist + alpha, 0.0)", "pos_dist - neg_dist + alpha"
        ),
        says=r"0 − 0 − 2 < 0, so the hinge gives 0; got -2",
    ),
    Wrong(
        "triplet_loss",
        "distances not squared",
        TRIPLET.replace(
            "tf.reduce_sum(tf.square(anchor - positive), axis=-1)",
            "tf.norm(anchor - positive, axis=-1)",
        ).replace(
            "tf.reduce_sum(tf.square(anchor - negative), axis=-1)",
            "tf.norm(anchor - negative, axis=-1)",
        ),
        says=r"‖A−P‖² = 0, ‖A−N‖² = 2, α = 3: 0 − 2 \+ 3 = 1; got 1.58579",
    ),
    Wrong(
        "triplet_loss",
        "squared distances summed over every axis before the hinge",
        TRIPLET.replace(", axis=-1)", ")"),
        says=r"two triplets: .*got 2 but 5 was expected.*then the hinge, then a sum",
    ),
    Wrong(
        "triplet_loss",
        "NumPy (no gradient for Keras)",
        """
def triplet_loss(y_true, y_pred, alpha=0.2):
    anchor, positive, negative = (np.asarray(t) for t in y_pred)
    pos_dist = np.sum((anchor - positive) ** 2, axis=-1)
    neg_dist = np.sum((anchor - negative) ** 2, axis=-1)
    return np.sum(np.maximum(pos_dist - neg_dist + alpha, 0.0))
""",
        says=r"the gradient of the loss with respect to the anchor is None.*not NumPy",
    ),
    Wrong(
        "triplet_loss",
        "the margin alpha ignored",
        TRIPLET.replace("pos_dist - neg_dist + alpha", "pos_dist - neg_dist + 0.2"),
        says=r"A = P = N with α = 5: loss 5; got 0.2",
    ),
    Right(
        "triplet_loss",
        "squared norms and tf.nn.relu",
        """
def triplet_loss(y_true, y_pred, alpha=0.2):
    anchor, positive, negative = y_pred
    pos_dist = tf.norm(anchor - positive, axis=1) ** 2
    neg_dist = tf.norm(anchor - negative, axis=1) ** 2
    return tf.reduce_sum(tf.nn.relu(pos_dist - neg_dist + alpha))
""",
    ),
    Right(
        "triplet_loss",
        "keras.ops with squared differences",
        """
def triplet_loss(y_true, y_pred, alpha=0.2):
    anchor, positive, negative = y_pred
    gap = keras.ops.sum(
        tf.math.squared_difference(anchor, positive) - tf.math.squared_difference(anchor, negative),
        axis=-1,
    )
    return keras.ops.sum(keras.ops.maximum(gap + alpha, 0.0))
""",
    ),
    # --- img_to_encoding ---------------------------------------------------------------------
    Wrong(
        "img_to_encoding",
        "not normalised",
        UNNORMALISED,
        says=r"has length 0.6789 but must have length 1.*np.linalg.norm",
    ),
    Wrong(
        "img_to_encoding",
        "divided by the squared norm",
        ENCODING.replace("np.linalg.norm(embedding, ord=2)", "np.sum(embedding**2)"),
        says=r"has length 1.47\d* but must have length 1",
    ),
    Wrong(
        "img_to_encoding",
        "no batch axis",
        ENCODING.replace("np.expand_dims(img, axis=0)", "img"),
        says=r"img_to_encoding raised \w+Error.*your code, line \d+, in img_to_encoding: "
        r"embedding = model.predict_on_batch\(img\)",
    ),
    Wrong(
        "img_to_encoding",
        "the photo not resized to the model's input",
        """
def img_to_encoding(image_path_or_array, model):
    img = np.asarray(image_path_or_array, dtype=np.float32)
    embedding = model.predict_on_batch(np.expand_dims(img, axis=0))
    return embedding / np.linalg.norm(embedding, ord=2)
""",
        says=r"img_to_encoding raised \w+.*your code, line 4, in img_to_encoding",
    ),
    Right(
        "img_to_encoding",
        "tf.math.l2_normalize of model(x)",
        """
def img_to_encoding(image_path_or_array, model):
    x = prepare_face(image_path_or_array, tuple(model.input_shape[1:3]))[None]
    return tf.math.l2_normalize(model(x, training=False), axis=-1).numpy()
""",
    ),
    Right(
        "img_to_encoding",
        "model.predict and a norm along axis 1",
        """
def img_to_encoding(image_path_or_array, model):
    img = prepare_face(image_path_or_array, tuple(model.input_shape[1:3]))
    embedding = model.predict(img[np.newaxis], verbose=0)
    return embedding / np.linalg.norm(embedding, axis=1, keepdims=True)
""",
    ),
    # --- verify ------------------------------------------------------------------------------
    Wrong(
        "verify",
        "the door opens at dist == threshold",
        VERIFY.replace("dist < threshold", "dist <= threshold"),
        says=r"with threshold equal to the distance .* the door opened.*`<`, not `<=`",
    ),
    Wrong(
        "verify",
        "the squared distance",
        VERIFY.replace(
            "np.linalg.norm(encoding - database[identity])",
            "np.sum((encoding - database[identity]) ** 2)",
        ),
        says=r"for identity 'younes' dist is 0.2500 but 0.5 was expected.*not squared",
    ),
    Wrong(
        "verify",
        "the threshold argument ignored",
        VERIFY.replace("dist < threshold", "dist < 0.7"),
        says=r"'kian' \(dist 0.9, threshold 1\) door_open is False but True was expected",
    ),
    Wrong(
        "verify",
        "a correct verify on top of an unnormalised img_to_encoding (exercise 2)",
        UNNORMALISED + VERIFY,
        says=r"^your `img_to_encoding` \(exercise 2\) is wrong, and verify calls it; fix it first",
    ),
    Right(
        "verify",
        "tf.norm, the comparison as the result",
        """
def verify(image, identity, database, model, threshold=0.7):
    if identity not in database:
        raise KeyError(identity)
    dist = float(tf.norm(img_to_encoding(image, model) - database[identity]))
    door_open = dist < threshold
    print(f"It's {identity}, welcome in!" if door_open else f"It's not {identity}, go away")
    return dist, door_open
""",
    ),
    # --- who_is_it ---------------------------------------------------------------------------
    Wrong(
        "who_is_it",
        "not in the database at min_dist == threshold",
        WHO.replace("if min_dist > threshold:", "if min_dist >= threshold:"),
        says=r"with threshold equal to min_dist .* it printed 'Not in the database.'.*"
        r"`>`, not `>=`",
    ),
    Wrong(
        "who_is_it",
        "the farthest person",
        WHO.replace("min_dist, identity = 100, None", "min_dist, identity = -1, None").replace(
            "if dist < min_dist:", "if dist > min_dist:"
        ),
        says=r"it returned \(0.9000, 'danielle'\) but \(0.3, 'younes'\) was expected",
    ),
    Wrong(
        "who_is_it",
        "the threshold argument ignored",
        WHO.replace("if min_dist > threshold:", "if min_dist > 0.7:"),
        says=r"with threshold=0.85, kian at 0.8 is recognised; use the `threshold` argument",
    ),
    Wrong(
        "who_is_it",
        "a correct who_is_it on top of an unnormalised img_to_encoding (exercise 2)",
        UNNORMALISED + WHO,
        says=r"^your `img_to_encoding` \(exercise 2\) is wrong, and who_is_it calls it",
    ),
    Right(
        "who_is_it",
        "min over the database with a key",
        """
def who_is_it(image, database, model, threshold=0.7):
    encoding = img_to_encoding(image, model)
    distances = {name: np.linalg.norm(encoding - enc) for name, enc in database.items()}
    identity = min(distances, key=distances.get)
    min_dist = distances[identity]
    print("Not in the database." if min_dist > threshold else f"It's {identity}")
    return min_dist, identity
""",
    ),
    Right(
        "who_is_it",
        "vectorised over a stack of the encodings",
        """
def who_is_it(image, database, model, threshold=0.7):
    names = list(database)
    stack = np.concatenate([database[name] for name in names])
    distances = np.linalg.norm(stack - img_to_encoding(image, model), axis=1)
    best = int(np.argmin(distances))
    if distances[best] > threshold:
        print("Not in the database.")
    return distances[best], names[best]
""",
    ),
]

STATE = """
encoder = face_models.compact_encoder()
_, _, _test_ids = face_identities.split_identities(seed=face_identities.SPLIT_SEED)
enroll_photos, _ = face_identities.make_identity_photos(_test_ids[:6], 1, seed=500)
database = {
    name: img_to_encoding(photo, encoder)
    for name, photo in zip(
        ["younes", "kian", "danielle", "andrew", "bertrand", "arnaud"], enroll_photos, strict=True
    )
}
"""
