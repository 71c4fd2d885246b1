#!/usr/bin/env bash
# Starts a single-node Slurm (munged, slurmctld, slurmd) on this machine for
# the integration test, installing slurm-wlm and munge if missing. Needs root.
# Stop it with scripts/slurm-down.sh.
set -euo pipefail
[[ $(id -u) -eq 0 ]] || { echo "slurm-up: needs root" >&2; exit 1; }
"$(dirname "${BASH_SOURCE[0]}")/slurm-install.sh"
host=$(hostname)

mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=repro-test
SlurmctldHost=${host}
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
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
MinJobAge=600
NodeName=${host} CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
running() { local pid; pid=$(cat "$1" 2>/dev/null) && [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }
running /run/slurmctld.pid || slurmctld
running /run/slurmd.pid || slurmd
for _ in $(seq 1 60); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "slurm-up: node ${host} is up" >&2
    exit 0
  fi
  sleep 1
done
echo "slurm-up: the node did not come up; logs:" >&2
tail -20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
