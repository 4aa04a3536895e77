#!/usr/bin/python3
# Writes the first N Fashion-MNIST test images and labels (Debian's dataset-fashion-mnist) as gzip IDX files
# beside this script, byte-identical to the originals but for the count: `idx:samples/fashion-mnist/t10k-1000`.
import gzip, struct, sys, os

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
src = "/usr/share/datasets/fashion-mnist"
here = os.path.dirname(os.path.abspath(__file__))
for kind, rank in (("images", 3), ("labels", 1)):
    with gzip.open(f"{src}/t10k-{kind}-idx{rank}-ubyte.gz", "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    dims = struct.unpack(">" + "I" * (rank - 1), data[8:8 + 4 * (rank - 1)])
    item = 1
    for d in dims:
        item *= d
    header = struct.pack(">II", magic, n) + data[8:8 + 4 * (rank - 1)]
    body = data[8 + 4 * (rank - 1):8 + 4 * (rank - 1) + n * item]
    # mtime=0 keeps the file identical run to run.
    with open(f"{here}/t10k-{n}-{kind}-idx{rank}-ubyte.gz", "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as g:
            g.write(header + body)
