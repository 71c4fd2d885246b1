#!/usr/bin/env bash
# Installs slurm-wlm and munge from Debian if missing, and starts munged with
# a key (shared by scripts/slurm-up.sh and scripts/slurm-cluster-up.sh). Needs root.
set -euo pipefail
[[ $(id -u) -eq 0 ]] || { echo "slurm-install: needs root" >&2; exit 1; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "slurm-install: installing slurm-wlm and munge" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >&2
fi
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
if [[ ! -s /etc/munge/munge.key ]]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
fi
chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 700 /etc/munge; chmod 400 /etc/munge/munge.key
pid=$(cat /run/munge/munged.pid 2>/dev/null || true)
if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
  runuser -u munge -- /usr/sbin/munged
fi
