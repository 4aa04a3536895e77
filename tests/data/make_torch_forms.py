#!/usr/bin/python3
"""Exports classifiers in the forms real exporters write, for the accelerated-vs-plain equivalence test
(tests/Neutron.Faults.Tests/Running/TorchvisionEquivalenceTests.cs): opsets 9 to 17, constant folding on and off,
weights held in Constant nodes or listed as graph inputs, Hardswish written out as opset-9 arithmetic, squeeze-and-
excitation blocks reshaped through x.size() (Shape/Gather/Concat/Reshape), ShuffleNet's channel shuffle. Seeded
random weights, BatchNorm randomised as in make_torchvision.py. Run with Debian's /usr/bin/python3 (python3-torch
1.13, python3-torchvision 0.14); no onnx package needed (the Constant-node rewrite edits the protobuf directly).

usage: make_torch_forms.py OUTDIR [NAME ...]    writes OUTDIR/NAME.onnx, NAME_x.npy, NAME_y.npy (all forms by default)
"""
import os
import sys
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models as tvm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torchvision import randomize_batchnorm, save_atomically  # noqa: E402


class HSwish9(nn.Module):
    """Hardswish as opset-9 exports of hand-written MobileNetV3 code have it: x * relu6(x + 3) / 6 (Add, Clip, Mul,
    Div with scalar constants)."""

    def forward(self, x):
        return x * F.relu6(x + 3.0) / 6.0


class HSigmoid9(nn.Module):
    def forward(self, x):
        return F.relu6(x + 3.0) / 6.0


