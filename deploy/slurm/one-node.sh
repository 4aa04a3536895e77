#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for trying the array scripts: munge, slurmctld and slurmd (Debian
# packages slurm-wlm and munge, installed when missing) with their state in a folder of their own.
#   deploy/slurm/one-node.sh start DIR    starts them; prints the SLURM_CONF to export
#   deploy/slurm/one-node.sh stop DIR     stops them
# Runs as root (slurmd starts jobs as their users). Not for production: one node, no accounting.
set -euo pipefail
action=${1:?start or stop}; dir=$(readlink -f "${2:?state folder}")
host=$(hostname -s)
if [[ $action == stop ]]; then
  for p in slurmd slurmctld; do [[ -f $dir/$p.pid ]] && kill "$(cat "$dir/$p.pid")" 2>/dev/null || true; done
  [[ -f $dir/munge/munged.pid ]] && kill "$(cat "$dir/munge/munged.pid")" 2>/dev/null || true
  exit 0
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge
fi
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chown munge: "$dir/munge"
[[ -f /etc/munge/munge.key ]] || { mungekey --create 2>/dev/null || create-munge-key; }
runuser -u munge -- /usr/sbin/munged --socket="$dir/munge/munge.socket" --pid-file="$dir/munge/munged.pid" --force
cpus=$(nproc)
cat > "$dir/slurm.conf" <<CONF
ClusterName=neutron
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=${SLURMCTLD_PORT:-16817}
SlurmdPort=${SLURMD_PORT:-16818}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf
/usr/sbin/slurmctld -f "$SLURM_CONF"
/usr/sbin/slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break; sleep 1; done
sinfo
echo "export SLURM_CONF=$SLURM_CONF"
