#!/usr/bin/env bash
# Runs the deployment samples for real (docs/deploy.md):
#   * supervisord (Debian's `supervisor`) with deploy/supervisor/relayer.conf and the programs of
#     relayer-feed.conf, relayer-project.conf and relayer-api.conf (two gateways);
#   * nginx with deploy/nginx/relayer.conf in front of both gateways, TLS with a self-signed
#     certificate (certbot cannot run offline), on high ports.
# Checks that every program comes up RUNNING, that signed orders sent through nginx over HTTPS are
# acknowledged and spread over both gateways, and that `supervisorctl stop all` (SIGTERM, in reverse
# priority: gateways, feed and projections, then the engine) ends every program cleanly with no
# acknowledged order lost: all are in the verified event log, and after a restart in the read models.
# Needs PostgreSQL and Redis (RELAYER_TEST_PG_URL / RELAYER_TEST_REDIS_URL, defaults below).
# Only the listening ports of the samples are rewritten (to free ones), nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/supervisord-conf.sh
for tool in supervisord supervisorctl nginx openssl curl node; do
  command -v "$tool" >/dev/null || { echo "$tool missing: apt-get install -y supervisor nginx openssl curl" >&2; exit 1; }
done
[ -d dist ] || npm run build >/dev/null
work=$(mktemp -d)
chmod 755 "$work"
log() { echo "deploy-check: $*"; }
ctl() { supervisorctl -c "$work/supervisord.conf" "$@"; }

