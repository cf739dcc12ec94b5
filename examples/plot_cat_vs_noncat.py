"""Cat or not cat: a deep network against logistic regression
============================================================

The application that closes the course's first part ("Neural Networks and Deep
Learning", week 4): 209 training and 50 test photos of 64x64 pixels, labelled
"cat" or "non-cat". The course first solves it with logistic regression (week 2),
then with an L-layer network of sizes [12288, 20, 7, 5, 1], and reports about 70 %
test accuracy for the first and 80 % for the second. This example trains the
same two models, ``LogisticRegressionGD`` and a ``DeepNNClassifier`` with
``hidden_layer_sizes=(20, 7, 5)``, compares them, and shows test images that the
network gets wrong.

The lesson: hidden layers learn features of the pixels (edges, shapes, textures)
that a linear model cannot, and depth pays off even on few images; but with
only 209 of them both models fit the training set almost perfectly and
generalize far less well, a gap the second part of the course attacks with
regularization.

The images are not part of skdeepnn. The example reads them from an ``.npz``
file, given as the first command-line argument, or by the environment variable
``SKDEEPNN_CATVNONCAT``, or found at ``../shared/data/catvnoncat.npz`` next to
the repository's folder.
"""

# %%
# Find and load the data
# ----------------------
# The file holds ``X_train`` (209, 64, 64, 3) and ``X_test`` (50, 64, 64, 3) as
# uint8 RGB images, ``y_train`` and ``y_test`` (1 for cat, 0 for non-cat), and
# ``classes``, the names ``["non-cat", "cat"]``.
import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skdeepnn import DeepNNClassifier, LogisticRegressionGD
from skdeepnn.plotting import LossCurveDisplay

KEYS = ("X_train", "y_train", "X_test", "y_test", "classes")
ENVIRONMENT_VARIABLE = "SKDEEPNN_CATVNONCAT"


def default_data_path():
    """``<repository>/../shared/data/catvnoncat.npz``, the repository being the folder
    above ``examples/``."""
    try:
        examples_folder = Path(__file__).resolve().parent
    except NameError:  # run without __file__ (sphinx-gallery runs it in examples/)
        examples_folder = Path.cwd().resolve()
        if (examples_folder / "examples").is_dir():  # run from the repository itself
            examples_folder = examples_folder / "examples"
    repository = examples_folder.parent
    return repository.parent / "shared" / "data" / "catvnoncat.npz"


def data_path():
    """The command-line argument, else the environment variable, else the default."""
    if len(sys.argv) > 1 and sys.argv[1]:
        return Path(sys.argv[1]), "the command-line argument"
    if os.environ.get(ENVIRONMENT_VARIABLE):
        return Path(os.environ[ENVIRONMENT_VARIABLE]), f"${ENVIRONMENT_VARIABLE}"
    return default_data_path(), "the default path"


path, source = data_path()
if not path.is_file():
    sys.exit(
        f"This example needs the course's cat/non-cat images, and {path} (from {source}) "
        f"is not a file.\nIt reads an .npz file with the arrays {', '.join(KEYS)}: "
        "209 training and 50 test images of 64x64x3 uint8, their labels (1 = cat), and "
        'the class names ["non-cat", "cat"].\nPoint to it in one of three ways:\n'
        "  1. python examples/plot_cat_vs_noncat.py /path/to/catvnoncat.npz\n"
        f"  2. {ENVIRONMENT_VARIABLE}=/path/to/catvnoncat.npz python "
        "examples/plot_cat_vs_noncat.py\n"
        f"  3. put it at {default_data_path()} (the default)."
    )
with np.load(path, allow_pickle=False) as data:
    missing = [key for key in KEYS if key not in data.files]
    if missing:
        sys.exit(f"{path} lacks the arrays {missing}; it needs {', '.join(KEYS)}.")
    images_train, y_train = data["X_train"], data["y_train"]
    images_test, y_test = data["X_test"], data["y_test"]
    classes = [str(name) for name in data["classes"]]

print(f"loaded {path}")
print(
    f"{len(images_train)} training images ({int(y_train.sum())} cats), "
    f"{len(images_test)} test images ({int(y_test.sum())} cats), each {images_train.shape[1:]}"
)

# %%
# A few training images, with their labels.
fig, axes = plt.subplots(2, 6, figsize=(10, 4.2), layout="constrained")
for ax, index in zip(axes.flat, range(2, 14), strict=True):
    ax.imshow(images_train[index])
    ax.set_title(f"#{index}: {classes[y_train[index]]}", fontsize=10)
    ax.axis("off")
fig.suptitle("Training images")
plt.show()

# %%
# Flatten and scale
# -----------------
# As in the course, each image becomes one vector of 64 * 64 * 3 = 12288 pixel
# values, divided by 255 so that they lie between 0 and 1. The course stacks the
# vectors as the *columns* of ``X`` (shape (12288, 209)); scikit-learn, and so
# skdeepnn, takes one sample per *row*: our ``X_train`` is the course's
# ``train_x.T``. The values are stored in float32, which is exact enough for
# pixels and halves the time of the large products with ``X``.
X_train = (images_train.reshape(len(images_train), -1) / 255).astype(np.float32)
X_test = (images_test.reshape(len(images_test), -1) / 255).astype(np.float32)
print(f"X_train: {X_train.shape}, X_test: {X_test.shape}")

