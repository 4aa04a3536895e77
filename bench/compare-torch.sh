#!/usr/bin/env bash
# Inference images/s of one ONNX model in Neutron (`neutron bench inference`) and in PyTorch (Debian's
# python3-torch, 2 threads), measured alternately in the same run, best round of each, and their ratio.
# torch 1.13 cannot read ONNX: the model's graph and weights are exported (bench project `export`) and rebuilt
# in torch by bench/torch_model.py, which first checks it against ../reference logits (or torch's NAME_y.npy
# beside NAME.onnx, as tests/data/make_torchvision.py writes them) when they exist.
# usage: bench/compare-torch.sh MODEL [BATCH=256] [SECONDS=5] [ROUNDS=2]
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: bench/compare-torch.sh MODEL [BATCH=256] [SECONDS=5] [ROUNDS=2]" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
model=$(realpath "$1")
batch=${2:-256}
seconds=${3:-5}
rounds=${4:-2}
python=/usr/bin/python3

dotnet build "$root/src/Neutron.Cli" -c Release -v quiet -nologo >/dev/null
dotnet build "$root/bench/Neutron.Bench" -c Release -v quiet -nologo >/dev/null
neutron=(dotnet "$root/src/Neutron.Cli/bin/Release/net10.0/neutron.dll")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dotnet "$root/bench/Neutron.Bench/bin/Release/net10.0/Neutron.Bench.dll" export "$model" "$tmp/graph" >/dev/null

# ../shared layout: models/NAME.onnx beside reference/NAME_logits.npy and the images they came from.
check=()
stem=$(basename "$model" .onnx)
reference=$(dirname "$model")/../reference
if [ -f "$reference/${stem}_logits.npy" ] && [ -f "$reference/fmnist_test1000_x.npy" ]; then
  check=(--check "$reference/fmnist_test1000_x.npy" "$reference/${stem}_logits.npy")
fi
# tests/data/make_torchvision.py layout: NAME.onnx beside NAME_x.npy and torch's NAME_y.npy.
if [ -f "${model%.onnx}_x.npy" ] && [ -f "${model%.onnx}_y.npy" ]; then
  check=(--check "${model%.onnx}_x.npy" "${model%.onnx}_y.npy")
fi

best_neutron=0
best_torch=0
check_diff=""
for ((r = 1; r <= rounds; r++)); do
  "${neutron[@]}" bench inference "$model" --batch "$batch" --seconds "$seconds" --json > "$tmp/neutron.json"
  if [ $r -eq 1 ]; then
    "$python" "$root/bench/torch_model.py" "$tmp/graph" "$batch" "$seconds" "${check[@]}" > "$tmp/torch.json"
  else
    "$python" "$root/bench/torch_model.py" "$tmp/graph" "$batch" "$seconds" > "$tmp/torch.json"
  fi
  read -r n t d < <("$python" - "$tmp/neutron.json" "$tmp/torch.json" <<'PY'
import json, sys
n = json.load(open(sys.argv[1])); t = json.load(open(sys.argv[2]))
print(n["images_per_s"], t["images_per_s"], t.get("check_max_abs_diff", ""))
PY
)
  echo "round $r: neutron $n images/s, torch $t images/s"
  best_neutron=$("$python" -c "print(max($best_neutron, $n))")
  best_torch=$("$python" -c "print(max($best_torch, $t))")
  [ -n "$d" ] && check_diff=$d
done
[ -n "$check_diff" ] && echo "torch rebuild vs reference logits: max |diff| = $check_diff"
kernels=$("$python" -c "import json; print(json.load(open('$tmp/neutron.json'))['kernels'])")
echo "$(basename "$model") batch $batch, 2 threads: neutron $best_neutron images/s (kernels $kernels), torch $best_torch images/s, ratio $("$python" -c "print(f'{$best_neutron / $best_torch:.2f}')")x"
