#!/usr/bin/env bash
# Kills node N of scripts/slurm-cluster-up.sh's cluster as a crash would:
# SIGKILL to everything in its network namespace (slurmd, slurmstepd and the
# job's processes). slurmctld notices within SlurmdTimeout: the node goes
# DOWN and its jobs end NODE_FAIL. Usage: slurm-cluster-kill-node.sh N
set -euo pipefail
ns=repro-node${1:?usage: slurm-cluster-kill-node.sh N}
pids=$(ip netns pids "$ns")
[[ -n "$pids" ]] && kill -9 $pids
echo "slurm-cluster-kill-node: killed $(echo $pids | wc -w) processes of $ns" >&2
