#!/usr/bin/env bash
# Checks the manifests here with `kubectl apply --dry-run=client` where no cluster is reachable: kubectl needs the
# API server's discovery (which resource a kind is) even for a client-side dry run, so this serves just that for
# batch/v1 Jobs from a local stub. kubectl then parses each manifest and builds the objects without sending them.
# The server's OpenAPI schema is not available offline, so field-level schema checks are off (--validate=false);
# against a real cluster, run `kubectl apply --dry-run=server -f deploy/kubernetes/` instead.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$port" <<'PY' &
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
docs = {
    "/api": {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [{"name": "batch", "versions": [{"groupVersion": "batch/v1", "version": "v1"}],
              "preferredVersion": {"groupVersion": "batch/v1", "version": "v1"}}]},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": []},
    "/apis/batch/v1": {"kind": "APIResourceList", "groupVersion": "batch/v1", "resources": [{"name": "jobs", "singularName": "job", "namespaced": True,
              "kind": "Job", "verbs": ["create", "get", "list", "patch", "update", "delete"]}]},
}
class Stub(BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        body = docs.get(path)
        if body is None and path.startswith("/apis/batch/v1/namespaces/"):
            self.send_response(404); self.send_header("Content-Type", "application/json"); self.end_headers()
            self.wfile.write(json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}).encode()); return
        self.send_response(200 if body is not None else 404); self.send_header("Content-Type", "application/json"); self.end_headers()
        self.wfile.write(json.dumps(body or {}).encode())
    def log_message(self, *args): pass
HTTPServer(("127.0.0.1", int(sys.argv[1])), Stub).serve_forever()
PY
stub=$!
trap 'kill $stub' EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
config=$(mktemp)
cat > "$config" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: stub, cluster: {server: "http://127.0.0.1:$port"}}]
contexts: [{name: stub, context: {cluster: stub, namespace: default}}]
current-context: stub
YAML
status=0
for manifest in "$here"/*.yaml; do
  KUBECONFIG="$config" kubectl apply --dry-run=client --validate=false -f "$manifest" || status=1
done
rm -f "$config"
exit $status
