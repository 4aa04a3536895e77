#!/usr/bin/env bash
# Runs bench/compare-ort.sh on the benchmark's ten models and prints the table for docs/benchmarks.md: the
# ../shared LeNet-5 and ResNet-20 at batch 256, eight torchvision classifiers (tests/data/make_torchvision.py,
# exported into tests/data/.cache/torchvision when missing) at batch 8. The vector width the engine ran with is
# the table's last column. Run it on a quiet machine: on a loaded one the ratios mean little.
# usage: bench/compare-ort-all.sh [SECONDS=5] [ROUNDS=3]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-5}
rounds=${2:-3}
shared=$root/../shared/models
torchvision=$root/tests/data/.cache/torchvision
names=(resnet18 mobilenet_v2 efficientnet_b0 densenet121 googlenet squeezenet1_1 mobilenet_v3_small shufflenet_v2_x1_0)

missing=()
for n in "${names[@]}"; do [ -f "$torchvision/$n.onnx" ] || missing+=("$n"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "exporting ${missing[*]} with tests/data/make_torchvision.py" >&2
  /usr/bin/python3 "$root/tests/data/make_torchvision.py" "$torchvision" "${missing[@]}" >&2
fi
dotnet build "$root/src/Neutron.Cli" -c Release -v quiet -nologo >/dev/null

echo "| model (batch) | Neutron img/s | ONNX Runtime img/s | ratio | median round ratio | kernels |"
echo "|---|---|---|---|---|---|"
for m in "$shared/lenet5.onnx" "$shared/resnet20.onnx"; do
  NEUTRON_NO_BUILD=1 "$root/bench/compare-ort.sh" "$m" 256 "$seconds" "$rounds"
done
for n in "${names[@]}"; do
  NEUTRON_NO_BUILD=1 "$root/bench/compare-ort.sh" "$torchvision/$n.onnx" 8 "$seconds" "$rounds"
done
