#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM)
# for tests and development. No Docker: the jars come from Maven Central
# through tests/kafka/pom.xml, Java 17 and Maven from Debian (tools/setup.sh).
#
#   kafka.sh install          fetch the jars into tests/kafka/lib (idempotent)
#   kafka.sh start DIR        start a broker whose files live in DIR; prints the
#                             bootstrap address. A fresh DIR gets free loopback
#                             ports and a newly formatted store; a DIR from an
#                             earlier start is restarted on the same ports with
#                             its data (broker restart tests rely on this).
#   kafka.sh stop DIR [--kill] stop the broker started in DIR (SIGTERM, then
#                             SIGKILL after a bound; --kill: SIGKILL at once)
#   kafka.sh status DIR       "running PID BOOTSTRAP" (exit 0) or "stopped" (3)
#
# Files in DIR: bootstrap (host:port), pid, server.properties, log4j2.properties,
# data/ (the log and metadata), logs/server.log, console.log.
#
# Environment: KAFKA_START_TIMEOUT (seconds, default 90), KAFKA_HEAP_OPTS
# (default -Xms128m -Xmx512m), MAVEN_REPO_LOCAL (optional local repository),
# KAFKA_WATCH_PID (start: SIGKILL the broker once that process is gone, so a
# crashed test binary leaves no broker behind).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIB="$HERE/lib"
STAMP="$LIB/.pom.sha256"

die() { echo "kafka.sh: $*" >&2; exit 1; }

classpath() { echo "$LIB/*"; }

cmd_install() {
  command -v java >/dev/null || die "java not found (run tools/setup.sh)"
  local want
  want="$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)"
  if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]] && ls "$LIB"/kafka_2.13-*.jar >/dev/null 2>&1; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (run tools/setup.sh)"
  echo "kafka.sh: fetching broker jars into $LIB" >&2
  rm -rf "$LIB"
  local repo=()
  [[ -n "${MAVEN_REPO_LOCAL:-}" ]] && repo=("-Dmaven.repo.local=$MAVEN_REPO_LOCAL")
  mvn -q -B -Dstyle.color=never "${repo[@]}" -f "$HERE/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIB" >&2
  echo "$want" >"$STAMP"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# True when DIR/pid names a live process that is this broker.
is_running() {
  local dir="$1" pid
  [[ -f "$dir/pid" ]] || return 1
  pid="$(cat "$dir/pid")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $dir/server.properties"
}

write_config() {
  local dir="$1" broker_port="$2" controller_port="$3"
  cat >"$dir/server.properties" <<EOF
# Written by tests/kafka/kafka.sh: a single-node KRaft broker+controller.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$broker_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$broker_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.network.threads=2
num.io.threads=4
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
# One node: every internal topic has one replica and an ISR of one; one
# partition each keeps the first group or transaction fast to set up.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1
group.initial.rebalance.delay.ms=0
EOF
  cat >"$dir/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $dir/logs/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = info
logger.state.name = state.change.logger
logger.state.level = warn
EOF
}

java_opts() {
  local dir="$1"
  # shellcheck disable=SC2086
  echo ${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$dir/log4j2.properties" \
    "-Dkafka.logs.dir=$dir/logs"
}

# Short-lived tool JVMs start faster with the client compiler only.
TOOL_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto)

format_store() {
  local dir="$1" cluster_id
  cluster_id="$(java "${TOOL_OPTS[@]}" -cp "$(classpath)" kafka.tools.StorageTool random-uuid \
    2>/dev/null | tail -1)"
  [[ -n "$cluster_id" ]] || die "could not generate a cluster id"
  java "${TOOL_OPTS[@]}" "-Dlog4j2.configurationFile=$dir/log4j2.properties" \
    -cp "$(classpath)" kafka.tools.StorageTool format \
    --standalone --cluster-id "$cluster_id" --config "$dir/server.properties" \
    >>"$dir/console.log" 2>&1 || { tail -20 "$dir/console.log" >&2; die "format failed"; }
}

# Waits until the server logs that it started and its broker port answers.
wait_ready() {
  local dir="$1" pid="$2" host port deadline
  host="${3%:*}" port="${3##*:}"
  deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-90}))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -30 "$dir/logs/server.log" "$dir/console.log" >&2 2>/dev/null || true
      die "broker exited during start (see $dir/logs/server.log)"
    fi
    if grep -q "Kafka Server started" "$dir/logs/server.log" 2>/dev/null &&
      (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  kill -9 "$pid" 2>/dev/null || true
  die "broker not ready within ${KAFKA_START_TIMEOUT:-90}s (see $dir/logs/server.log)"
}

cmd_start() {
  local dir="${1:?usage: kafka.sh start DIR}" t0=$SECONDS
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if is_running "$dir"; then cat "$dir/bootstrap"; return 0; fi
  cmd_install
  if [[ ! -f "$dir/server.properties" ]]; then
    local bport cport
    bport="$(free_port)"
    cport="$(free_port)"
    while [[ "$cport" == "$bport" ]]; do cport="$(free_port)"; done
    mkdir -p "$dir/data" "$dir/logs"
    write_config "$dir" "$bport" "$cport"
    echo "127.0.0.1:$bport" >"$dir/bootstrap"
    format_store "$dir"
  fi
  : >"$dir/logs/server.log"
  # shellcheck disable=SC2046
  nohup java $(java_opts "$dir") -cp "$(classpath)" kafka.Kafka "$dir/server.properties" \
    </dev/null >>"$dir/console.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/pid"
  wait_ready "$dir" "$pid" "$(cat "$dir/bootstrap")"
  if [[ -n "${KAFKA_WATCH_PID:-}" ]]; then
    # The broker follows its owner (a test binary) when that dies unstopped.
    nohup bash -c "while kill -0 $KAFKA_WATCH_PID && kill -0 $pid; do sleep 1; done 2>/dev/null
                   kill -0 $KAFKA_WATCH_PID 2>/dev/null || kill -9 $pid 2>/dev/null" \
      </dev/null >/dev/null 2>&1 &
  fi
  echo "kafka.sh: broker $(cat "$dir/bootstrap") ready in $((SECONDS - t0))s (pid $pid)" >&2
  cat "$dir/bootstrap"
}

cmd_stop() {
  local dir="${1:?usage: kafka.sh stop DIR [--kill]}" signal=TERM pid i
  [[ "${2:-}" == "--kill" ]] && signal=KILL
  [[ -d "$dir" ]] || return 0
  dir="$(cd "$dir" && pwd)"
  is_running "$dir" || { rm -f "$dir/pid"; return 0; }
  pid="$(cat "$dir/pid")"
  kill -s "$signal" "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do  # 30 s for a clean shutdown
    kill -0 "$pid" 2>/dev/null || { rm -f "$dir/pid"; return 0; }
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$dir/pid"
}

cmd_status() {
  local dir="${1:?usage: kafka.sh status DIR}"
  if [[ -d "$dir" ]] && is_running "$(cd "$dir" && pwd)"; then
    echo "running $(cat "$dir/pid") $(cat "$dir/bootstrap")"
  else
    echo "stopped"
    return 3
  fi
}

case "${1:-}" in
  install) cmd_install ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  *) die "usage: kafka.sh install | start DIR | stop DIR [--kill] | status DIR" ;;
esac
