#!/usr/bin/env bash
# A real Slurm run of one campaign on a one-node cluster (deploy/slurm/one-node.sh): the plan as a job array of 4
# shards (`--shard auto`), one array task cancelled with scancel while it runs, the array submitted again (finished
# shards find nothing left to run; the cancelled one continues its file), the shards merged, and the result compared
# with a single-process run of the same campaign: every outcome and changed prediction must be identical.
#   bench/slurm-restart.sh [WORK_FOLDER]        (as root; installs slurm-wlm and munge when missing)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
shared="$root/../shared"
work=$(readlink -f "${1:-$(mktemp -d /tmp/neutron-slurm-XXXX)}")
mkdir -p "$work"
"$root/deploy/slurm/one-node.sh" start "$work/slurm" > "$work/slurm-start.log"
export SLURM_CONF=$work/slurm/slurm.conf
trap '"$root/deploy/slurm/one-node.sh" stop "$work/slurm"' EXIT

"$root/neutron" --help > /dev/null # build once, before four tasks start together
export NEUTRON=$root/neutron MODEL=$shared/models/lenet5.onnx IMAGES=300 PLAN=random:240 SEED=11 OUT=$work/shards
export DATA="npy:$shared/reference/fmnist_test1000_x.npy,$shared/reference/fmnist_test1000_y.npy" EXTRA="--plain --batch 2"
outcomes() { python3 -c 'import sqlite3,sys
try: print(sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute("select count(*) from outcomes").fetchone()[0])
except Exception: print(-1)' "$1"; }
wait_for() { while squeue -h -j "$1" 2>/dev/null | grep -q .; do sleep 1; done; }

echo "== single process"
"$NEUTRON" campaign "$MODEL" --data "$DATA" --images $IMAGES --plan $PLAN --seed $SEED --threads 1 $EXTRA --db "$work/reference.db" | tail -1

echo "== sbatch --array=1-4"
job=$(sbatch --parsable --array=1-4 --chdir "$work" "$root/deploy/slurm/campaign-array.sh")
until (( $(outcomes "$OUT/shard-2.db") >= 10 )); do sleep 0.2; done
scancel "${job}_2"
echo "scancel ${job}_2 with $(outcomes "$OUT/shard-2.db") of 60 outcomes stored"
wait_for "$job"
for k in 1 2 3 4; do echo "shard $k: $(outcomes "$OUT/shard-$k.db") outcomes"; done

echo "== sbatch --array=1-4 again"
again=$(sbatch --parsable --array=1-4 --chdir "$work" "$root/deploy/slurm/campaign-array.sh")
wait_for "$again"
for k in 1 2 3 4; do echo "shard $k: $(outcomes "$OUT/shard-$k.db") outcomes"; done
grep -h "already stored" "$work"/neutron-"$again"_*.out || true

echo "== merge and compare"
"$NEUTRON" merge --db "$work/merged.db" "$OUT"/shard-{1,2,3,4}.db | tail -1
"$NEUTRON" export --db "$work/reference.db" --csv "$work/reference.csv" > /dev/null
"$NEUTRON" export --db "$work/merged.db" --csv "$work/merged.csv" > /dev/null
python3 - "$work/reference.db" "$work/merged.db" <<'PY'
import sqlite3, sys
def rows(db, sql): return sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(sql).fetchall()
for what, sql in [("outcomes", "select fault_index, images, golden_correct, faulty_correct, sdc, nonfinite, drop_pp, protection from outcomes order by 1"),
                  ("predictions", "select fault_index, image, top1 from predictions order by 1, 2"),
                  ("faults", "select fault_index, fault from faults order by 1")]:
    a, b = rows(sys.argv[1], sql), rows(sys.argv[2], sql)
    print(f"{what}: {len(a)} single-process, {len(b)} merged, {'identical' if a == b else 'DIFFERENT'}")
    if a != b: sys.exit(1)
PY
cmp "$work/reference.csv" "$work/merged.csv" && echo "export CSV: identical"
