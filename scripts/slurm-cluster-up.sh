#!/usr/bin/env bash
# Starts a three-node Slurm on this machine for the integration test: munged
# and slurmctld here, and slurmd node1..node3 each in its own network
# namespace (repro-node1..3, veth pairs on the bridge repro-br0) with its own
# hostname (a UTS namespace) and address (10.213.0.11-13; the controller is
# 10.213.0.1 on the bridge). The nodes share this machine's filesystem, as a
# cluster shares its network filesystem. The subnet exists only on the bridge:
# no route, no NAT, nothing leaves the machine. Installs slurm-wlm and munge
# if missing. Needs root. Stop it with scripts/slurm-cluster-down.sh (this
# script runs it first, so it also recovers from a crashed run).
#
# Timers are short so that a node whose slurmd dies (scripts/slurm-cluster-kill-node.sh)
# is DOWN, and its jobs NODE_FAIL, within about ten seconds.
# `slurm-cluster-up.sh --node N` restarts node N's slurmd only (it returns to
# service on registering: ReturnToService=2).
set -euo pipefail
[[ $(id -u) -eq 0 ]] || { echo "slurm-cluster-up: needs root" >&2; exit 1; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
start_node() {
  # nsenter, not `ip netns exec`: that remounts /sys, hiding the cgroup
  # filesystem slurmd's cgroup plugin insists on finding.
  nsenter --net="/run/netns/repro-node$1" unshare --uts sh -c "hostname node$1 && exec slurmd -N node$1"
}
if [[ "${1:-}" == --node ]]; then
  start_node "${2:?usage: slurm-cluster-up.sh --node N}"
  for _ in $(seq 1 60); do
    sinfo -h -n "node$2" -o '%T' | grep -qE '^(idle|mixed|allocated)$' && exit 0
    sleep 0.5
  done
  echo "slurm-cluster-up: node$2 did not come back" >&2; exit 1
fi
"$here/slurm-install.sh"
"$here/slurm-cluster-down.sh" --keep-munge
host=$(hostname -s)
subnet=10.213.0

ip link add repro-br0 type bridge
ip addr add "$subnet.1/24" dev repro-br0
ip link set repro-br0 up
for n in 1 2 3; do
  ns=repro-node$n
  ip netns add "$ns"
  ip link add "rpv-node$n" type veth peer name eth0 netns "$ns"
  ip link set "rpv-node$n" master repro-br0 up
  ip -n "$ns" addr add "$subnet.1$n/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
done

mkdir -p /etc/slurm /var/spool/slurmctld-cluster /var/log/slurm
rm -rf /var/spool/slurmctld-cluster/*
for n in 1 2 3; do rm -rf "/var/spool/slurmd-node$n"; mkdir -p "/var/spool/slurmd-node$n"; done
# proctrack/linuxproc and task/none: no cgroups or systemd needed. Each node
# offers one CPU (config_overrides: fewer than the hardware has), so tasks
# spread over the nodes.
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=repro-cluster
SlurmctldHost=${host}(${subnet}.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
StateSaveLocation=/var/spool/slurmctld-cluster
SlurmdSpoolDir=/var/spool/slurmd-%n
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd-%n.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd-%n.log
ReturnToService=2
MinJobAge=600
MaxArraySize=2001
SlurmdTimeout=5
MessageTimeout=2
TCPTimeout=2
KillWait=2
InactiveLimit=0
SlurmdParameters=config_overrides
NodeName=node[1-3] NodeHostname=node[1-3] NodeAddr=${subnet}.[11-13] CPUs=1 RealMemory=500 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -c
for n in 1 2 3; do start_node $n; done
for _ in $(seq 1 60); do
  up=$(sinfo -h -N -o '%N %T' 2>/dev/null | grep -cE ' (idle|mixed|allocated)$' || true)
  if [[ "$up" -eq 3 ]]; then
    echo "slurm-cluster-up: node1..node3 are up" >&2
    exit 0
  fi
  sleep 1
done
echo "slurm-cluster-up: the nodes did not come up; logs:" >&2
sinfo -N >&2 || true
tail -20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd-node*.log >&2 || true
exit 1
