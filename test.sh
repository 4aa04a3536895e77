#!/usr/bin/env bash
# Runs Neutron's tests. On a fresh Debian machine it first installs what the tests read (only what is missing,
# non-interactively): the Fashion-MNIST and ONNX test data, PyTorch (reference exports), scikit-learn (the random
# forest's cross-check), python3-onnx (the ONNX checker on written models), Chromium (report rendering), PostgreSQL
# (the tests start a throwaway server of their own), and the .NET SDK pinned by global.json when `dotnet` is absent.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
cd "$root"

packages=(dataset-fashion-mnist libonnx-testdata python3-torch python3-torchvision python3-sklearn python3-onnx chromium postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  echo "test.sh: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v dotnet >/dev/null; then
  echo "test.sh: installing the .NET SDK into ~/.dotnet"
  curl -fsSL https://dot.net/v1/dotnet-install.sh -o /tmp/dotnet-install.sh
  bash /tmp/dotnet-install.sh --jsonfile "$root/global.json" --install-dir "$HOME/.dotnet"
  export PATH="$HOME/.dotnet:$PATH"
fi

# Normal verbosity: each test and what suites print (the conformance counts per folder), then the summary.
exec dotnet test Neutron.slnx --logger "console;verbosity=normal" "$@"
