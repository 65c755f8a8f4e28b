#!/usr/bin/env bash
# Installs the system tools the test suite drives, when any is missing (Debian/Ubuntu, apt-get):
#   tmux        the `relayer book` terminal UI test
#   supervisor  deploy/supervisor samples (scripts/supervisor-check.sh, scripts/deploy-check.sh)
#   nginx       deploy/nginx sample with TLS (scripts/deploy-check.sh)
#   openssl     the self-signed certificate of that sample
#   curl        requests through nginx
#   java 17+ and maven   the local Kafka broker (scripts/kafka/start.sh)
#   a C/C++ toolchain and the -dev libraries librdkafka links against: the optional Kafka client
#               @confluentinc/kafka-javascript compiles its bundled librdkafka from source with
#               CKJS_LINKING=dynamic (its default build downloads libraries, which is not reachable)
# `.ci/run` runs it first; `npm test` runs it when a tool is missing and it can install (root or
# passwordless sudo). `--check` only lists what is missing (exit 1 if anything is).
set -euo pipefail
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need tmux tmux
need supervisord supervisor
need nginx nginx
need openssl openssl
need curl curl
need java openjdk-17-jre-headless
need mvn maven
need make build-essential
need python3 python3
# libraries are not commands: ask dpkg (the -dev packages hold the headers the build needs)
lib() { dpkg -s "$1" >/dev/null 2>&1 || missing+=("$1"); }
if command -v dpkg >/dev/null 2>&1; then
  for pkg in libssl-dev zlib1g-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev; do lib "$pkg"; done
fi
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "${1:-}" = "--check" ]; then echo "${missing[*]}"; exit 1; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${missing[*]}; install them with your package manager" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then sudo=(sudo -n); else
    echo "system-deps: missing ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
echo "system-deps: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
