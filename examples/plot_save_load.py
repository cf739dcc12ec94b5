"""Saving and loading a trained network
=====================================

Training takes time; predicting should not have to wait for it. This example
saves a fitted ``DeepNNClassifier`` in four ways (skdeepnn's own weights-only
file, pickle, joblib and, if it is installed, skops), loads each file back, and
checks that every reloaded model predicts exactly as the one that was saved. It
then goes on training a reloaded model from where the saved one stopped.

In the course's notation, a trained model *is* its parameters: the ``W[l]`` and
``b[l]`` of every layer, which gradient descent found. ``skdeepnn.save`` stores
those arrays (with the hyperparameters, the training curves and the optimizer's
state) and nothing else, and ``skdeepnn.load`` reads them without running any
code from the file.
"""

# %%
# A model to save
# ---------------
# A network with one hidden layer of 64 units on the digits. As the course does
# with image pixels, the gray levels (0 to 16) are divided by their maximum, so
# the model needs no scaler and is a single estimator.
import os
import pickle
import shutil
import tempfile
from pathlib import Path

import joblib
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import skdeepnn
from skdeepnn import DeepNNClassifier
from skdeepnn.plotting import LossCurveDisplay

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
model = DeepNNClassifier(hidden_layer_sizes=(64,), learning_rate=0.01, random_state=0)
model.fit(X_train, y_train)
expected = model.predict_proba(X_test)
print(f"trained {model.n_iter_} epochs, test accuracy {model.score(X_test, y_test):.4f}")

# %%
# Four file formats
# -----------------
# All files go to a temporary folder that is deleted at the end.
#
# - ``skdeepnn.save(model, path)`` writes a NumPy ``.npz`` archive: the weights
#   as arrays and a JSON header. ``skdeepnn.load(path)`` reads it with
#   ``allow_pickle=False`` and checks every field, dtype and shape: safe for
#   files you receive from others. It stores one skdeepnn estimator.
# - ``pickle`` and ``joblib`` store any Python object (a whole Pipeline, say),
#   but loading such a file runs whatever code it holds: load only files you
#   trust.
# - ``skops.io`` (``pip install "skdeepnn[skops]"``) stores scikit-learn objects
#   without pickle, and before loading lists the types in the file that it does
#   not know to be safe; for a skdeepnn model that is only its public class.
folder = Path(tempfile.mkdtemp(prefix="skdeepnn-example-"))
files = {}

files["skdeepnn.save"] = folder / "model.npz"
skdeepnn.save(model, files["skdeepnn.save"])
reloaded = {"skdeepnn.save": skdeepnn.load(files["skdeepnn.save"])}

files["pickle"] = folder / "model.pkl"
with open(files["pickle"], "wb") as file:
    pickle.dump(model, file)
with open(files["pickle"], "rb") as file:
    reloaded["pickle"] = pickle.load(file)

files["joblib"] = folder / "model.joblib"
joblib.dump(model, files["joblib"])
reloaded["joblib"] = joblib.load(files["joblib"])

try:
    import skops.io
except ImportError:
    print("skops is not installed: skipping skops.io (pip install skops)")
else:
    files["skops.io"] = folder / "model.skops"
    skops.io.dump(model, files["skops.io"])
    unknown = skops.io.get_untrusted_types(file=files["skops.io"])
    print(f"skops.io asks to confirm these types before loading: {unknown}")
    reloaded["skops.io"] = skops.io.load(files["skops.io"], trusted=unknown)

# %%
# Same predictions
# ----------------
# Every reloaded model must give the very same probabilities, bit for bit, not
# merely close ones.
sizes = {}
for name, copy in reloaded.items():
    same = np.array_equal(copy.predict_proba(X_test), expected)
    sizes[name] = os.path.getsize(files[name]) / 1024
    print(f"{name:>13}: {sizes[name]:6.1f} KiB, identical predictions: {same}")
    if not same:
        raise SystemExit(f"the model reloaded with {name} predicts differently")

# %%
# Training goes on where it stopped
# ---------------------------------
# ``skdeepnn.save`` keeps the optimizer's state too (Adam's moving averages and
# its step count), so a reloaded model trains on exactly as the original would:
# 20 more epochs of ``partial_fit`` give both the same weights.
continued = skdeepnn.load(files["skdeepnn.save"])
saved_at = continued.n_iter_
for _ in range(20):
    model.partial_fit(X_train, y_train)
    continued.partial_fit(X_train, y_train)
same_weights = all(
    np.array_equal(a, b) for a, b in zip(model.coefs_, continued.coefs_, strict=True)
)
print(f"after {continued.n_iter_ - saved_at} more epochs, the same weights: {same_weights}")
print(f"test accuracy of the continued model: {continued.score(X_test, y_test):.4f}")

# %%
# The loss curve of the continued model runs on from the saved one's, since
# ``loss_curve_`` is saved with the weights: the dashed line marks the epoch at
# which the model was saved. On the right, the file sizes: skdeepnn's file is
# about as small as a pickle (both hold the weights and Adam's two moving
# averages, each the size of the weights); skops records the structure of every
# object too.
fig, (left, right) = plt.subplots(ncols=2, figsize=(11, 4), width_ratios=[3, 2])
LossCurveDisplay.from_estimator(continued, ax=left, name="reloaded", log_scale=True)
left.axvline(saved_at, color="tab:red", linestyle="--", label=f"saved at epoch {saved_at}")
left.legend(fontsize="small")
left.set_title("Training loss, before saving and after reloading")
right.barh(list(sizes), list(sizes.values()), color="tab:blue")
right.set_xlabel("file size (KiB)")
right.set_title(f"The same model in {len(sizes)} formats")
right.invert_yaxis()
fig.tight_layout()
plt.show()

# %%
# Clean up the temporary folder.
shutil.rmtree(folder)
