#!/usr/bin/env bash
# Stops the Kafka broker that scripts/kafka/start.sh started for this checkout (pid file
# .cache/kafka/kafka.pid) and waits until it has exited. A broker it did not start is left alone.
#
#   scripts/kafka/stop.sh           stop; topics, offsets and the formatted storage are kept
#   scripts/kafka/stop.sh --clean   stop, then delete the data directory (next start formats anew)
#
# Environment: KAFKA_STOP_TIMEOUT seconds to wait for a clean shutdown before SIGKILL (default 60).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
CACHE_DIR="$REPO_ROOT/.cache/kafka"
CONF_DIR="$CACHE_DIR/config"
DATA_DIR="$CACHE_DIR/data"
PID_FILE="$CACHE_DIR/kafka.pid"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-60}"

say() { printf 'kafka: %s\n' "$*"; }
die() { printf 'kafka: error: %s\n' "$*" >&2; exit 1; }

clean=0
for arg in "$@"; do
  case "$arg" in
    --clean) clean=1 ;;
    -h | --help)
      awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
      exit 0
      ;;
    *) die "unknown argument: $arg (usage: stop.sh [--clean])" ;;
  esac
done

# Is PID this checkout's broker? (Guards against a stale pid file whose pid was reused.)
is_our_broker() {
  [[ "$1" =~ ^[0-9]+$ && -r "/proc/$1/cmdline" ]] &&
    tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF "$CONF_DIR/server.properties"
}

mkdir -p "$CACHE_DIR"
# Take start.sh's lock, so a stop issued while a start is in progress waits for it to finish.
exec 9>"$CACHE_DIR/.start.lock"
if command -v flock >/dev/null 2>&1; then
  flock -w 600 9 || die "timed out waiting for a running start.sh to finish"
fi

pid=""
if [[ -f "$PID_FILE" ]]; then
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if ! is_our_broker "$pid"; then
    say "stale pid file (no broker with pid ${pid:-?}); removing it"
    pid=""
    rm -f "$PID_FILE"
  fi
fi

if [[ -z "$pid" ]]; then
  say "no broker started by start.sh is running"
else
  say "stopping broker (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while is_our_broker "$pid" && ((SECONDS < deadline)); do
    sleep 0.5
  done
  if is_our_broker "$pid"; then
    say "broker did not stop within ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while is_our_broker "$pid"; do sleep 0.2; done
  fi
  rm -f "$PID_FILE"
  say "broker stopped"
fi

if ((clean)); then
  rm -rf "$DATA_DIR"
  say "removed $DATA_DIR"
fi
