"""Quickstart: tune, train, save and reload a DeepNNClassifier on the digits data.

Run it with ``python examples/quickstart.py [--output PATH]``. It grid-searches the
hidden units and the learning rate of a standardized network, prints the test
accuracy, saves the best model with joblib, reloads it, and checks that the
reloaded model predicts exactly as the one it saved.
"""

import argparse
import tempfile
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNClassifier


def main(output=None):
    start = time.perf_counter()
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )

    model = Pipeline(
        [
            ("scale", StandardScaler()),
            ("net", DeepNNClassifier(max_iter=300, random_state=0)),
        ]
    )
    search = GridSearchCV(
        model,
        {
            "net__hidden_layer_sizes": [(64,), (128, 64)],
            "net__learning_rate": [1e-3, 1e-2],
        },
        cv=3,
        n_jobs=2,
    )
    search.fit(X_train, y_train)
    accuracy = search.score(X_test, y_test)
    print(f"best parameters: {search.best_params_}")
    print(f"cross-validated accuracy: {search.best_score_:.4f}")
    print(f"test accuracy: {accuracy:.4f}")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(output) if output else Path(folder) / "digits_model.joblib"
        joblib.dump(search.best_estimator_, path)
        reloaded = joblib.load(path)
    same = np.array_equal(
        reloaded.predict_proba(X_test), search.best_estimator_.predict_proba(X_test)
    )
    print(f"saved to {path}; reloaded model predicts identically: {same}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    if not same:
        raise SystemExit("the reloaded model does not predict as the saved one")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", help="where to save the model (default: a temporary folder)")
    main(parser.parse_args().output)
