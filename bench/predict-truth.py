#!/usr/bin/python3
"""Predicted criticality against exhaustive truth: joins `predict --out` (fault,probability,critical) with the
`export --csv` of an exhaustive campaign of the same model, format and images, and prints ROC AUC, the recall of
critical bits and the false-alarm share, over every bit and over the bits the training campaign never injected.
A measurement script (Debian's python3-sklearn for the AUC), not part of neutron.
usage: bench/predict-truth.py PREDICTIONS.csv TRAINING-EXPORT.csv EXHAUSTIVE-EXPORT.csv [TAU=1]"""
import csv
import sys

from sklearn.metrics import roc_auc_score


def main(predictions, training, exhaustive, tau=1.0):
    seen = {row["fault"] for row in csv.DictReader(open(training))}
    truth = {row["fault"]: float(row["drop"]) > tau for row in csv.DictReader(open(exhaustive))}
    predicted = {}
    for row in csv.DictReader(open(predictions)):
        if row["fault"] in truth:
            predicted[row["fault"]] = (float(row["probability"]), row["critical"] == "1")
    missing = len(truth) - len(predicted)
    if missing:
        sys.exit(f"{missing} faults of the exhaustive campaign have no prediction: not the same model or format?")
    for name, keys in (("every bit", sorted(predicted)), ("never injected", sorted(k for k in predicted if k not in seen))):
        critical = [truth[k] for k in keys]
        score = [predicted[k][0] for k in keys]
        called = [predicted[k][1] for k in keys]
        positives = sum(critical)
        hits = sum(1 for c, p in zip(critical, called) if c and p)
        alarms = sum(1 for c, p in zip(critical, called) if not c and p)
        auc = roc_auc_score(critical, score) if 0 < positives < len(keys) else float("nan")
        recall = hits / positives if positives else float("nan")
        print(f"{name}: {len(keys):,} bits, {positives:,} critical (drop > {tau:g} pp), ROC AUC {auc:.4f}, "
              f"recall {recall:.4f} ({positives - hits} missed), false alarms {100 * alarms / len(keys):.2f} % of the bits")


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__.split("\n")[-1])
    main(*sys.argv[1:4], *(float(a) for a in sys.argv[4:]))
