#!/usr/bin/env bash
# Made tests/data/campaign-schema1.db: a campaign database of schema version 1 (before site metadata, stratum sizes
# and class names were recorded), written by the neutron of commit 37de877 from a checkout beside ../shared:
#   neutron campaign ../shared/models/lenet5.onnx \
#     --data npy:../shared/reference/fmnist_test1000_x.npy,../shared/reference/fmnist_test1000_y.npy \
#     --images 100 --plan stratified:per=layer,count=6 --threads 1 --db campaign-schema1.db
# Its paths are those of the machine that made it; StoreMigrationTests points them at this machine's ../shared.
echo "see the comment: made once, by an older neutron" >&2
exit 1
