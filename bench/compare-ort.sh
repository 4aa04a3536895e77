#!/usr/bin/env bash
# Inference images/s of one ONNX model in Neutron (`neutron bench inference`) and in ONNX Runtime
# (onnxruntime-node, CPU, all graph optimisations), same file, same batch, 2 threads each, measured in alternating
# rounds in the same run; best round of each and their ratio. onnxruntime-node is a benchmark-only dependency:
# it is installed once with npm into ORT_CACHE (default ~/.cache/neutron-ort), never into the repository.
# Prints the rounds on stderr and one Markdown table row on stdout: the best round of each and their ratio, then
# the median of the rounds' own ratios (each round runs both back to back, so it is the steadier figure when the
# machine's speed drifts between rounds):
#   | model (batch) | Neutron img/s | ONNX Runtime img/s | ratio | median round ratio | kernels |
# usage: bench/compare-ort.sh MODEL [BATCH=256] [SECONDS=5] [ROUNDS=3]
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: bench/compare-ort.sh MODEL [BATCH=256] [SECONDS=5] [ROUNDS=3]" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
model=$(realpath "$1")
batch=${2:-256}
seconds=${3:-5}
rounds=${4:-3}
threads=2
version=1.30.0
cache=${ORT_CACHE:-$HOME/.cache/neutron-ort}

if [ ! -f "$model" ]; then
  echo "compare-ort: no model file $1; give the path of an .onnx file" >&2
  exit 2
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "compare-ort: node and npm are needed for the ONNX Runtime side; install nodejs and npm" >&2
  exit 2
fi
if [ "$(cat "$cache/node_modules/onnxruntime-node/package.json" 2>/dev/null | grep -o "\"version\": *\"$version\"" || true)" = "" ]; then
  mkdir -p "$cache"
  # --ignore-scripts: the CPU build ships in the package; its install script only fetches GPU parts.
  (cd "$cache" && npm install --ignore-scripts --no-audit --no-fund "onnxruntime-node@$version" >&2)
fi

if [ -z "${NEUTRON_NO_BUILD:-}" ]; then
  dotnet build "$root/src/Neutron.Cli" -c Release -v quiet -nologo >/dev/null
fi
neutron=(dotnet "$root/src/Neutron.Cli/bin/Release/net10.0/neutron.dll")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
best_neutron=0
best_ort=0
ratios=()
for ((r = 1; r <= rounds; r++)); do
  "${neutron[@]}" bench inference "$model" --batch "$batch" --seconds "$seconds" --threads "$threads" --json > "$tmp/neutron.json"
  NODE_PATH="$cache/node_modules" node "$root/bench/ort_model.js" "$model" "$batch" "$seconds" "$threads" > "$tmp/ort.json"
  n=$(field "$tmp/neutron.json" images_per_s)
  o=$(field "$tmp/ort.json" images_per_s)
  printf 'round %d: neutron %.1f images/s, onnxruntime %.1f images/s\n' "$r" "$n" "$o" >&2
  ratios+=("$(python3 -c "print($n / $o)")")
  best_neutron=$(python3 -c "print(max($best_neutron, $n))")
  best_ort=$(python3 -c "print(max($best_ort, $o))")
done
kernels=$(field "$tmp/neutron.json" kernels)
python3 - "$(basename "$model" .onnx)" "$batch" "$best_neutron" "$best_ort" "$kernels" "${ratios[@]}" <<'PY'
import statistics, sys
name, batch, n, o, kernels = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
rounds = [float(r) for r in sys.argv[6:]]
fmt = lambda v: f"{v:,.0f}" if v >= 1000 else f"{v:,.1f}"
print(f"| {name} ({batch}) | {fmt(n)} | {fmt(o)} | {n / o:.2f} | {statistics.median(rounds):.2f} | {kernels} |")
PY
