#!/usr/bin/env bash
# Run the SPDCI conformance kit's Social Registry suite against a local Jiuzhu demo.
#
#   make conformance                       # fetch the kit at the pinned commit, run both passes
#   SPDCI_KIT_DIR=/path/to/kit make conformance   # use a checkout you already have
#
# Pass 1: without the @signature and @needs-callback scenarios (service account "kit-plain",
# signature not checked). Pass 2: everything, with the kit's callback receiver and a service
# account ("kit-signed") whose requests carry a sender assertion signed with a fresh key.
# The demo runs on 127.0.0.1:$PORT with its own var directory, and is stopped at the end.
set -euo pipefail

KIT_REPO=${SPDCI_KIT_REPO:-https://github.com/OpenSPP/spdci-compliance.git}
KIT_COMMIT=${SPDCI_KIT_COMMIT:-80b7bc346613d20ba1cf39af33ed951dd1e997e8}
PORT=${PORT:-3333}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${CONFORMANCE_DIR:-$ROOT/var/conformance}
JZ="$ROOT/.venv/bin/jiuzhu"
export JIUZHU_VAR_DIR="$WORK/var" JIUZHU_DEBUG=1 PYTHONPATH="$ROOT/src"
mkdir -p "$WORK" "$JIUZHU_VAR_DIR"

KIT=${SPDCI_KIT_DIR:-$WORK/spdci-compliance}
if [ ! -d "$KIT/.git" ] && [ ! -f "$KIT/package.json" ]; then
  git clone --quiet "$KIT_REPO" "$KIT"
fi
if [ -d "$KIT/.git" ]; then
  git -C "$KIT" checkout --quiet "$KIT_COMMIT"
fi
(cd "$KIT" && npm ci --no-audit --no-fund --silent)

"$JZ" demo --households 300 --no-serve >"$WORK/demo-setup.log" 2>&1
if ! "$JZ" shell -c "from jiuzhu.interop.models import ServiceAccount as S; raise SystemExit(0 if S.objects.filter(sender_id='kit-plain').exists() else 1)"; then
  "$JZ" interop account --sender-id kit-plain --name "SPDCI 合规测试" --area 321200000000 \
    --purpose "SPDCI 合规测试" --scopes registry.search,registry.subscribe \
    --fields name,sex,birth_date,area,programmes --signature none
  PUB=$("$JZ" interop keypair --out "$JIUZHU_VAR_DIR/kit-key.json")
  "$JZ" interop account --sender-id kit-signed --name "SPDCI 合规测试（验签）" --area 321200000000 \
    --purpose "SPDCI 合规测试（验签）" --scopes registry.search,registry.subscribe \
    --fields name,sex,birth_date,area --signature sender --public-key "$PUB"
fi
TOKEN_PLAIN=$("$JZ" interop token --sender-id kit-plain --days 1)
TOKEN_SIGNED=$("$JZ" interop token --sender-id kit-signed --days 1)
SIGNATURE=$("$JZ" interop assertion --key "$JIUZHU_VAR_DIR/kit-key.json" --sender-id kit-signed)

"$JZ" demo --port "$PORT" >"$WORK/demo-serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  curl -fs "http://127.0.0.1:$PORT/dci/.well-known/jwks.json" >/dev/null && break
  sleep 1
done

cd "$KIT"
export API_BASE_URL="http://127.0.0.1:$PORT/dci/" DOMAIN=social
echo "== Pass 1: without @signature and @needs-callback"
DCI_SENDER_ID=kit-plain DCI_AUTH_TOKEN=$TOKEN_PLAIN \
  npx cucumber-js --tags '@profile=sr-registry and not @signature and not @needs-callback'
echo "== Pass 2: all scenarios, with callbacks and signatures"
CALLBACK_SERVER_ENABLED=true DCI_SIGNATURE_VALIDATION_ENABLED=true \
  DCI_SENDER_ID=kit-signed DCI_SIGNATURE=$SIGNATURE DCI_AUTH_TOKEN=$TOKEN_SIGNED \
  npx cucumber-js --tags '@profile=sr-registry'