export RELAYER_HOME=$PWD RELAYER_DATA=$work/data RELAYER_LOGS=$work RELAYER_FEED=walk
export RELAYER_PG_URL=${RELAYER_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
export RELAYER_REDIS_URL=${RELAYER_TEST_REDIS_URL:-redis://127.0.0.1:6379}
export RELAYER_PG_SCHEMA=deploycheck_$$ RELAYER_REDIS_PREFIX=deploycheck-$$: RELAYER_AUTH_PREFIX=deploycheck-auth-$$:
export RELAYER_API_MASTER_KEY_FILE=$work/master.key
openssl rand -hex 32 > "$RELAYER_API_MASTER_KEY_FILE"
unset RELAYER_API_MASTER_KEY

cleanup() {
  set +e
  [ -f "$work/nginx.pid" ] && nginx -p "$work" -c "$work/nginx.conf" -s stop 2>/dev/null
  ctl shutdown >/dev/null 2>&1
  for _ in $(seq 1 50); do [ -e "$work/supervisord.pid" ] || break; sleep 0.1; done
  node --input-type=module -e "
    import pg from 'pg'; import { Redis } from 'ioredis';
    const c = new pg.Client({ connectionString: process.env.RELAYER_PG_URL }); await c.connect();
    await c.query('DROP SCHEMA IF EXISTS \"' + process.env.RELAYER_PG_SCHEMA + '\" CASCADE'); await c.end();
    const r = new Redis(process.env.RELAYER_REDIS_URL);
    for (const p of [process.env.RELAYER_REDIS_PREFIX, process.env.RELAYER_AUTH_PREFIX]) {
      let cur = '0'; do { const [n, k] = await r.scan(cur, 'MATCH', p + '*', 'COUNT', 1000); cur = n; if (k.length) await r.unlink(...k); } while (cur !== '0');
    }
    r.disconnect();" 2>/dev/null
  if [ "${KEEP:-}" = "" ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

# free ports for the samples' fixed ones: gateways 8088/8089, admin 3031, feed and project metrics
# 9464/9466, nginx 80/443
read -r P_A P_B P_ADMIN P_FEED P_PROJ P_HTTP P_HTTPS < <(node -e '
  const net = require("node:net"); const out = [];
  (async () => { for (let i = 0; i < 7; i++) out.push(await new Promise((r) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); })); console.log(out.join(" ")); })();')

mkdir -p "$work/supervisor" "$work/nginx"
cp deploy/supervisor/relayer.conf deploy/supervisor/relayer-feed.conf deploy/supervisor/relayer-project.conf deploy/supervisor/relayer-api.conf "$work/supervisor/"
sed -i -e "s/127\.0\.0\.1:8088/127.0.0.1:$P_A/; s/127\.0\.0\.1:8089/127.0.0.1:$P_B/; s/127\.0\.0\.1:3031/127.0.0.1:$P_ADMIN/" \
  -e "s/127\.0\.0\.1:9464/127.0.0.1:$P_FEED/; s/127\.0\.0\.1:9466/127.0.0.1:$P_PROJ/" "$work"/supervisor/relayer-*.conf
supervisord_conf "$work" "$work/supervisor/*.conf"

PROGRAMS="relayer-run relayer-feed relayer-project relayer-api-a relayer-api-b"
supervisord -c "$work/supervisord.conf"
for _ in $(seq 1 150); do
  up=0
  for p in $PROGRAMS; do st=$(ctl status "$p" 2>/dev/null || true); grep -q RUNNING <<<"$st" && up=$((up + 1)); done
  [ "$up" = 5 ] && break
  sleep 0.2
done
if [ "$up" != 5 ]; then
  ctl status || true
  for f in "$work"/relayer-*.log; do echo "== $f"; tail -5 "$f"; done
  exit 1
fi
log "all five programs RUNNING under supervisord: $PROGRAMS"

# nginx with the sample: a self-signed certificate instead of Let's Encrypt's, free ports
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" -keyout "$work/privkey.pem" -out "$work/fullchain.pem" 2>/dev/null
mkdir -p "$work/nginx-tmp"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 256; }
http {
  access_log $work/nginx-access.log;
  client_body_temp_path $work/nginx-tmp/body;
  proxy_temp_path $work/nginx-tmp/proxy;
  fastcgi_temp_path $work/nginx-tmp/fastcgi;
  uwsgi_temp_path $work/nginx-tmp/uwsgi;
  scgi_temp_path $work/nginx-tmp/scgi;
  include $work/nginx/relayer.conf;
}
CONF
[ "$(id -u)" = 0 ] && sed -i '1i user root;' "$work/nginx.conf"
# a "free" port picked earlier may have been taken since (the ephemeral range is shared with every
# outgoing connection on the machine): on a failed bind, pick two fresh ports and try again
for attempt in 1 2 3 4 5; do
  sed -e "s#/etc/letsencrypt/live/api.example.com/#$work/#" -e "s/listen 80;/listen 127.0.0.1:$P_HTTP;/" -e "/listen \[::\]/d" \
    -e "s/listen 443 ssl http2;/listen 127.0.0.1:$P_HTTPS ssl http2;/" -e "s/127\.0\.0\.1:8088/127.0.0.1:$P_A/; s/127\.0\.0\.1:8089/127.0.0.1:$P_B/" \
    deploy/nginx/relayer.conf > "$work/nginx/relayer.conf"
  [ "$attempt" = 1 ] && nginx -t -p "$work" -c "$work/nginx.conf" 2>&1 | sed 's/^/  nginx -t: /'
  if nginx -p "$work" -c "$work/nginx.conf" 2>"$work/nginx-start.err"; then break; fi
  if [ "$attempt" = 5 ] || ! grep -q 'Address already in use' "$work/nginx-start.err"; then cat "$work/nginx-start.err" >&2; exit 1; fi
  read -r P_HTTP P_HTTPS < <(node -e '
    const net = require("node:net"); const out = [];
    (async () => { for (let i = 0; i < 2; i++) out.push(await new Promise((r) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); })); console.log(out.join(" ")); })();')
done
log "nginx (deploy/nginx/relayer.conf) on https://127.0.0.1:$P_HTTPS in front of :$P_A and :$P_B"

# a client key for 40 accounts, made with the same master key the gateways use
accounts=()
for i in $(seq 1 40); do accounts+=(--account "dc-$i"); done
key_json=$(bin/relayer keys create "${accounts[@]}" --label deploy-check --rate 0 --master-key-file "$RELAYER_API_MASTER_KEY_FILE" --json 2>/dev/null)
KEY=$(node -e 'console.log(JSON.parse(process.argv[1]).id)' "$key_json")
SECRET=$(node -e 'console.log(JSON.parse(process.argv[1]).secret)' "$key_json")
BASE=https://127.0.0.1:$P_HTTPS

# a signed JSON-RPC call with curl and openssl: v2 signature over datetime + "\n" + body
rpc() { # path body
  local dt sig
  dt=$(date +%s%3N)
  sig=$(printf '%s\n%s' "$dt" "$2" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
  curl -sk --max-time 15 "$BASE$1" -H 'content-type: application/json' -H "relayer-api-key: $KEY" -H "signature: $sig" -H "datetime: $dt" -d "$2"
}
field() { node -e 'const j = JSON.parse(process.argv[1]); let v = j; for (const k of process.argv[2].split(".")) v = v?.[k]; console.log(v ?? "")' "$1" "$2"; }

# the feed (walk) gives a price; wait until the read model has it (public API through nginx)
for _ in $(seq 1 100); do
  p=$(curl -sk "$BASE/api" -d '{"jsonrpc":"2.0","id":1,"method":"btc_usd_price"}' || true)
  [ -n "$p" ] && [ "$(field "$p" result.price)" != "" ] && break
  sleep 0.2
done
[ "$(field "$p" result.price)" != "" ] || { echo "no price through nginx: $p" >&2; exit 1; }
log "price through nginx: $(field "$p" result.price)"

[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P_HTTP/clientapi")" = 301 ] || { echo "HTTP is not redirected to HTTPS" >&2; exit 1; }
[ "$(curl -sk -o /dev/null -w '%{http_code}' "$BASE/metrics")" = 404 ] || { echo "/metrics is exposed through nginx" >&2; exit 1; }
[ "$(curl -sk -o /dev/null -w '%{http_code}' "$BASE/openrpc.json")" = 200 ] || { echo "/openrpc.json is not served through nginx" >&2; exit 1; }
unsigned=$(curl -sk -o /dev/null -w '%{http_code}' "$BASE/clientapi" -d '{"jsonrpc":"2.0","id":1,"method":"CreateTraderOrder","params":{}}')
[ "$unsigned" = 401 ] || { echo "unsigned order through nginx answered $unsigned" >&2; exit 1; }

acked=()
for i in $(seq 1 40); do
  wait=false; [ "$i" -le 3 ] && wait=true
  body="{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"CreateTraderOrder\",\"params\":{\"account_id\":\"dc-$i\",\"position_type\":\"LONG\",\"order_type\":\"MARKET\",\"leverage\":10,\"initial_margin\":10000,\"available_margin\":10000,\"order_status\":\"PENDING\",\"entryprice\":0,\"execution_price\":0,\"request_id\":\"dc-open-$i\",\"wait\":$wait}}"
  r=$(rpc /clientapi "$body")
  st=$(field "$r" result.status)
  case "$st" in
    RequestSubmitted|FILLED) acked+=("dc-open-$i") ;;
    *) echo "order $i: $r" >&2; exit 1 ;;
  esac
