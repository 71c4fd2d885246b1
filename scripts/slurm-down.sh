#!/usr/bin/env bash
# Stops the daemons scripts/slurm-up.sh started (by their pid files).
stop() {
  local pid; pid=$(cat "$1" 2>/dev/null) || return 0
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
}
stop /run/slurmd.pid
stop /run/slurmctld.pid
stop /run/munge/munged.pid
exit 0
