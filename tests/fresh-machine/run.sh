#!/usr/bin/env bash
# Runs fresh-machine.ts where nothing answers on the loopback: a network namespace of its
# own (root and unshare needed), with a cache folder of its own seeded with the Kafka jars
# (the namespace has no network to fetch them with Maven).
set -euo pipefail
cd "$(dirname "$0")/../.."
jars="${SEGFLOW_CACHE_DIR:-$HOME/.cache/segflow}/kafka-3.9.1"
if [ ! -f "$jars/libs/.complete" ]; then
  echo "fresh-machine: the Kafka jars are not in $jars yet; run pnpm start or pnpm test once first" >&2
  exit 1
fi
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
cp -r "$jars" "$cache/"
chmod 755 "$cache"
SEGFLOW_CACHE_DIR="$cache" unshare --net bash -c 'ip link set lo up && exec node --import tsx tests/fresh-machine/fresh-machine.ts'
