#!/usr/bin/env bash
# Stops what scripts/slurm-cluster-up.sh started, and whatever a crashed run
# left: every process in the nodes' network namespaces (slurmd, slurmstepd,
# the jobs), the namespaces, the bridge, slurmctld and munged (by their pid
# files). --keep-munge leaves munged running. Safe to run at any time.
set -uo pipefail
for n in 1 2 3; do
  ns=repro-node$n
  if ip netns list | grep -qx "$ns\( .*\)\?"; then
    pids=$(ip netns pids "$ns")
    [[ -n "$pids" ]] && kill -9 $pids 2>/dev/null
    ip netns del "$ns"
  fi
  ip link del "rpv-node$n" 2>/dev/null
done
ip link del repro-br0 2>/dev/null
stop() {
  local pid; pid=$(cat "$1" 2>/dev/null) || return 0
  [[ -n "$pid" ]] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null
}
stop /run/slurmctld.pid
[[ "${1:-}" == --keep-munge ]] || stop /run/munge/munged.pid
exit 0
