#!/usr/bin/env bash
# Hot standby of one market's engine on Kafka (docs/markets.md, D192). Runs on a second machine
# beside the market's active engine and does nothing but watch and keep warm until the market
# stalls: input waiting (lag > 0) and the committed position unchanged for --grace seconds. Then
# it becomes the engine (`exec relayer run`), which takes the market's transactional id and so
# fences the old engine, dead, hung or alive. Warm: it keeps the local snapshot cache filled
# (`relayer snapshot list`), so the takeover recovers from a local snapshot plus the events after it.
#
# The market and the backend come from the usual environment, shared with every relayer tool:
#   RELAYER_KAFKA_BROKERS, RELAYER_MARKET, RELAYER_KAFKA_TOPIC_PREFIX (optional), RELAYER_DATA
# Arguments after `--` go to `relayer run` only (e.g. --no-scheduler, --batch-max 300).
#
#   scripts/market-standby.sh [--grace 10] [--poll 2] [--warm-every 30] [-- <relayer run flags>]
#
# RELAYER_BIN names the relayer executable (default: this checkout's bin/relayer, else `relayer`).
# Exit: whatever `relayer run` exits with after the takeover (1 when it is fenced in turn, so a
# supervisor restarts this script and it watches again); 2 on a usage error.
set -euo pipefail

grace=10 poll=2 warm_every=30
while [ $# -gt 0 ]; do
  case "$1" in
    --grace) grace="$2"; shift 2 ;;
    --poll) poll="$2"; shift 2 ;;
    --warm-every) warm_every="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "market-standby: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$grace" "$poll" "$warm_every"; do
  [[ "$v" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "market-standby: '$v' is not a number of seconds" >&2; exit 2; }
done
[ -n "${RELAYER_KAFKA_BROKERS:-}" ] || { echo "market-standby: set RELAYER_KAFKA_BROKERS (the standby is a Kafka feature)" >&2; exit 2; }
# named explicitly: with several markets registered, `relayer status` without one lists them all (D173)
export RELAYER_MARKET="${RELAYER_MARKET:-BTC-USD}"
market="$RELAYER_MARKET"

if [ -n "${RELAYER_BIN:-}" ]; then bin=("$RELAYER_BIN")
# run through its first line, which starts Node with relayer's V8 settings (D320)
elif [ -x "$(dirname "$0")/../bin/relayer" ]; then bin=("$(dirname "$0")/../bin/relayer")
else bin=(relayer); fi

say() { printf '%s market-standby %s: %s\n' "$(date -u +%FT%TZ)" "$market" "$*" >&2; }

# the first number after "key": in relayer status --json (one compact line; the top-level keys come first)
field() { grep -o "\"$1\":-\\{0,1\\}[0-9]*" <<<"$2" | head -n 1 | cut -d: -f2; }

say "watching (grace ${grace} s, poll ${poll} s)"
last_pos='' since=$SECONDS warmed=-100000
while :; do
  if (( SECONDS - warmed >= ${warm_every%.*} )); then
    "${bin[@]}" snapshot list >/dev/null 2>&1 || true
    warmed=$SECONDS
  fi
  if st=$("${bin[@]}" status --json 2>/dev/null); then
    pos=$(field input_committed "$st") lag=$(field lag "$st")
    if [ "$pos" != "$last_pos" ] || [ "${lag:-0}" -le 0 ]; then
      # progress, or nothing to do: the active engine (or nobody, harmlessly) is in charge
      last_pos=$pos since=$SECONDS
    elif (( SECONDS - since >= ${grace%.*} )); then
      say "input waiting (lag $lag) and nothing committed for ${grace} s at position $pos: taking over"
      exec "${bin[@]}" run "$@"
    fi
  else
    say "status failed (broker away or market missing); still watching"
  fi
  sleep "$poll"
done
