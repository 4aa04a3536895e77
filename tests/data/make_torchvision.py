#!/usr/bin/python3
"""Exports torchvision classifiers with seeded random weights to ONNX (opset 13, dynamic batch axis), each with a
seeded random input batch and torch's logits, for tests/Neutron.Engine.Tests/Reference/TorchvisionTests.cs.
Not a trained-model zoo: no weights are downloaded, the numbers only serve to compare our engine with torch.
Run with Debian's /usr/bin/python3 (python3-torch 1.13, python3-torchvision 0.14).

usage: make_torchvision.py OUTDIR [NAME ...]    writes OUTDIR/NAME.onnx, NAME_x.npy, NAME_y.npy (all models by default)
"""
import os
import sys
import zlib

import numpy as np
import torch
import torchvision.models as tvm

# name -> (constructor, input height/width). ResNet-18 keeps 224 because the speed figure is measured on it; the
# others accept smaller images (they end in adaptive pooling), which keeps the test fast.
MODELS = {
    "resnet18": (lambda: tvm.resnet18(weights=None), 224),
    "mobilenet_v2": (lambda: tvm.mobilenet_v2(weights=None), 96),
    "mobilenet_v3_small": (lambda: tvm.mobilenet_v3_small(weights=None), 96),
    "densenet121": (lambda: tvm.densenet121(weights=None), 64),
    "efficientnet_b0": (lambda: tvm.efficientnet_b0(weights=None), 96),
    "squeezenet1_1": (lambda: tvm.squeezenet1_1(weights=None), 96),
    "shufflenet_v2_x1_0": (lambda: tvm.shufflenet_v2_x1_0(weights=None), 96),
    "shufflenet_v2_x0_5": (lambda: tvm.shufflenet_v2_x0_5(weights=None), 96),
    "googlenet": (lambda: tvm.googlenet(weights=None, aux_logits=False, transform_input=False, init_weights=True), 96),
}
BATCH = 2


def randomize_batchnorm(model, size, generator):
    """With default init (BN weight 1, bias 0, stats 0/1) several nets give near-constant logits. Random scale and
    shift, then running statistics re-estimated on a random batch in train mode, make the output depend on x."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    with torch.no_grad():
        for m in norms:
            m.weight.copy_(torch.empty_like(m.weight).uniform_(0.5, 1.5, generator=generator))
            m.bias.copy_(torch.empty_like(m.bias).normal_(0.0, 0.25, generator=generator))
            m.reset_running_stats()
            m.momentum = None  # cumulative average: one batch gives exactly that batch's statistics
        model.train()
        model(torch.randn(8, 3, size, size, generator=generator))
    model.eval()


def save_atomically(path, array):
    """np.save through a temporary file of this process renamed into place: test projects running side by side may
    export the same model at once, and a reader must never see a half-written file."""
    temporary = "%s.%d.part.npy" % (path, os.getpid())
    np.save(temporary, array)
    os.replace(temporary, path)


def export(name, folder):
    make, size = MODELS[name]
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
    torch.onnx.export(model, x, temporary, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True)
    os.replace(temporary, path)
    save_atomically(os.path.join(folder, name + "_x.npy"), x.numpy())
    # Written last: the test treats the presence of _y.npy as "this model is complete".
    save_atomically(os.path.join(folder, name + "_y.npy"), y.numpy())
    top = y.argmax(1).tolist()
    print("%s: %dx3x%dx%d, max |logit| %.3g, logit std %.3g, top-1 %s" % (
        name, BATCH, size, size, y.abs().max().item(), y.std().item(), top))


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        sys.exit(2)
    folder = sys.argv[1]
    names = sys.argv[2:] or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        print("unknown model %s; known: %s" % (", ".join(unknown), ", ".join(MODELS)), file=sys.stderr)
        sys.exit(2)
    os.makedirs(folder, exist_ok=True)
    torch.set_num_threads(2)
    for name in names:
        export(name, folder)


if __name__ == "__main__":
    main()
