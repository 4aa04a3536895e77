#!/usr/bin/python3
# Cross-check of Neutron's random forest (tests/Neutron.Protection.Tests/Forest/SklearnAgreementTests.cs):
# trains scikit-learn's RandomForestClassifier, and a balanced random forest made of its DecisionTreeClassifier
# (each tree on a bootstrap of m rows of each class, m = the minority's size), on TRAIN.csv; scores TEST.csv;
# each with five seeds (mean ROC AUC printed), and scores Neutron's probabilities (OURS.csv: one probability per test row) with sklearn's metrics.
# CSV: header, then features..., label (0/1). Prints one JSON object.
import json, sys
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn.metrics import roc_auc_score, average_precision_score

train, test, ours, trees = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
a = np.loadtxt(train, delimiter=",", skiprows=1)
b = np.loadtxt(test, delimiter=",", skiprows=1)
x, y, xt, yt = a[:, :-1], a[:, -1].astype(int), b[:, :-1], b[:, -1].astype(int)
p_ours = np.loadtxt(ours, delimiter=",", skiprows=1)

# Five seeds each: one forest's AUC on a few hundred rows varies by about ±0.005 from seed to seed.
SEEDS = 5
p_rf = [RandomForestClassifier(n_estimators=trees, max_features="sqrt", random_state=s, n_jobs=2).fit(x, y).predict_proba(xt)[:, 1]
        for s in range(SEEDS)]

pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
m = min(len(pos), len(neg))
p_brf = []
for s in range(SEEDS):
    rng = np.random.RandomState(s)
    p = np.zeros(len(yt))
    for t in range(trees):
        rows = np.concatenate([rng.choice(pos, m, replace=True), rng.choice(neg, m, replace=True)])
        tree = DecisionTreeClassifier(max_features="sqrt", random_state=rng.randint(1 << 30)).fit(x[rows], y[rows])
        p += tree.predict_proba(xt)[:, 1]
    p_brf.append(p / trees)

print(json.dumps({
    "rf_roc_auc": float(np.mean([roc_auc_score(yt, p) for p in p_rf])),
    "brf_roc_auc": float(np.mean([roc_auc_score(yt, p) for p in p_brf])),
    "ours_roc_auc": roc_auc_score(yt, p_ours[:, 0]), "ours_ap": average_precision_score(yt, p_ours[:, 0]),
    "ours_brf_roc_auc": roc_auc_score(yt, p_ours[:, 1]), "ours_brf_ap": average_precision_score(yt, p_ours[:, 1]),
}))
