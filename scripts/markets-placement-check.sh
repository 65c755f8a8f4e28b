#!/usr/bin/env bash
# The placement example of deploy/markets/ run for real on one machine: two private supervisords
# play host A (BTC-USD's engine, ETH-USD's standby) and host B (ETH-USD's engine, BTC-USD's
# standby) against a Kafka broker, with a topic prefix of their own. Both markets commit; then
# host B's ETH-USD engine is stopped, input arrives for ETH-USD, and host A's standby must take the
# market over and commit it; `relayer verify` passes for both markets. Needs supervisord and a
# broker (RELAYER_KAFKA_BROKERS, default 127.0.0.1:9092); takes about a minute (the examples'
# grace is 15 s). Leaves nothing behind: topics, groups and the work directory are removed.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
. "$here/scripts/supervisord-conf.sh"
command -v supervisord >/dev/null || { echo "markets-placement-check: needs supervisord" >&2; exit 2; }
[ -d "$here/dist" ] || (cd "$here" && npm run build)

work="$(mktemp -d)"
export RELAYER_HOME="$here" RELAYER_LOGS="$work/logs"
export RELAYER_KAFKA_BROKERS="${RELAYER_KAFKA_BROKERS:-127.0.0.1:9092}"
export RELAYER_KAFKA_TOPIC_PREFIX="t-placement-$$-$(date +%s)-"
mkdir -p "$RELAYER_LOGS" "$work/a" "$work/b"
relayer() { node "$here/bin/relayer" "$@"; }
say() { printf 'markets-placement-check: %s\n' "$*" >&2; }

cleanup() {
  for h in a b; do [ -f "$work/$h/supervisord.pid" ] && supervisorctl -c "$work/$h/supervisord.conf" shutdown >/dev/null 2>&1 || true; done
  sleep 2
  node -e '
    const { Kafka } = require("kafkajs");
    const admin = new Kafka({ brokers: process.env.RELAYER_KAFKA_BROKERS.split(","), logLevel: 0 }).admin();
    const p = process.env.RELAYER_KAFKA_TOPIC_PREFIX;
    (async () => {
      await admin.connect();
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(p));
      if (topics.length > 0) await admin.deleteTopics({ topics });
      await admin.deleteGroups([`${p}relayer-engine`, `${p}relayer-engine.ETH-USD`]).catch(() => undefined);
      await admin.disconnect();
    })().catch((e) => { console.error(e.message); });' 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# the field of relayer status --json for one market (the top-level keys come first)
field() { grep -o "\"$1\":[0-9]*" <<<"$2" | head -n 1 | cut -d: -f2; }
drained() { # market, minimum seq, seconds
  local st
  for _ in $(seq 1 $(($3 * 2))); do
    if st=$(RELAYER_MARKET="$1" relayer status --json 2>/dev/null) && [ "$(field lag "$st")" = 0 ] && [ "$(field last_seq "$st")" -ge "$2" ]; then
      field last_seq "$st"; return 0
    fi
    sleep 0.5
  done
  say "$1 did not drain: $st"; return 1
}

relayer topics create >/dev/null
relayer markets create --id ETH-USD >/dev/null
for h in a b; do
  supervisord_conf "$work/$h" "$here/deploy/markets/host-$h.conf"
  RELAYER_DATA="$work/$h/data" supervisord -c "$work/$h/supervisord.conf"
done
say "two hosts up; waiting for both markets' engines"
drained BTC-USD 1 60 >/dev/null
drained ETH-USD 1 60 >/dev/null

printf '{"v":1,"id":"p-%s","type":"PriceTick","market":"ETH-USD","params":{"price":3000}}\n' 1 2 3 > "$work/eth.jsonl"
printf '{"v":1,"id":"p-%s","type":"PriceTick","params":{"price":60000}}\n' 1 2 3 > "$work/btc.jsonl"
relayer submit --file "$work/btc.jsonl" >/dev/null
RELAYER_MARKET=ETH-USD relayer submit --file "$work/eth.jsonl" >/dev/null
btc_seq=$(drained BTC-USD 2 60)
eth_seq=$(drained ETH-USD 2 60)
say "both markets commit (BTC-USD seq $btc_seq, ETH-USD seq $eth_seq)"

say "host B stops ETH-USD's engine; input arrives; host A's standby must take over"
supervisorctl -c "$work/b/supervisord.conf" stop relayer-ETH-USD >/dev/null
printf '{"v":1,"id":"q-%s","type":"PriceTick","market":"ETH-USD","params":{"price":3100}}\n' 1 2 3 > "$work/eth2.jsonl"
RELAYER_MARKET=ETH-USD relayer submit --file "$work/eth2.jsonl" >/dev/null
eth_after=$(drained ETH-USD $((eth_seq + 1)) 90)
grep -q "taking over" "$RELAYER_LOGS/relayer-ETH-USD-standby.log" || { say "the standby did not log its takeover"; exit 1; }
say "host A's standby took ETH-USD over (seq $eth_seq -> $eth_after)"
RELAYER_MARKET=ETH-USD relayer verify >/dev/null
relayer verify >/dev/null
# (supervisorctl status exits 3 when a program is stopped, as host B's ETH-USD engine is)
{ supervisorctl -c "$work/a/supervisord.conf" status || true; } | sed 's/^/  host A: /' >&2
{ supervisorctl -c "$work/b/supervisord.conf" status || true; } | sed 's/^/  host B: /' >&2
say "ok"
