#!/usr/bin/env bash
# Starts a single-node Apache Kafka broker (KRaft, combined broker+controller) for development,
# tests and CI, on 127.0.0.1:9092. Idempotent: if a broker already answers there, it says so and
# exits 0. Works from any directory and from a fresh clone that has only java and mvn: on first
# use it fetches the broker jars from Maven Central through scripts/kafka/pom.xml.
#
# Files (all under <repo>/.cache/kafka, git-ignored):
#   libs/          broker jars (classpath "libs/*"), refetched when pom.xml changes
#   config/        server.properties, log4j.properties (3.9), log4j2.properties (4.x); rewritten
#                  on every start
#   data/          KRaft metadata log and topic data, formatted once
#   kafka.log      broker log of the current run (the previous run's is kafka.log.1)
#   kafka.pid      pid of the broker started here (scripts/kafka/stop.sh uses it)
#
# Environment (all optional):
#   KAFKA_PORT             broker port              (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port    (default 9093)
#   KAFKA_HEAP_OPTS        JVM heap flags           (default "-Xms128m -Xmx512m")
#   KAFKA_JVM_OPTS         extra JVM flags          (default none)
#   KAFKA_START_TIMEOUT    seconds to wait for it   (default 90)
#   KAFKA_LOG_LEVEL        root log level           (default INFO)
#   JAVA_HOME              java to use              (default: java on PATH)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
CACHE_DIR="$REPO_ROOT/.cache/kafka"
LIBS_DIR="$CACHE_DIR/libs"
CONF_DIR="$CACHE_DIR/config"
DATA_DIR="$CACHE_DIR/data"
LOG_FILE="$CACHE_DIR/kafka.log"
PID_FILE="$CACHE_DIR/kafka.pid"
LIBS_STAMP="$LIBS_DIR/.pom.sha256"

HOST=127.0.0.1
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
EXTRA_JVM_OPTS="${KAFKA_JVM_OPTS:-}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
LOG_LEVEL="${KAFKA_LOG_LEVEL:-INFO}"

say() { printf 'kafka: %s\n' "$*"; }
die() { printf 'kafka: error: %s\n' "$*" >&2; exit 1; }

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="$(command -v java || true)"
fi
[[ -n "$JAVA" ]] || die "java not found (install a JDK 17, or set JAVA_HOME)"

# probe HOST PORT: sends a Kafka ApiVersions v0 request over bash's /dev/tcp.
#   0  a Kafka broker answered
#   1  nothing accepts connections there
#   2  something accepted the connection but did not answer like Kafka (in time)
probe() {
  local rc=0
  # shellcheck disable=SC2016 # the inner script expands its own $0/$1
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" 2>/dev/null || exit 1
    # size=23 | api_key=18 (ApiVersions) | api_version=0 | correlation_id=0x00005eed | client_id="relayer-probe"
    printf "\x00\x00\x00\x17\x00\x12\x00\x00\x00\x00\x5e\xed\x00\x0drelayer-probe" >&3
    reply="$(head -c 10 <&3 | od -An -tx1 | tr -d " \n")"
    # response: size(4) | correlation_id(4) | error_code(2): 0 = ok, 35 = unsupported version (still Kafka)
    case "$reply" in
      ????????00005eed0000 | ????????00005eed0023) exit 0 ;;
      *) exit 2 ;;
    esac
  ' "$1" "$2" 2>/dev/null || rc=$?
  case "$rc" in
    0 | 1) return "$rc" ;;
    *) return 2 ;;
  esac
}

# is_broker PID: is PID a live broker of this checkout? (An exited child that is still a zombie
# has an empty cmdline, so it does not count; neither does a pid reused by another program.)
is_broker() {
  [[ "$1" =~ ^[0-9]+$ && -r "/proc/$1/cmdline" ]] &&
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "$CONF_DIR/server.properties"
}

# alive PID: does PID exist and has it not exited? (Unlike is_broker, this is also true in the
# instant between the fork and the exec of java, when the child still looks like this script.)
alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ -n "$stat" && "${stat:0:1}" != Z && "${stat:0:1}" != X ]]
}

# Pid recorded by an earlier start.sh, if that process is still this checkout's broker.
running_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  is_broker "$pid" || return 1
  printf '%s\n' "$pid"
}

log_tail() {
  if [[ -f "$LOG_FILE" ]]; then
    printf -- '----- last 60 lines of %s -----\n' "$LOG_FILE" >&2
    tail -n 60 "$LOG_FILE" >&2
    printf -- '-----\n' >&2
  fi
}

# wait_ready PID STARTED_AT: waits until the broker answers, fails if PID dies or on time-out.
wait_ready() {
  local pid="$1" started_at="$2" deadline=$((SECONDS + START_TIMEOUT)) rc
  while ((SECONDS < deadline)); do
    if ! alive "$pid"; then
      rm -f "$PID_FILE"
      log_tail
      die "broker process $pid exited during start-up (log: $LOG_FILE)"
    fi
    rc=0
    probe "$HOST" "$PORT" || rc=$?
    if ((rc == 0)); then
      say "broker ready on $HOST:$PORT (pid $pid, $((SECONDS - started_at)) s)"
      return 0
    fi
    sleep 0.5
  done
  log_tail
  die "broker (pid $pid) did not answer on $HOST:$PORT within ${START_TIMEOUT}s; it is still running, stop it with scripts/kafka/stop.sh"
}

mkdir -p "$CACHE_DIR"

# One start at a time per checkout (parallel test runners may all call this script). The lock fd
# is closed for the broker process below, so the lock is released when this script ends.
exec 9>"$CACHE_DIR/.start.lock"
if command -v flock >/dev/null 2>&1; then
  flock -w $((START_TIMEOUT + 300)) 9 || die "timed out waiting for another start.sh to finish"
