#!/usr/bin/env bash
# Campaign throughput against "re-run ONNX Runtime once per fault": `neutron bench campaign` (plain and accelerated
# runners, same faults) and onnxruntime-node's images/s on the same model at batch IMAGES, in the same run. A tool
# that re-ran ONNX Runtime over the IMAGES evaluation images for every fault would reach (ORT images/s) / IMAGES
# faults/s; the last column is the accelerated runner's faults/s over that rate. Prints one Markdown table row:
#   | model, target, images | --plain faults/s | accelerated faults/s | ORT re-run faults/s | accelerated / ORT re-run |
# usage: bench/compare-ort-campaign.sh MODEL DATA TARGET [IMAGES=1000] [FAULTS=200] [extra `bench campaign` options]
#   e.g. bench/compare-ort-campaign.sh ../shared/models/resnet20.onnx npy:X.npy,Y.npy activations 1000 24 --memory 4GiB
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: bench/compare-ort-campaign.sh MODEL DATA TARGET [IMAGES=1000] [FAULTS=200] [bench campaign options]" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
model=$(realpath "$1")
data=$2
target=$3
images=${4:-1000}
faults=${5:-200}
shift $(( $# < 5 ? $# : 5 ))
cache=${ORT_CACHE:-$HOME/.cache/neutron-ort}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# compare-ort.sh installs onnxruntime-node when missing; one short round of it also builds the CLI.
"$root/bench/compare-ort.sh" "$model" 1 1 1 >/dev/null 2>&1 || { echo "compare-ort-campaign: bench/compare-ort.sh failed on $model" >&2; exit 1; }
dotnet "$root/src/Neutron.Cli/bin/Release/net10.0/neutron.dll" bench campaign "$model" --data "$data" --target "$target" \
  --images "$images" --faults "$faults" --threads 2 --json "$@" > "$tmp/campaign.json"
NODE_PATH="$cache/node_modules" node "$root/bench/ort_model.js" "$model" "$images" 10 2 > "$tmp/ort.json"
python3 - "$tmp/campaign.json" "$tmp/ort.json" "$(basename "$model" .onnx)" "$target" "$images" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); o = json.load(open(sys.argv[2]))
name, target, images = sys.argv[3], sys.argv[4], int(sys.argv[5])
rerun = o["images_per_s"] / images
fast = c["fast_faults_per_s"]
print(f"| {name}, {target}, {images:,} images | {c['plain_faults_per_s']:,.2f} | {fast:,.2f} | {rerun:,.2f} | {fast / rerun:.1f}× |"
      + ("" if c.get("identical", True) else " OUTCOMES DIFFER"))
PY