done
log "${#acked[@]} signed orders acknowledged through nginx (the first 3 waited: FILLED)"
# awk reads to the end: quitting early could make curl fail with a write error (23) under pipefail
metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '!done && ($1 == m || index($1, m "{") == 1) { print $2; done = 1 }'; }
na=$(metric "$P_A" relayer_api_commands_appended_total); nb=$(metric "$P_B" relayer_api_commands_appended_total)
log "load balancing: gateway a appended ${na:-0}, gateway b ${nb:-0}"
[ "${na%.*}" -gt 0 ] && [ "${nb%.*}" -gt 0 ] || { echo "nginx did not spread the orders over both gateways" >&2; exit 1; }
[ -n "$(metric "$P_FEED" relayer_feed_ticks_total)" ] || { echo "feed metrics missing" >&2; exit 1; }
[ -n "$(metric "$P_PROJ" 'relayer_project_events_total{model="postgres"}')" ] || { echo "project metrics missing" >&2; exit 1; }

# SIGTERM to everything, in reverse priority: gateways, then feed and projections, then the engine
ctl stop all >/dev/null
st=$(ctl status || true)   # supervisorctl exits 3 when programs are stopped
for p in $PROGRAMS; do
  grep -E "^$p +STOPPED" <<<"$st" >/dev/null || { echo "$p did not stop cleanly:" >&2; echo "$st" >&2; exit 1; }