# %%
# Logistic regression, as in week 2
# ---------------------------------
# Gradient descent on the whole training set, ``learning_rate=0.005`` for 2000
# iterations, with the weights starting at zero: the course's settings.
# ``tol=0`` and ``n_iter_no_change=np.inf`` make it run all 2000 iterations, as
# the course's loop does, rather than stop once the cost levels off.
logreg = LogisticRegressionGD(
    solver="gd", learning_rate=0.005, max_iter=2000, tol=0, n_iter_no_change=np.inf
)
logreg.fit(X_train, y_train)

# %%
# The deep network, as in week 4
# ------------------------------
# ``[LINEAR -> RELU] x 3 -> LINEAR -> SIGMOID`` with layers of 20, 7 and 5
# units, He initialization (weights drawn from ``N(0, 2 / n[l-1])``, the course's
# choice for ReLU), trained by plain gradient descent at the course's
# ``learning_rate=0.0075``. The course runs 2500 iterations, which take about a
# minute on a 2-core machine: every iteration multiplies the 209 x 12288 images
# by the first layer's weights twice. The cost is already near zero after 800,
# so this example stops there. Adam (course 2, week 2) needs fewer steps, but in
# trials on these images it did no better on the test set, and some
# initializations got stuck predicting "non-cat" for every image.
net = DeepNNClassifier(
    hidden_layer_sizes=(20, 7, 5),
    activation="relu",
    init="he",
    solver="gd",
    learning_rate=0.0075,
    max_iter=800,
    tol=0,
    n_iter_no_change=np.inf,
    alpha=0.0,
    random_state=0,
)
net.fit(X_train, y_train)

for name, model in [("logistic regression", logreg), ("deep network [20, 7, 5]", net)]:
    print(
        f"{name:>23}: train accuracy {model.score(X_train, y_train):.3f}, "
        f"test accuracy {model.score(X_test, y_test):.3f}, final cost {model.loss_:.4f}"
    )

# %%
# The network classifies a few more test images right than logistic regression,
# as in the course. Take the exact numbers lightly: with 50 test images one image
# is 2 %, and five other random initializations (``random_state`` 1 to 5) of the
# same network reach between 70 % and 82 %.

# %%
# The cost curves
# ---------------
# The course prints the cost every 100 iterations; ``loss_curve_`` holds it for
# every iteration, and :class:`~skdeepnn.plotting.LossCurveDisplay` draws it (the
# dots are the course's every-100 samples). Seen at every iteration, both costs
# first jump up and down, which the samples hide. For logistic regression the
# cause is the inputs' scale: along the direction in which all 12288 pixels grow
# brighter together the cost curves so steeply that a step of 0.005 overshoots,
# back and forth, until the sigmoid's outputs saturate and the steps shrink
# (below a learning rate of about 0.0036, two over that steepest curvature, the
# cost would fall at every step). In the end both costs go towards zero: both models fit
# nearly every training image, and the gap to their test accuracy is variance,
# the subject of the course's second part.
fig, (left, right) = plt.subplots(ncols=2, figsize=(11, 4), layout="constrained")
for ax, model, name in [(left, logreg, "logistic regression"), (right, net, "[20, 7, 5] network")]:
    LossCurveDisplay.from_estimator(model, ax=ax, name=name)
    every_100 = np.arange(0, model.n_iter_, 100)  # the course's i % 100 == 0
    ax.plot(
        every_100 + 1,
        np.asarray(model.loss_curve_)[every_100],
        "o",
        color="tab:red",
        label="every 100 iterations",
    )
    ax.legend(fontsize="small")
    ax.set_xlabel("iteration (one gradient step on all 209 images)")
    ax.set_ylabel("cost (cross-entropy)")
left.set_title("LogisticRegressionGD, gd, learning_rate=0.005")
right.set_title("DeepNNClassifier (20, 7, 5), gd, learning_rate=0.0075")
plt.show()

# %%
# What the network gets wrong
# ---------------------------
# As the course does at the end of week 4, look at the test images the network
# misclassifies, with the probability it gives to "cat". The course notes what
# such images often have in common: the cat at an unusual position or scale, an
# odd pose, colors close to the background, or poor lighting.
proba_cat = net.predict_proba(X_test)[:, 1]
predicted = net.predict(X_test)
wrong = np.flatnonzero(predicted != y_test)
print(f"the network misclassifies {len(wrong)} of {len(y_test)} test images: {wrong.tolist()}")

shown = wrong[:12]
n_columns = 6
n_rows = -(-len(shown) // n_columns)  # rounded up
fig, axes = plt.subplots(
    n_rows, n_columns, figsize=(11, 2.7 * n_rows), squeeze=False, layout="constrained"
)
for ax in axes.flat:
    ax.axis("off")
for ax, index in zip(axes.flat, shown, strict=False):
    ax.imshow(images_test[index])
    ax.set_title(
        f"#{index}: {classes[y_test[index]]}\npredicted {classes[predicted[index]]}\n"
        f"P(cat) = {proba_cat[index]:.2f}",
        fontsize=9,
    )
fig.suptitle("Test images the deep network misclassifies")
plt.show()
