"""Notebook 09 (transfer learning and augmentation): wrong answers and correct alternatives of
``pca_color_augmentation``; any order of the eigenvectors and any decomposition is right."""

from tests.mistakes import Right, Wrong

PCA = """
def pca_color_augmentation(image, sigma=0.1, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    pixels = image.reshape(-1, 3).astype(np.float64)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(pixels, rowvar=False))
    alpha = rng.normal(0.0, sigma, size=3)
    offset = eigenvectors @ (alpha * eigenvalues)
    return np.clip(image + offset, 0.0, 1.0).astype(image.dtype)
"""


def edit(old: str, new: str) -> str:
    """The solution with its one occurrence of ``old`` replaced by ``new``."""
    if PCA.count(old) != 1:
        raise ValueError(f"{old!r} occurs {PCA.count(old)} times")
    return PCA.replace(old, new)


COVARIANCE = r"the offsets' covariance should be σ²·C²"

CATALOGUE = [
    Wrong(
        "pca_color_augmentation",
        "the top principal component only",
        edit(
            "offset = eigenvectors @ (alpha * eigenvalues)",
            "offset = alpha[0] * eigenvalues[-1] * eigenvectors[:, -1]",
        ),
        says=r"30 offsets all lay along one line.*over the three principal components, not the "
        r"top one alone",
    ),
    Wrong(
        "pca_color_augmentation",
        "the image modified in place",
        edit(
            "    return np.clip(image + offset, 0.0, 1.0).astype(image.dtype)",
            "    image += offset.astype(image.dtype)\n    return np.clip(image, 0.0, 1.0)",
        ),
        says=r"pca_color_augmentation modified its input image in place; work on a copy",
    ),
    Wrong(
        "pca_color_augmentation",
        "one offset per pixel",
        edit(
            "alpha = rng.normal(0.0, sigma, size=3)\n"
            "    offset = eigenvectors @ (alpha * eigenvalues)",
            "alpha = rng.normal(0.0, sigma, size=image.shape)\n"
            "    offset = (alpha * eigenvalues) @ eigenvectors.T",
        ),
        says=r"must add the same colour offset to every pixel.*draw the three αᵢ once per image",
    ),
    Wrong(
        "pca_color_augmentation",
        "weighted by the square root of the eigenvalues",
        edit("(alpha * eigenvalues)", "(alpha * np.sqrt(np.maximum(eigenvalues, 0.0)))"),
        says=COVARIANCE + r".*multiplies the eigenvalue λᵢ itself — not its square root",
    ),
    Wrong(
        "pca_color_augmentation",
        "the eigenvalues left out",
        edit("(alpha * eigenvalues)", "(alpha)"),
        says=COVARIANCE + r".*multiplies the eigenvalue λᵢ itself — not its square root, not 1",
    ),
    Wrong(
        "pca_color_augmentation",
        "sigma used as a variance",
        edit("rng.normal(0.0, sigma, size=3)", "rng.normal(0.0, sigma**2, size=3)"),
        says=COVARIANCE + r".*σ is a standard deviation, not a variance",
    ),
    Wrong(
        "pca_color_augmentation",
        "eigenvectors taken as rows",
        edit("eigenvectors @ (alpha", "eigenvectors.T @ (alpha"),
        says=r"the offset must be a multiple of d.*np.linalg.eigh",
    ),
    Wrong(
        "pca_color_augmentation",
        "an uncentred covariance",
        edit("np.cov(pixels, rowvar=False)", "pixels.T @ pixels / len(pixels)"),
        says=r"the offset must be a multiple of d",
    ),
    Wrong(
        "pca_color_augmentation",
        "the correlation matrix instead of the covariance",
        edit("np.cov(pixels, rowvar=False)", "np.corrcoef(pixels, rowvar=False)"),
        says=r"the offset must be a multiple of d",
    ),
    Wrong(
        "pca_color_augmentation",
        "the global random generator",
        edit("rng.normal(0.0, sigma, size=3)", "np.random.normal(0.0, sigma, size=3)"),
        says=r"different images for two generators in the same state.*draw α with the `rng`",
    ),
    Wrong(
        "pca_color_augmentation",
        "no clipping",
        edit("np.clip(image + offset, 0.0, 1.0)", "(image + offset)"),
        says=r"with a large sigma the values must stay in \[0, 1\].*np.clip",
    ),
    Wrong(
        "pca_color_augmentation",
        "a float64 result for a float32 image",
        edit(".astype(image.dtype)", ""),
        says=r"the dtype of the augmented image: got dtype\('float64'\) but dtype\('float32'\)",
    ),
    Wrong(
        "pca_color_augmentation",
        "sigma ignored",
        edit("rng.normal(0.0, sigma, size=3)", "rng.normal(0.0, 0.1, size=3)"),
        says=r"the image returned with sigma=0.*every αᵢ is 0",
    ),
    Right(
        "pca_color_augmentation",
        "np.linalg.eig (eigenvalues in no particular order)",
        edit("np.linalg.eigh(", "np.linalg.eig("),
    ),
    Right(
        "pca_color_augmentation",
        "eigh, then sorted by decreasing eigenvalue",
        edit(
            "    alpha = rng.normal",
            "    order = np.argsort(eigenvalues)[::-1]\n"
            "    eigenvalues, eigenvectors = eigenvalues[order], eigenvectors[:, order]\n"
            "    alpha = rng.normal",
        ),
    ),
    Right(
        "pca_color_augmentation",
        "SVD of the centred pixels",
        """
def pca_color_augmentation(image, sigma=0.1, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    pixels = image.reshape(-1, 3).astype(np.float64)
    _, singular, rows = np.linalg.svd(pixels - pixels.mean(axis=0), full_matrices=False)
    eigenvalues = singular**2 / (len(pixels) - 1)
    offset = (sigma * rng.standard_normal(3) * eigenvalues) @ rows
    return np.clip(image + offset, 0, 1).astype(image.dtype)
""",
    ),
    Right(
        "pca_color_augmentation",
        "a loop over the components, each alpha drawn on its own",
        """
def pca_color_augmentation(image, sigma=0.1, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    covariance = np.cov(image.reshape(-1, 3).astype(np.float64), rowvar=False)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    offset = np.zeros(3)
    for i in range(3):
        offset += rng.normal(0.0, sigma) * eigenvalues[i] * eigenvectors[:, i]
    augmented = image.copy()
    augmented += offset.astype(image.dtype)
    return np.clip(augmented, 0.0, 1.0)
""",
    ),
]