class SqueezeExcite(nn.Module):
    """SE block with Linear layers: pooled to (b, c) through x.size(), which exports as Shape/Gather/Reshape."""

    def __init__(self, channels, gate):
        super().__init__()
        self.fc1 = nn.Linear(channels, max(channels // 4, 8))
        self.fc2 = nn.Linear(max(channels // 4, 8), channels)
        self.gate = gate

    def forward(self, x):
        b, c = x.size(0), x.size(1)
        y = F.adaptive_avg_pool2d(x, 1).view(b, c)
        y = self.gate(self.fc2(F.relu(self.fc1(y))))
        return x * y.view(b, c, 1, 1)


class Block(nn.Module):
    def __init__(self, cin, expand, cout, stride, act, gate, se):
        super().__init__()
        self.expand = nn.Sequential(nn.Conv2d(cin, expand, 1, bias=False), nn.BatchNorm2d(expand), act())
        self.depthwise = nn.Sequential(nn.Conv2d(expand, expand, 3, stride, 1, groups=expand, bias=False),
                                       nn.BatchNorm2d(expand), act())
        self.se = SqueezeExcite(expand, gate()) if se else nn.Identity()
        self.project = nn.Sequential(nn.Conv2d(expand, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.project(self.se(self.depthwise(self.expand(x))))
        return x + y if self.residual else y


class MobileNetV3Style(nn.Module):
    """A small MobileNetV3-like classifier (32x32 RGB, 10 classes): hardswish stem, inverted residuals with SE,
    flattened through x.view(x.size(0), -1)."""

    def __init__(self, native):
        super().__init__()
        act = nn.Hardswish if native else HSwish9
        gate = nn.Hardsigmoid if native else HSigmoid9
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), act())
        self.blocks = nn.Sequential(
            Block(16, 16, 16, 1, nn.ReLU, gate, True),
            Block(16, 48, 24, 2, act, gate, False),
            Block(24, 72, 24, 1, act, gate, True),
            Block(24, 96, 40, 2, act, gate, True))
        self.head = nn.Sequential(nn.Conv2d(40, 120, 1), nn.BatchNorm2d(120), act())
        self.fc1 = nn.Linear(120, 64)
        self.act = act()
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.head(self.blocks(self.stem(x)))
        x = F.adaptive_avg_pool2d(x, 1)
        x = x.view(x.size(0), -1)
        return self.fc2(self.act(self.fc1(x)))


# name -> (constructor, input size, opset, constant folding (off: BatchNormalization nodes and shape arithmetic kept
# as exported), where the weights go: "initializers", "inputs"
# (initializers also listed as graph inputs) or "constants" (Constant nodes, no initializers)).
FORMS = {
    "mnv3style_o9_constants": (lambda: MobileNetV3Style(False), 32, 9, True, "constants"),
    "mnv3style_o11_inputs": (lambda: MobileNetV3Style(False), 32, 11, True, "inputs"),
    "mnv3style_o13_unfolded": (lambda: MobileNetV3Style(False), 32, 13, False, "initializers"),
    "mnv3style_o17_hardswish_constants": (lambda: MobileNetV3Style(True), 32, 17, True, "constants"),
    "mobilenet_v3_small_o9_unfolded": (lambda: tvm.mobilenet_v3_small(weights=None), 64, 9, False, "initializers"),
    # torch 1.13 cannot export ShuffleNet's channel split at opset 9 with a dynamic batch axis.
    "shufflenet_v2_x0_5_o11_constants": (lambda: tvm.shufflenet_v2_x0_5(weights=None), 64, 11, True, "constants"),
    "shufflenet_v2_x0_5_o17_unfolded": (lambda: tvm.shufflenet_v2_x0_5(weights=None), 64, 17, False, "initializers"),
    "efficientnet_b0_o11_constants": (lambda: tvm.efficientnet_b0(weights=None), 64, 11, True, "constants"),
}
BATCH = 2


# Protobuf wire format, just enough to move initializers into Constant nodes (field numbers of onnx.proto).
def read_varint(data, at):
    value, shift = 0, 0
    while True:
        b = data[at]
        at += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, at
        shift += 7


def varint(value):
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def fields(data):
    """(field number, wire type, raw bytes of the whole field, payload) for each field of a message."""
    at = 0
    while at < len(data):
        start = at
        key, at = read_varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, at = read_varint(data, at)
            payload = None
        elif wire == 1:
            at += 8
            payload = None
        elif wire == 2:
            length, at = read_varint(data, at)
            payload = data[at:at + length]
            at += length
        elif wire == 5:
            at += 4
            payload = None
        else:
            raise ValueError("unsupported wire type %d" % wire)
        yield number, wire, data[start:at], payload


def bytes_field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def name_of(message, number):
    for n, wire, _, payload in fields(message):
        if n == number and wire == 2:
            return payload.decode()
    return None


def weights_to_constants(model):
    """Every initializer becomes a Constant node (output = its name, attribute value = the tensor) placed before the
    graph's nodes, and leaves the initializer list and, if listed there, the graph inputs."""
    out = bytearray()
    for number, _, raw, payload in fields(model):
        if number != 7:
            out += raw
            continue
        initializers = [p for n, w, _, p in fields(payload) if n == 5]
        names = {name_of(t, 8) for t in initializers}
        graph = bytearray()
        for t in initializers:
            name = name_of(t, 8)
            attribute = bytes_field(1, b"value") + bytes_field(5, t) + varint(20 << 3) + varint(4)
            node = bytes_field(2, name.encode()) + bytes_field(3, ("const_" + name).encode()) \
                + bytes_field(4, b"Constant") + bytes_field(5, attribute)
            graph += bytes_field(1, node)
        for n, _, raw_field, p in fields(payload):
            if n == 5 or (n == 11 and name_of(p, 1) in names):
                continue
            graph += raw_field
        out += bytes_field(7, bytes(graph))
    return bytes(out)


def export(name, folder):
    make, size, opset, fold, weights = FORMS[name]
    seed = zlib.crc32(name.encode())
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = make()
    randomize_batchnorm(model, size, generator)
    x = torch.randn(BATCH, 3, size, size, generator=generator)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(folder, name + ".onnx")
    temporary = "%s.%d.part" % (path, os.getpid())
    torch.onnx.export(model, x, temporary, opset_version=opset, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=fold,
                      keep_initializers_as_inputs=weights == "inputs",
                      # Unfolded forms keep BatchNormalization nodes: an eval-mode export fuses them into the Conv.
                      training=torch.onnx.TrainingMode.EVAL if fold else torch.onnx.TrainingMode.PRESERVE)
    if weights == "constants":
        with open(temporary, "rb") as f:
            data = f.read()
        with open(temporary, "wb") as f:
            f.write(weights_to_constants(data))
    os.replace(temporary, path)
    save_atomically(os.path.join(folder, name + "_x.npy"), x.numpy())
    # Written last: the test treats the presence of _y.npy as "this model is complete".
    save_atomically(os.path.join(folder, name + "_y.npy"), y.numpy())
    print("%s: %dx3x%dx%d, opset %d, max |logit| %.3g, logit std %.3g, top-1 %s" % (
        name, BATCH, size, size, opset, y.abs().max().item(), y.std().item(), y.argmax(1).tolist()))


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        sys.exit(2)
    folder = sys.argv[1]
    names = sys.argv[2:] or list(FORMS)
    unknown = [n for n in names if n not in FORMS]
    if unknown:
        print("unknown form %s; known: %s" % (", ".join(unknown), ", ".join(FORMS)), file=sys.stderr)
        sys.exit(2)
    os.makedirs(folder, exist_ok=True)
    torch.set_num_threads(2)
    for name in names:
        export(name, folder)


if __name__ == "__main__":
    main()
