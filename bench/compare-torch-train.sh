#!/bin/sh
# One LeNet-5 training epoch on the 60,000 Fashion-MNIST training images (SGD momentum 0.9, lr 0.05, batch 64,
# no augmentation), by Neutron and by Debian's python3-torch at 2 threads, back to back in the same run; prints
# both times and the ratio Neutron / torch, wall and CPU (CPU time is steadier when the machine is shared).
# Usage: bench/compare-torch-train.sh [IMAGES]   (from the repository root)
set -eu
images=${1:-60000}
root=$(cd "$(dirname "$0")/.." && pwd)
dotnet build "$root/bench/Neutron.Bench" -c Release -v q -nologo >/dev/null
neutron=$(dotnet "$root/bench/Neutron.Bench/bin/Release/net10.0/Neutron.Bench.dll" train "$images")
echo "$neutron"
torch=$(/usr/bin/python3 - "$images" <<'PY'
import gzip, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(1)
n = int(sys.argv[1])
src = "/usr/share/datasets/fashion-mnist"
x = np.frombuffer(gzip.open(f"{src}/train-images-idx3-ubyte.gz").read()[16:], np.uint8)[: n * 784]
y = np.frombuffer(gzip.open(f"{src}/train-labels-idx1-ubyte.gz").read()[8:], np.uint8)[:n]
x = torch.from_numpy(((x.reshape(-1, 1, 28, 28) / 255.0 - 0.286) / 0.353).astype(np.float32))
y = torch.from_numpy(y.astype(np.int64))

class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
    def forward(self, t):
        t = F.max_pool2d(F.relu(self.conv1(t)), 2)
        t = F.max_pool2d(F.relu(self.conv2(t)), 2)
        t = torch.flatten(t, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(t)))))

net = LeNet5()
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
cpu0, wall0 = time.process_time(), time.perf_counter()
order = torch.randperm(len(y))
total, correct, seen = 0.0, 0, 0
for s in range(0, len(y), 64):
    idx = order[s:s + 64]
    if len(idx) < 2:
        break
    xb, yb = x[idx], y[idx]
    opt.zero_grad()
    out = net(xb)
    loss = F.cross_entropy(out, yb)
    loss.backward()
    opt.step()
    total += loss.item() * len(idx)
    correct += (out.argmax(1) == yb).sum().item()
    seen += len(idx)
wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
print(f"torch {torch.__version__} lenet5 epoch: {seen} images, {wall:.2f} s wall, {cpu:.2f} s cpu, loss {total / seen:.4f}, train accuracy {100 * correct / seen:.2f} %")
PY
)
echo "$torch"
echo "$neutron
$torch" | awk '
  /wall/ { for (i = 1; i <= NF; i++) { if ($(i+1) == "s" && $(i+2) == "wall,") w[NR] = $i; if ($(i+1) == "s" && $(i+2) == "cpu,") c[NR] = $i } }
  END { printf "ratio neutron/torch: %.2f wall, %.2f cpu\n", w[1] / w[2], c[1] / c[2] }'
