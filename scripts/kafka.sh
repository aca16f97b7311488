#!/usr/bin/env bash
# A local Apache Kafka broker for development and integration tests: one KRaft node that is
# both broker and controller, run from the official jars on Maven Central (no tarball download).
#
#   bash scripts/kafka.sh start|stop|status|reset
#
# Environment:
#   KAFKA_DIR              data dir, log, pid file and config (default <repo>/.kafka)
#   KAFKA_PORT             client listener port (default 9092)
#   KAFKA_CONTROLLER_PORT  controller listener port (default 9093)
#   KAFKA_HEAP_OPTS        JVM heap (default -Xms256m -Xmx512m)
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to answer (default 90)
set -euo pipefail

# Kafka 4.x: kafkajs 2.2.4 negotiates request versions that 4.x still serves (KIP-896 removed
# only older ones); verified with an idempotent produce / consumer-group / commit round trip.
KAFKA_VERSION=4.1.2
# log4j-core that kafka_2.13 $KAFKA_VERSION depends on; the slf4j binding must match it.
LOG4J_VERSION=2.25.3

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KAFKA_DIR=$(realpath -m "${KAFKA_DIR:-$REPO_ROOT/.kafka}")
# The jars are shared by every KAFKA_DIR, so a test with its own data dir does not resolve them again.
LIBS_ROOT=$REPO_ROOT/.kafka/jars
LIBS_DIR=$LIBS_ROOT/$KAFKA_VERSION
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}

DATA_DIR=$KAFKA_DIR/data
PID_FILE=$KAFKA_DIR/kafka.pid
LOG_FILE=$KAFKA_DIR/broker.log
CONFIG_FILE=$KAFKA_DIR/server.properties
LOG4J_FILE=$KAFKA_DIR/log4j2.properties

say() { echo "kafka: $*"; }
fail() { echo "kafka: $*" >&2; exit 1; }

running_pid() {
  [[ -f $PID_FILE ]] || return 1
  local pid
  pid=$(<"$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  # The pid must still be our broker, not a recycled pid of something else.
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

resolve_jars() {
  [[ -f $LIBS_DIR/.complete ]] && return 0
  command -v mvn >/dev/null || fail "Maven (mvn) is needed to fetch the Kafka jars from Maven Central"
  command -v java >/dev/null || fail "Java 17+ is needed to run Kafka $KAFKA_VERSION"
  say "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION and its runtime dependencies with Maven ..."
  local work=$LIBS_ROOT/resolve-$KAFKA_VERSION
  rm -rf "$work" "$LIBS_DIR"
  mkdir -p "$work"
  cat >"$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>paved.local</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <!-- The broker logs through slf4j 1.7; without a binding it logs nothing. -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  if ! mvn -B -Dstyle.color=never -f "$work/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$work/libs" >"$work/maven.log" 2>&1; then
    tail -n 40 "$work/maven.log" >&2
    fail "could not resolve the Kafka jars from Maven Central; see $work/maven.log"
  fi
  mv "$work/libs" "$LIBS_DIR"
  rm -rf "$work"
  touch "$LIBS_DIR/.complete"
}

write_config() {
  mkdir -p "$DATA_DIR"
  cat >"$CONFIG_FILE" <<EOF
# Written by scripts/kafka.sh: a single KRaft node for development and tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA_DIR
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
EOF
  cat >"$LOG4J_FILE" <<'EOF'
# The broker's stdout goes to broker.log (see start).
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
}

java_command() {
  # shellcheck disable=SC2206 # the heap options are a list of words
  JAVA=(java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$LOG4J_FILE" -cp "$LIBS_DIR/*")
}

random_cluster_id() {
  # A Kafka cluster id is a base64url-encoded 16-byte UUID; avoid a leading '-' that looks like an option.
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ ${id:0:1} =~ [A-Za-z0-9] ]] && { echo "$id"; return; }
  done
}

format_storage() {
  [[ -f $DATA_DIR/meta.properties ]] && return 0
  say "formatting $DATA_DIR"
  java_command
  "${JAVA[@]}" kafka.tools.StorageTool format -t "$(random_cluster_id)" -c "$CONFIG_FILE" >>"$LOG_FILE" 2>&1 \
    || fail "formatting the storage failed; see $LOG_FILE"
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null
}

start() {
  local pid
  if pid=$(running_pid); then
    say "already running (pid $pid) on 127.0.0.1:$KAFKA_PORT"
    return 0
  fi
  rm -f "$PID_FILE"
  if port_open; then
    fail "port $KAFKA_PORT is already in use by another process; set KAFKA_PORT"
  fi
  resolve_jars
  mkdir -p "$KAFKA_DIR"
  [[ -f $LOG_FILE ]] && mv "$LOG_FILE" "$LOG_FILE.previous"
  write_config
  format_storage
  local started=$SECONDS
  java_command
  nohup "${JAVA[@]}" kafka.Kafka "$CONFIG_FILE" >>"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"
  say "starting Kafka $KAFKA_VERSION (pid $pid), log: $LOG_FILE"
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail -n 30 "$LOG_FILE" >&2 || true
      fail "the broker exited during start-up; see $LOG_FILE"
    fi
    if port_open && grep -q 'Kafka Server started' "$LOG_FILE"; then
      say "ready on 127.0.0.1:$KAFKA_PORT after $((SECONDS - started)) s"
      return 0
    fi
    if ((SECONDS - started >= KAFKA_START_TIMEOUT)); then
      tail -n 30 "$LOG_FILE" >&2 || true
      fail "the broker did not answer within $KAFKA_START_TIMEOUT s (pid $pid still running); see $LOG_FILE"
    fi
    sleep 0.5
  done
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$PID_FILE"
    say "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "pid $pid did not stop within 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  say "stopped (pid $pid)"
}

status() {
  local pid
  if pid=$(running_pid); then
    say "running (pid $pid) on 127.0.0.1:$KAFKA_PORT, Kafka $KAFKA_VERSION"
    return 0
  fi
  say "not running"
  return 1
}

reset() {
  running_pid >/dev/null && fail "the broker is running; stop it before reset"
  rm -rf "$DATA_DIR"
  say "deleted $DATA_DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  reset) reset ;;
  *) echo "usage: $0 start|stop|status|reset" >&2; exit 2 ;;
esac
