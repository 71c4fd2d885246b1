#!/usr/bin/env bash
# The shared cache over https at internet latency, in a network namespace of
# the test's own. nginx (Debian nginx-light) on its 127.0.0.1 serves one WebDAV root that requires a token, over TLS with a
# certificate signed by a CA this test makes (scripts/make-test-certs.sh,
# passed with REPRO_REMOTE_CA), and over plain http for comparison. Both are
# reached through scripts/latency-proxy.py, which adds 50 ms each way (a
# 100 ms round trip; this kernel has no netem).
#   1. clone A (a copy of this repository: committed outputs and repro.lock)
#      pushes the whole paper over https; timed;
#   2. clone B (no outputs, no cache) restores the whole paper with
#      `repro all` over https: under 5 s, no stage run, lock identical to A's;
#   3. the same push and restore over plain http, timed, for comparison;
#   4. a wrong CA, an expired certificate and a hostname mismatch each fail
#      with a message naming the problem; the run computes locally, or fails
#      under --remote-required.
# Usage: scripts/remote-https-test.sh [REPRO_BINARY]   (needs root to install nginx)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repro="${1:-$here/.build/release/repro}"
[[ -x "$repro" ]] || { echo "build repro first (swift build -c release --product repro)" >&2; exit 1; }
repro="$(cd "$(dirname "$repro")" && pwd)/$(basename "$repro")"
source "$here/scripts/remote-test-nginx.sh"
ensure_nginx
# The test runs in a network namespace of its own (loopback only): nothing else on the machine reaches its
# servers, and nothing of the machine's (another nginx, a proxy) answers in their place. What it installs is
# installed first, with the machine's network.
if [[ "${REPRO_TEST_IN_NETNS:-}" != 1 ]]; then
  need=()
  command -v openssl >/dev/null 2>&1 || need+=(openssl)
  command -v ip >/dev/null 2>&1 || need+=(iproute2)
  if [[ ${#need[@]} -gt 0 ]]; then
    echo "installing ${need[*]} (Debian) for the https test" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  fi
  exec unshare --net -- env REPRO_TEST_IN_NETNS=1 bash "${BASH_SOURCE[0]}" "$repro"
fi
ip link set lo up
echo "in a network namespace of its own: $(readlink /proc/self/ns/net)"
restore_limit=5

work=$(mktemp -d)
token="t-$RANDOM$RANDOM"
free_ports=()
for p in $(seq 18900 18999); do
  (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || free_ports+=("$p")
  [[ ${#free_ports[@]} -eq 6 ]] && break
done
[[ ${#free_ports[@]} -eq 6 ]] || { echo "not 6 free ports in 18900-18999" >&2; exit 1; }
tls=${free_ports[0]} plain=${free_ports[1]} expired=${free_ports[2]} wronghost=${free_ports[3]}
tls_slow=${free_ports[4]} plain_slow=${free_ports[5]}
"$here/scripts/make-test-certs.sh" "$work/certs"
remote_nginx_conf "$work" "$token" "" "$tls:server" "$plain" "$expired:expired" "$wronghost:wronghost"
"$nginx_bin" -c "$work/nginx/nginx.conf"
python3 "$here/scripts/latency-proxy.py" "$tls_slow" 127.0.0.1 "$tls" 50 & proxy1=$!
python3 "$here/scripts/latency-proxy.py" "$plain_slow" 127.0.0.1 "$plain" 50 & proxy2=$!
cleanup() {
  kill "$proxy1" "$proxy2" 2>/dev/null || true
  [[ -f "$work/nginx/nginx.pid" ]] && kill -QUIT "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  sleep 0.3
  rm -rf "$work"
}
trap cleanup EXIT
for p in "$tls_slow" "$plain_slow"; do
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.1; done
done

pass=0; fail=0
check() { if eval "$2"; then echo "ok    $1"; pass=$((pass + 1)); else echo "FAIL  $1"; fail=$((fail + 1)); fi; }
export REPRO_REMOTE_TOKEN="$token" REPRO_REMOTE_CA="$work/certs/ca.pem"
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc | sed 's/^\./0./'; }

# The paper as committed: outputs, lock, no cache.
paper_clone() {  # $1: directory, $2: with outputs (yes|no)
  rm -rf "$1"; mkdir -p "$1"
  (cd "$here" && git ls-files -z | xargs -0 cp --parents -t "$1")
  if [[ $2 == no ]]; then rm -rf "$1/.repro" "$1/artifacts" "$1/figures" "$1/paper/reproduction.pdf"; fi
}
paper_clone "$work/A" yes
stages=$(grep -c '"key":' "$work/A/repro.lock")
check "clone A's committed outputs match its lock (else there is nothing to push)" "'$repro' status -C '$work/A' > /dev/null"

for scheme in https http; do
  if [[ $scheme == https ]]; then url="https://localhost:$tls_slow/paper"; else url="http://127.0.0.1:$plain_slow/paper-plain"; fi
  echo "== $scheme, 100 ms round trip: push the paper ($stages stages) from clone A, restore it in clone B"
  t0=$(now)
  REPRO_REMOTE_ALLOW_HTTP_TOKEN=1 "$repro" push -C "$work/A" --remote "$url" > "$work/push.out" 2>&1 || true
  push_s=$(since "$t0")
  tail -1 "$work/push.out"
  check "$scheme: the push uploaded every stage" "grep -q 'pushed $stages of $stages stages' '$work/push.out'"
  paper_clone "$work/B" no
  t0=$(now)
  # Bounded: if the remote failed, computing the whole paper instead would take many minutes.
  REPRO_REMOTE_ALLOW_HTTP_TOKEN=1 timeout 120 "$repro" all -C "$work/B" --remote "$url" --remote-required > "$work/B.out" 2>&1 || true
  restore_s=$(since "$t0")
  tail -2 "$work/B.out"
  check "$scheme: B restored all $stages stages from the remote" "grep -q '$stages restored (remote)' '$work/B.out'"
  check "$scheme: B ran no stage" "! grep -qE '[0-9]+ ran' '$work/B.out'"
  check "$scheme: B's lock is byte-identical to A's" "cmp -s '$work/A/repro.lock' '$work/B/repro.lock'"
  echo "time ($scheme, 100 ms round trip): repro push of the paper: $push_s s; repro all restoring it in a fresh clone: $restore_s s"
  if [[ $scheme == https ]]; then
    check "https: the restore took under $restore_limit s ($restore_s s)" "[[ \$(echo '$restore_s < $restore_limit' | bc) -eq 1 ]]"
  fi
done

echo "== certificates that must be refused"
small() {  # $1: directory
  rm -rf "$1"; mkdir -p "$1"
  cat > "$1/pipeline.yaml" <<'YAML'
stages:
  a:
    kind: shell
    params: {argv: [sh, -c, "echo computed here > out/a.bin"]}
    outs: [out/a.bin]
YAML
}
refused() {  # $1: case, $2: URL, $3: what the message must say, then env assignments
  local name=$1 url=$2 says=$3; shift 3
  small "$work/S"
  env "$@" "$repro" all -C "$work/S" --remote "$url" > "$work/S.out" 2>&1 || true
  check "$name: a warning saying '$says', then local computation" \
    "grep -q 'warning: remote cache' '$work/S.out' && grep -q -- '$says' '$work/S.out' && grep -q '1 ran' '$work/S.out'"
  small "$work/S"
  local rc=0
  env "$@" "$repro" all -C "$work/S" --remote "$url" --remote-required > "$work/S.out" 2>&1 || rc=$?
  check "$name: --remote-required fails with the message, runs nothing" \
    "[[ $rc -ne 0 ]] && grep -q -- '$says' '$work/S.out' && [[ ! -e '$work/S/out/a.bin' ]]"
}
refused "wrong CA" "https://localhost:$tls/r" "not signed by a CA this machine trusts" REPRO_REMOTE_CA="$work/certs/other-ca.pem"
refused "no CA (system trust store only)" "https://localhost:$tls/r" "REPRO_REMOTE_CA=FILE" REPRO_REMOTE_CA=
refused "expired certificate" "https://localhost:$expired/r" "certificate has expired"
refused "hostname mismatch" "https://localhost:$wronghost/r" "for another host name"
refused "unreadable REPRO_REMOTE_CA" "https://localhost:$tls/r" "REPRO_REMOTE_CA=$work/nonexistent.pem" REPRO_REMOTE_CA="$work/nonexistent.pem"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
