#!/usr/bin/env bash
# Throughput of the shared store: the same campaign (LeNet-5, accelerated path, one thread per process) into an
# SQLite file, into a throwaway PostgreSQL server by one process, and by two (the `campaign` that writes the plan and
# one `worker`). Prints wall times and the per-fault difference. Only meaningful on an otherwise idle machine.
#   bench/pg-throughput.sh [FAULTS] [IMAGES]        (as root: the server runs as user postgres)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
shared="$root/../shared"
faults=${1:-3000}; images=${2:-200}
work=$(mktemp -d /tmp/neutron-pgbench-XXXX)
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
chown postgres "$work"
runuser -u postgres -- "$bin/initdb" -D "$work/data" -U neutron --auth=trust --no-sync > /dev/null
runuser -u postgres -- "$bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w -o "-p $port -k $work -c listen_addresses=127.0.0.1" start > /dev/null
trap 'runuser -u postgres -- "$bin/pg_ctl" -D "$work/data" -m fast stop > /dev/null; rm -rf "$work"' EXIT
db() { psql -q -h 127.0.0.1 -p "$port" -U neutron -d postgres -c "CREATE DATABASE $1;"; echo "postgresql://neutron@127.0.0.1:$port/$1"; }

"$root/neutron" --help > /dev/null # build first
args=("$shared/models/lenet5.onnx" --data "npy:$shared/reference/fmnist_test1000_x.npy,$shared/reference/fmnist_test1000_y.npy"
      --images "$images" --plan "random:$faults" --seed 5 --threads 1)
seconds() { local t0=$(date +%s.%N); "$@" > /dev/null 2>&1; python3 -c "print(f'{$(date +%s.%N) - $t0:.2f}')"; }

t_sqlite=$(seconds "$root/neutron" campaign "${args[@]}" --db "$work/a.db")
t_dry=$(seconds "$root/neutron" campaign "${args[@]}" --db "$work/dry.db" --dry-run)
one=$(db one)
t_pg1=$(seconds "$root/neutron" campaign "${args[@]}" --db "$one" --chunk 100)
two=$(db two)
t0=$(date +%s.%N)
"$root/neutron" campaign "${args[@]}" --db "$two" --chunk 100 > "$work/first.log" 2>&1 &
first=$!
until psql -qtA -h 127.0.0.1 -p "$port" -U neutron -d two -c "SELECT count(*) FROM chunks" 2>/dev/null | grep -qv '^0$'; do sleep 0.1; done
"$root/neutron" worker --db "$two" --threads 1 > "$work/second.log" 2>&1
wait $first
t_pg2=$(python3 -c "print(f'{$(date +%s.%N) - $t0:.2f}')")
for u in "$one" "$two"; do
  n=$("$root/neutron" export --db "$u" --csv "$work/x.csv" 2>&1 | grep -o '^[0-9,]*' | tr -d ,)
  [[ $n == "$faults" ]] || { echo "store $u has $n outcomes, expected $faults"; exit 1; }
done
"$root/neutron" export --db "$work/a.db" --csv "$work/a.csv" > /dev/null 2>&1
"$root/neutron" export --db "$two" --csv "$work/b.csv" > /dev/null 2>&1
cmp "$work/a.csv" "$work/b.csv" && echo "outcomes: SQLite and two PostgreSQL workers identical"
python3 - "$faults" "$t_sqlite" "$t_pg1" "$t_pg2" "$t_dry" <<'PY'
import sys
n, sq, p1, p2, dry = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"{n} faults; start-up alone (--dry-run) {dry:.2f} s")
print(f"SQLite, 1 process:       {sq:7.2f} s  {1000*(sq-dry)/n:.3f} ms/fault after start-up")
print(f"PostgreSQL, 1 process:   {p1:7.2f} s  {1000*(p1-dry)/n:.3f} ms/fault; overhead {1000*(p1-sq)/n:+.3f} ms/fault")
print(f"PostgreSQL, 2 processes: {p2:7.2f} s  speed-up {p1/p2:.2f}x over 1")
PY
