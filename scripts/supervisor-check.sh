#!/usr/bin/env bash
# Runs deploy/supervisor/relayer.conf under a private supervisord (Debian's `supervisor` package),
# checks that the engine comes up RUNNING, takes orders, and that `supervisorctl stop` (SIGTERM)
# ends it with exit 0 and no data lost (relayer verify + status lag 0 after a restart).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/supervisord-conf.sh
command -v supervisord >/dev/null || { echo "supervisord missing: apt-get install -y supervisor" >&2; exit 1; }
[ -d dist ] || npm run build
work=$(mktemp -d)
trap 'supervisorctl -c "$work/supervisord.conf" shutdown >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export RELAYER_HOME=$PWD RELAYER_DATA=$work/data RELAYER_LOGS=$work
supervisord_conf "$work" "$RELAYER_HOME/deploy/supervisor/relayer.conf"
ctl() { supervisorctl -c "$work/supervisord.conf" "$@"; }
supervisord -c "$work/supervisord.conf"
for _ in $(seq 1 50); do ctl status relayer-run 2>/dev/null | grep -q RUNNING && break; sleep 0.2; done
ctl status relayer-run | grep -q RUNNING || { ctl status; cat "$work/relayer-run.log"; exit 1; }
echo "relayer-run is RUNNING under supervisord"
bin/relayer submit tick --price 60000 --data "$RELAYER_DATA" --wait >/dev/null
for i in $(seq 1 50); do
  echo "{\"type\":\"CreateTraderOrder\",\"params\":{\"account_id\":\"acc-$i\",\"position_type\":\"LONG\",\"order_type\":\"MARKET\",\"leverage\":10,\"initial_margin\":10000}}"
done | bin/relayer submit --data "$RELAYER_DATA" >/dev/null
sleep 1
ctl stop relayer-run
grep -q '"msg":"stopped"' "$work/relayer-run.log" || { echo "no clean stop in the log" >&2; cat "$work/relayer-run.log"; exit 1; }
st=$(ctl status relayer-run || true)   # supervisorctl exits 3 for a stopped program
grep -q 'STOPPED' <<<"$st" || { echo "$st" >&2; exit 1; }
bin/relayer verify --data "$RELAYER_DATA"
ctl start relayer-run >/dev/null
sleep 1
lag=$(bin/relayer status --data "$RELAYER_DATA" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).lag))')
[ "$lag" = "0" ] || { echo "lag $lag after restart" >&2; exit 1; }
orders=$(bin/relayer events --data "$RELAYER_DATA" --type TraderOrderOpened --json | wc -l)
[ "$orders" = "50" ] || { echo "expected 50 opened orders, found $orders" >&2; exit 1; }
echo "ok: SIGTERM via supervisorctl stop exited cleanly, 50/50 orders durable, log verifies, restart resumes with lag 0"