done
for p in $PROGRAMS; do
  grep -q "stopped: $p (exit status 0)" "$work/supervisord.log" || { echo "$p did not exit 0:" >&2; grep "$p" "$work/supervisord.log" >&2; exit 1; }
done
grep -q '"msg":"stopped"' "$work/relayer-run.log" || { echo "no clean engine stop in the log" >&2; tail "$work/relayer-run.log" >&2; exit 1; }
for g in a b; do grep -q '"msg":"stopped"' "$work/relayer-api-$g.log" || { echo "gateway $g did not stop cleanly" >&2; tail "$work/relayer-api-$g.log" >&2; exit 1; }; done
if grep -h '"level":[56]0' "$work"/relayer-*.log; then echo "errors in the logs" >&2; exit 1; fi
log "supervisorctl stop all: every program exited 0 after SIGTERM"

bin/relayer verify --data "$RELAYER_DATA" >/dev/null
opened=$(bin/relayer events --data "$RELAYER_DATA" --type TraderOrderOpened --json | node -e '
  let s = ""; process.stdin.on("data", (d) => s += d).on("end", () => {
    const ids = new Set(s.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l).cmd));
    console.log(process.argv.slice(1).filter((id) => ids.has(id)).length);
  });' "${acked[@]}")
[ "$opened" = "${#acked[@]}" ] || { echo "only $opened of ${#acked[@]} acknowledged orders are in the event log" >&2; exit 1; }
log "the event log verifies and holds all ${#acked[@]} acknowledged orders"

# restart: the engine resumes with nothing left to do; the read models catch up and answer for all
ctl start all >/dev/null
for _ in $(seq 1 150); do
  s=$(bin/relayer status --data "$RELAYER_DATA" --json 2>/dev/null || true)
  ok=$(node -e '
    try { const s = JSON.parse(process.argv[1]); const p = Object.values(s.projections ?? {});
      console.log(s.lag === 0 && p.length === 2 && p.every((x) => x.lag === 0) ? "yes" : "no"); } catch { console.log("no"); }' "$s")
  [ "$ok" = yes ] && break
  sleep 0.2
done
[ "$ok" = yes ] || { echo "not caught up after the restart: $s" >&2; exit 1; }
for _ in $(seq 1 100); do
  r=$(rpc /api/private '{"jsonrpc":"2.0","id":1,"method":"open_orders"}' || true)
  n=$(node -e 'try { console.log(JSON.parse(process.argv[1]).result.trader_orders.length) } catch { console.log(-1) }' "$r")
  [ "$n" -ge 0 ] && break
  sleep 0.2
done
[ "$n" = "${#acked[@]}" ] || { echo "the private API shows $n of ${#acked[@]} orders after the restart: $r" >&2; exit 1; }
log "after the restart: engine lag 0, both read models caught up, the private API shows all $n orders"
echo "ok: supervisord runs run, feed, project and two gateways behind nginx (TLS); SIGTERM lost nothing (${#acked[@]}/${#acked[@]} orders durable)"
