#!/usr/bin/env bash
# A campaign as a Slurm job array: task k runs shard k of N (`--shard auto` reads SLURM_ARRAY_TASK_ID, _MIN and
# _COUNT) into its own SQLite file; `neutron merge` joins them when all are done (docs/distributed.md). A task that
# was cancelled or failed continues its own file when the array is submitted again: finished shards then find
# nothing left to run. Settings come from the environment, so one script serves every campaign:
#   MODEL=/data/lenet5.onnx DATA=idx:/data/t10k PLAN=random:20000 OUT=/scratch/run1 sbatch --array=1-8 deploy/slurm/campaign-array.sh
#SBATCH --job-name=neutron-shard
#SBATCH --cpus-per-task=1
#SBATCH --output=neutron-%A_%a.out
set -euo pipefail
: "${MODEL:?set MODEL to the .onnx file}" "${DATA:?set DATA to the data spec, e.g. idx:/data/t10k}"
mkdir -p "${OUT:=$PWD/neutron-shards}"
exec "${NEUTRON:-neutron}" campaign "$MODEL" --data "$DATA" --plan "${PLAN:-random:2000}" --seed "${SEED:-1}" \
  ${IMAGES:+--images "$IMAGES"} --threads "${SLURM_CPUS_PER_TASK:-1}" --shard auto \
  --db "$OUT/shard-$SLURM_ARRAY_TASK_ID.db" ${EXTRA:-}