fi

# Already running?
if pid="$(running_pid)"; then
  if probe "$HOST" "$PORT"; then
    say "broker already running on $HOST:$PORT (pid $pid); nothing to do"
    exit 0
  fi
  say "broker pid $pid is still starting; waiting for it"
  wait_ready "$pid" "$SECONDS"
  exit 0
fi
rc=0
probe "$HOST" "$PORT" || rc=$?
case "$rc" in
  0)
    say "a Kafka broker already answers on $HOST:$PORT (not started by this script); using it"
    exit 0
    ;;
  2) die "port $PORT on $HOST is taken by something that does not answer like a Kafka broker" ;;
esac
rm -f "$PID_FILE"

# 1. Broker jars: fetched from Maven Central when missing or when pom.xml changed.
pom_sum="$(sha256sum "$SCRIPT_DIR/pom.xml" | cut -d' ' -f1)"
if [[ ! -f "$LIBS_STAMP" || "$(cat "$LIBS_STAMP")" != "$pom_sum" ]]; then
  command -v mvn >/dev/null 2>&1 || die "mvn not found: it is needed once to fetch the broker jars"
  say "fetching broker jars with Maven into $LIBS_DIR ..."
  fetch_started=$SECONDS
  tmp_libs="$CACHE_DIR/libs.tmp.$$"
  rm -rf "$tmp_libs"
  if ! mvn -B -Dstyle.color=never -f "$SCRIPT_DIR/pom.xml" dependency:copy-dependencies \
    -Dkafka.libs.dir="$tmp_libs" >"$CACHE_DIR/fetch.log" 2>&1; then
    rm -rf "$tmp_libs"
    tail -n 40 "$CACHE_DIR/fetch.log" >&2
    die "mvn failed to fetch the broker jars (output above, full log in $CACHE_DIR/fetch.log)"
  fi
  printf '%s\n' "$pom_sum" >"$tmp_libs/.pom.sha256"
  rm -rf "$LIBS_DIR"
  mv "$tmp_libs" "$LIBS_DIR"
  say "fetched $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars in $((SECONDS - fetch_started)) s"
fi
CLASSPATH_LIBS="$LIBS_DIR/*"

# 2. Configuration (rewritten every time, so edits to this script take effect on the next start).
mkdir -p "$CONF_DIR" "$DATA_DIR"
cat >"$CONF_DIR/server.properties" <<EOF
# Written by scripts/kafka/start.sh; changes here are overwritten on the next start.
# Single-node KRaft cluster: this process is both broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT

log.dirs=$DATA_DIR

# One broker: every replication factor and ISR minimum is 1.
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1

# Tests create their topics explicitly and want consumer groups to settle at once.
auto.create.topics.enable=false
delete.topic.enable=true
group.initial.rebalance.delay.ms=0

# Small footprint for a dev box / CI runner.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
log.segment.bytes=16777216
log.index.size.max.bytes=1048576
log.retention.hours=24
log.retention.check.interval.ms=60000
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
metadata.log.segment.bytes=8388608
EOF

cat >"$CONF_DIR/log4j.properties" <<EOF
# Written by scripts/kafka/start.sh. Everything goes to stdout, which start.sh sends to kafka.log.
log4j.rootLogger=$LOG_LEVEL, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF

# The same settings for log4j 2, which Kafka 4.x logs through (Kafka 3.9 uses the file above).
cat >"$CONF_DIR/log4j2.properties" <<EOF
# Written by scripts/kafka/start.sh. Everything goes to stdout, which start.sh sends to kafka.log.
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = $LOG_LEVEL
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
EOF

JAVA_LOG_OPTS=(
  "-Dlog4j.configuration=file:$CONF_DIR/log4j.properties"
  "-Dlog4j2.configurationFile=$CONF_DIR/log4j2.properties"
  "-Dkafka.logs.dir=$CACHE_DIR"
)

# 3. Format the storage once (a KRaft log dir must carry meta.properties before first start).
if [[ ! -f "$DATA_DIR/meta.properties" ]]; then
  cluster_id=""
  while [[ ! "$cluster_id" =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{21}$ ]]; do
    # A random Kafka Uuid: 16 random bytes in URL-safe base64, without padding.
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  say "formatting $DATA_DIR (cluster id $cluster_id)"
  if ! "$JAVA" -Xmx256m "${JAVA_LOG_OPTS[@]}" -cp "$CLASSPATH_LIBS" \
    kafka.tools.StorageTool format --ignore-formatted \
    -t "$cluster_id" -c "$CONF_DIR/server.properties" >"$CACHE_DIR/format.log" 2>&1; then
    cat "$CACHE_DIR/format.log" >&2
    die "formatting the storage failed (output above, also in $CACHE_DIR/format.log)"
  fi
  grep -E '^Formatting' "$CACHE_DIR/format.log" | sed 's/^/kafka: /' || true
fi

# 4. Start the broker in the background, in its own session, detached from this shell.
[[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
started_at=$SECONDS
# shellcheck disable=SC2086 # HEAP_OPTS and EXTRA_JVM_OPTS are lists of flags on purpose
setsid nohup "$JAVA" $HEAP_OPTS \
  -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
  -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true $EXTRA_JVM_OPTS \
  "${JAVA_LOG_OPTS[@]}" \
  -cp "$CLASSPATH_LIBS" kafka.Kafka "$CONF_DIR/server.properties" \
  </dev/null >"$LOG_FILE" 2>&1 9>&- &
pid=$!
printf '%s\n' "$pid" >"$PID_FILE"
say "started broker (pid $pid), log: $LOG_FILE"

wait_ready "$pid" "$started_at"
