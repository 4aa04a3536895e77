#!/bin/sh
# Makes lenet5-conv1-exhaustive-100img.csv: every single-bit flip of LeNet-5's conv1 weights and bias (156 × 32 =
# 4,992 faults) on the first 100 reference images; columns fault, sdc (images), drop (pp). Used by
# tests/Neutron.Analysis.Tests/Statistics/IntervalCoverageTests.cs. Run from the repository root.
set -e
S=${SHARED:-../shared}
neutron campaign "$S/models/lenet5.onnx" --data "npy:$S/reference/fmnist_test1000_x.npy,$S/reference/fmnist_test1000_y.npy" \
  --images 100 --plan exhaustive --layer 'conv1*' --db /tmp/conv1.db
neutron export --db /tmp/conv1.db --csv /tmp/conv1.csv
python3 - <<'PY'
import csv
rows = list(csv.DictReader(open('/tmp/conv1.csv')))
with open('tests/data/lenet5-conv1-exhaustive-100img.csv', 'w') as out:
    out.write('fault,sdc,drop\n')
    for r in rows:
        out.write(f"{r['fault']},{r['sdc']},{r['drop']}\n")
PY
