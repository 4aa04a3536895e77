#!/usr/bin/env bash
# Made tests/data/campaign-schema3.db: a campaign database of schema version 3 (site filters stored as the text
# "layer=G;op=T;bits=LO-HI"), written by the neutron of commit 5321e79 from a checkout beside ../shared:
#   neutron campaign ../shared/models/lenet5.onnx \
#     --data npy:../shared/reference/fmnist_test1000_x.npy,../shared/reference/fmnist_test1000_y.npy \
#     --images 100 --plan adaptive:margin=0.2,level=0.9,per=layer,batch=10 --layer 'conv*' --op Conv,Gemm \
#     --bits 20-31 --threads 1 --db campaign-schema3.db
# then checkpointed into one file (PRAGMA journal_mode=delete). Its paths are those of the machine that made it;
# ResultsModelTests points them at this machine's ../shared.
echo "see the comment: made once, by an older neutron" >&2
exit 1
