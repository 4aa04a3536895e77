#!/usr/bin/python3
"""Rebuilds an exported Neutron graph (bench/Neutron.Bench `export MODEL DIR`: graph.json + <i>.npy weights) as a
PyTorch module and measures its inference images/s, for bench/compare-torch.sh. torch 1.13 cannot read ONNX, so
each ONNX node maps to the torch.nn.functional call PyTorch's exporter made it from. Not a general ONNX runtime:
it serves the operators of the ../shared models (Conv, Gemm, BatchNormalization, Relu, Add, pooling, Flatten).

usage: torch_model.py DIR BATCH SECONDS [--check X.npy LOGITS.npy]   prints JSON {"images_per_s": ..., ...}
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


class ExportedGraph(torch.nn.Module):
    def __init__(self, folder):
        super().__init__()
        with open(os.path.join(folder, "graph.json")) as f:
            graph = json.load(f)
        self.nodes = graph["nodes"]
        self.input_name = graph["inputs"][0]["name"]
        self.input_shape = graph["inputs"][0]["shape"]
        self.output_name = graph["outputs"][0]
        self.weights = {}
        for name, file in graph["initializers"].items():
            tensor = torch.from_numpy(np.load(os.path.join(folder, file)))
            self.register_buffer("w%d" % len(self.weights), tensor)
            self.weights[name] = tensor

    def forward(self, x):
        values = dict(self.weights)
        values[self.input_name] = x
        for node in self.nodes:
            ins = [values[i] if i else None for i in node["inputs"]]
            values[node["outputs"][0]] = self.run(node["op"], node["attributes"], ins)
        return values[self.output_name]

    @staticmethod
    def run(op, a, ins):
        if op == "Conv":
            pads = a.get("pads", [0, 0, 0, 0])
            if pads[0] != pads[2] or pads[1] != pads[3]:
                raise NotImplementedError("asymmetric Conv pads")
            return F.conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, stride=a.get("strides", [1, 1]),
                            padding=pads[:2], dilation=a.get("dilations", [1, 1]), groups=a.get("group", 1))
        if op == "Relu":
            return F.relu(ins[0])
        if op == "MaxPool":
            pads = a.get("pads", [0, 0, 0, 0])
            return F.max_pool2d(ins[0], a["kernel_shape"], a.get("strides", a["kernel_shape"]), pads[:2],
                                ceil_mode=bool(a.get("ceil_mode", 0)))
        if op == "AveragePool":
            pads = a.get("pads", [0, 0, 0, 0])
            return F.avg_pool2d(ins[0], a["kernel_shape"], a.get("strides", a["kernel_shape"]), pads[:2],
                                ceil_mode=bool(a.get("ceil_mode", 0)), count_include_pad=bool(a.get("count_include_pad", 0)))
        if op == "GlobalAveragePool":
            return F.adaptive_avg_pool2d(ins[0], 1)
        if op == "Flatten":
            return torch.flatten(ins[0], a.get("axis", 1))
        if op == "Gemm":
            x, w = ins[0], ins[1]
            if a.get("transA", 0):
                x = x.t()
            if not a.get("transB", 0):
                w = w.t()
            if a.get("alpha", 1.0) == 1.0 and a.get("beta", 1.0) == 1.0:
                return F.linear(x, w, ins[2] if len(ins) > 2 else None)
            y = a.get("alpha", 1.0) * (x @ w.t())
            return y + a.get("beta", 1.0) * ins[2] if len(ins) > 2 else y
        if op == "BatchNormalization":
            return F.batch_norm(ins[0], ins[3], ins[4], ins[1], ins[2], training=False, eps=a.get("epsilon", 1e-5))
        if op == "Add":
            return ins[0] + ins[1]
        raise NotImplementedError("operator %s is not mapped to torch in bench/torch_model.py" % op)


def main():
    folder, batch, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    torch.set_num_threads(2)
    model = ExportedGraph(folder).eval()
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": batch}
    with torch.inference_mode():
        if "--check" in sys.argv:
            # Same network as the ONNX file? Compare with PyTorch's reference logits of the original model.
            at = sys.argv.index("--check")
            x = torch.from_numpy(np.load(sys.argv[at + 1]))
            expected = np.load(sys.argv[at + 2])
            got = model(x).numpy()
            result["check_max_abs_diff"] = float(np.abs(got - expected).max())
        shape = [batch if d < 0 else d for d in model.input_shape]
        x = torch.from_numpy(np.random.default_rng(42).uniform(-1, 1, size=shape).astype(np.float32))
        start = time.perf_counter()
        warm = 0
        while warm < 2 or (time.perf_counter() - start < min(1.0, seconds / 4) and warm < 50):
            model(x)
            warm += 1
        runs = 0
        start = time.perf_counter()
        while runs < 1 or time.perf_counter() - start < seconds:
            model(x)
            runs += 1
        elapsed = time.perf_counter() - start
    result.update(runs=runs, seconds=round(elapsed, 3), images_per_s=round(runs * batch / elapsed, 1))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
