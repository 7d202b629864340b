"""The Python side of bench/training: scikit-learn's and XGBoost's figures on the same splits.

  training.py datasets DIR            writes DIR/datasets.tsv and DIR/<name>.{train,test}.csv
                                      (target last), prints scikit-learn's and XGBoost's results
  training.py boosting DIR ROWS THREADS
                                      writes a synthetic binary task of ROWS training rows (plus a
                                      quarter as many test rows) as float32 files, prints Python
                                      XGBoost's time and AUC with THREADS threads

Each result is one TSV line: dataset, algorithm, metric=value..., fit_seconds=... (the same shape as
the follower's TrainingComparison), so the shell script can put them side by side.
"""

import sys
import time
from pathlib import Path

import numpy as np
from sklearn import datasets
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
from sklearn.ensemble import (
    AdaBoostClassifier,
    AdaBoostRegressor,
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.metrics import accuracy_score, f1_score, mean_squared_error, r2_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
import xgboost

SEED = 42

DATASETS = {
    "iris": ("classification", datasets.load_iris),
    "wine": ("classification", datasets.load_wine),
    "breast_cancer": ("classification", datasets.load_breast_cancer),
    "digits": ("classification", datasets.load_digits),
    "diabetes": ("regression", datasets.load_diabetes),
}


def report(dataset, algorithm, metrics, fit_seconds):
    fields = [dataset, algorithm] + [f"{k}={v}" for k, v in metrics.items()]
    print("\t".join(fields + [f"fit_seconds={fit_seconds:.3f}"]), flush=True)


def classification_algorithms():
    # The follower's defaults, under the names pgml.train uses: linear is a logistic regression on
    # standardized features; the others take the libraries' own defaults (100 trees).
    return {
        "linear": lambda: LogisticRegression(max_iter=10_000),
        "decision_tree": lambda: DecisionTreeClassifier(random_state=SEED),
        "ada_boost": lambda: AdaBoostClassifier(n_estimators=50, algorithm="SAMME", random_state=SEED),
        "knn": lambda: KNeighborsClassifier(n_neighbors=5),
        "svm": SVC,  # defaults, unscaled features: the follower's svm does not standardize
        "lda": LinearDiscriminantAnalysis,
        "qda": QuadraticDiscriminantAnalysis,
        "naive_bayes": GaussianNB,
        "random_forest": lambda: RandomForestClassifier(n_estimators=100, random_state=SEED),
        "extra_trees": lambda: ExtraTreesClassifier(n_estimators=100, random_state=SEED),
        "gradient_boosting_trees": lambda: GradientBoostingClassifier(random_state=SEED),
        "xgboost": lambda: xgboost.XGBClassifier(
            n_estimators=100, max_depth=6, learning_rate=0.3, tree_method="hist", random_state=SEED
        ),
        # scikit-learn's defaults, on standardized features on both sides (see run_datasets).
        "mlp": lambda: MLPClassifier(random_state=SEED),
    }


def regression_algorithms():
    return {
        "linear": LinearRegression,
        "ridge": lambda: Ridge(alpha=1.0),
        "lasso": lambda: Lasso(alpha=1.0),
        "elastic_net": lambda: ElasticNet(alpha=1.0, l1_ratio=0.5),
        "decision_tree": lambda: DecisionTreeRegressor(random_state=SEED),
        "svm": SVR,
        "knn": lambda: KNeighborsRegressor(n_neighbors=5),
        "ada_boost": lambda: AdaBoostRegressor(n_estimators=50, random_state=SEED),
        "random_forest": lambda: RandomForestRegressor(n_estimators=100, random_state=SEED),
        "extra_trees": lambda: ExtraTreesRegressor(n_estimators=100, random_state=SEED),
        "gradient_boosting_trees": lambda: GradientBoostingRegressor(random_state=SEED),
        "xgboost": lambda: xgboost.XGBRegressor(
            n_estimators=100, max_depth=6, learning_rate=0.3, tree_method="hist", random_state=SEED
        ),
        # 2,000 epochs rather than 200, on both sides (TrainingComparison): at 200 neither network
        # gets near diabetes' targets (r2 about -0.9 on both).
        "mlp": lambda: MLPRegressor(random_state=SEED, max_iter=2000),
    }


def run_datasets(out):
    out.mkdir(parents=True, exist_ok=True)
    listing = []
    for name, (task, load) in DATASETS.items():
        x, y = load(return_X_y=True)
        stratify = y if task == "classification" else None
        x_train, x_test, y_train, y_test = train_test_split(
            x, y, test_size=0.25, random_state=SEED, stratify=stratify
        )
        for part, (xs, ys) in {"train": (x_train, y_train), "test": (x_test, y_test)}.items():
            header = ",".join([f"f{i}" for i in range(xs.shape[1])] + ["target"])
            np.savetxt(
                out / f"{name}.{part}.csv",
                np.column_stack([xs, ys]),
                delimiter=",",
                header=header,
                comments="",
                fmt="%.17g",
            )
        listing.append(f"{name}\t{task}")
        algorithms = classification_algorithms() if task == "classification" else regression_algorithms()
        for algorithm, make in algorithms.items():
            xs_train, xs_test = x_train, x_test
            # The follower standardizes features for these two (TrainingComparison does as
            # pgml.train); scikit-learn gets the same scaled features.
            # mlp: both sides on standardized features, as a user scales them for a network
            # (unscaled, either side's accuracy on wine is a draw of the seed, 0.07 to 0.96).
            if (algorithm == "linear" and task == "classification") or algorithm in ("knn", "mlp"):
                scale = StandardScaler().fit(x_train)
                xs_train, xs_test = scale.transform(x_train), scale.transform(x_test)
            model = make()
            start = time.perf_counter()
            model.fit(xs_train, y_train)
            fit = time.perf_counter() - start
            predicted = model.predict(xs_test)
            if task == "classification":
                metrics = {
                    "accuracy": accuracy_score(y_test, predicted),
                    "f1": f1_score(y_test, predicted, average="macro"),
                }
            else:
                metrics = {
                    "r2": r2_score(y_test, predicted),
                    "rmse": mean_squared_error(y_test, predicted) ** 0.5,
                }
            report(name, algorithm, metrics, fit)
    (out / "datasets.tsv").write_text("\n".join(listing) + "\n")


def run_boosting(out, rows, threads):
    out.mkdir(parents=True, exist_ok=True)
    test_rows = rows // 4
    # A HIGGS-like shape: 28 dense features, a noisy binary label.
    x, y = datasets.make_classification(
        n_samples=rows + test_rows,
        n_features=28,
        n_informative=12,
        n_redundant=6,
        flip_y=0.05,
        class_sep=0.8,
        random_state=SEED,
    )
    x = x.astype(np.float32)
    y = y.astype(np.float32)
    parts = {"train": (x[:rows], y[:rows]), "test": (x[rows:], y[rows:])}
    for part, (xs, ys) in parts.items():
        xs.astype("<f4").tofile(out / f"{part}.x.f32")
        ys.astype("<f4").tofile(out / f"{part}.y.f32")
    (out / "boosting.tsv").write_text(f"{rows}\t{test_rows}\t{x.shape[1]}\t{threads}\n")
    params = {
        "objective": "binary:logistic",
        "tree_method": "hist",
        "max_depth": 6,
        "eta": 0.3,
        "nthread": threads,
        "seed": SEED,
    }
    start = time.perf_counter()
    # The follower trains from rows it holds in memory: the DMatrix build is part of the fit.
    train = xgboost.DMatrix(parts["train"][0], label=parts["train"][1], nthread=threads)
    booster = xgboost.train(params, train, num_boost_round=100)
    fit = time.perf_counter() - start
    probabilities = booster.predict(xgboost.DMatrix(parts["test"][0], nthread=threads))
    metrics = {
        "roc_auc": roc_auc_score(parts["test"][1], probabilities),
        "accuracy": accuracy_score(parts["test"][1], probabilities > 0.5),
    }
    report("boosting", "python_xgboost", metrics, fit)


if __name__ == "__main__":
    command, directory = sys.argv[1], Path(sys.argv[2])
    if command == "datasets":
        run_datasets(directory)
    elif command == "boosting":
        run_boosting(directory, int(sys.argv[3]), int(sys.argv[4]))
    else:
        raise SystemExit(__doc__)
