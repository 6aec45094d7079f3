#!/bin/sh
# One-shot: join the three primaries into a cluster, once. Safe to run again.
set -eu
NODES="172.30.0.11:6379 172.30.0.12:6379 172.30.0.13:6379"
cli() { valkey-cli --no-auth-warning -a "$VALKEY_PASSWORD" "$@"; }

for node in $NODES; do
  host=${node%:*}
  until cli -h "$host" -p 6379 ping >/dev/null 2>&1; do sleep 1; done
done

if cli -h 172.30.0.11 -p 6379 cluster info | grep -q '^cluster_state:ok'; then
  echo "cluster already created"
  exit 0
fi

cli --cluster create $NODES --cluster-replicas 0 --cluster-yes

until cli -h 172.30.0.11 -p 6379 cluster info | grep -q '^cluster_state:ok'; do sleep 1; done
echo "cluster ready"
