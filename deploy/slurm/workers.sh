#!/usr/bin/env bash
# Workers of a campaign in a PostgreSQL store, as a Slurm job array: every task runs `neutron worker` until all
# chunks are done. Any number of tasks; a task that is cancelled or lost loses only its chunk in flight. Write the
# plan first with `neutron campaign ... --db URL` (docs/distributed.md). The password comes from PGPASSWORD or
# ~/.pgpass on the compute nodes, never from the command line:
#   DB=postgresql://neutron@dbhost/campaigns sbatch --array=1-16 deploy/slurm/workers.sh
#SBATCH --job-name=neutron-worker
#SBATCH --cpus-per-task=2
#SBATCH --output=neutron-worker-%A_%a.out
set -euo pipefail
: "${DB:?set DB to postgresql://USER@HOST[:PORT]/DB}"
exec "${NEUTRON:-neutron}" worker --db "$DB" --threads "${SLURM_CPUS_PER_TASK:-1}" ${EXTRA:-}
