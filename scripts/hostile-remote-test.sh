#!/usr/bin/env bash
# The remote cache against a hostile server (scripts/hostile-remote-server.py
# on 127.0.0.1) and a hostile file:// remote. Each case must end within its
# deadline, with bounded memory (peak RSS asserted), a warning naming the
# problem, and the stage computed locally:
#   endless header lines; a run record claiming a 1 GiB object followed by
#   1 GiB that is not it; a chunk size of 7fffffffffffffff; one byte per
#   second; a body at 20 bytes a second (only the overall deadline ends
#   it); 100 Continue and 102 Processing before every answer (must just
#   work); a 500 storm on push (the summary counts what was not uploaded);
#   Ctrl-C during a stalled transfer; a FIFO and a directory in a file://
#   remote; a token in the environment never sent to a host only
#   pipeline.yaml names, nor over plain http.
# Usage: scripts/hostile-remote-test.sh [REPRO_BINARY]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repro="${1:-$here/.build/release/repro}"
[[ -x "$repro" ]] || { echo "build repro first (swift build -c release --product repro)" >&2; exit 1; }
repro="$(cd "$(dirname "$repro")" && pwd)/$(basename "$repro")"
[[ -x /usr/bin/time ]] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time >&2; }

work=$(mktemp -d)
port=""
for p in $(seq 18800 18899); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[[ -n "$port" ]] || { echo "no free port in 18800-18899" >&2; exit 1; }
python3 "$here/scripts/hostile-remote-server.py" "$port" > "$work/server.log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

pass=0; fail=0
check() { if eval "$2"; then echo "ok    $1"; pass=$((pass + 1)); else echo "FAIL  $1"; fail=$((fail + 1)); fi; }
max_rss_mb=200

# $1: directory, $2: remote URL, $3: push (never|on-success)
project() {
  rm -rf "$1"; mkdir -p "$1"
  cat > "$1/pipeline.yaml" <<YAML
remote:
  url: $2
  push: $3
  timeout: 2
stages:
  a:
    kind: shell
    params: {argv: [sh, -c, "echo computed here > out/a.bin"]}
    outs: [out/a.bin]
YAML
}
# Runs repro with a deadline; sets rc, secs, rss_mb; output in $work/out.
# $1: deadline (s), then repro's arguments.
measured() {
  local deadline=$1; shift
  rc=0
  /usr/bin/time -f "%e %M" -o "$work/time" timeout -s KILL "$deadline" "$repro" "$@" > "$work/out" 2>&1 || rc=$?
  read -r secs rss_kb < <(tail -1 "$work/time") || true  # after "Command exited with non-zero status N"
  rss_mb=$(( ${rss_kb:-0} / 1024 ))
  echo "      ($*: exit $rc, ${secs:-?} s, peak RSS ${rss_mb} MB)"
}
# $1: case name, $2: what the warning must say, $3: deadline.
hostile() {
  project "$work/p" "http://127.0.0.1:$port/$1" never
  measured "$3" all -C "$work/p"
  check "$1: finished (exit 0) within ${3} s" "[[ $rc -eq 0 ]]"
  check "$1: peak RSS ${rss_mb} MB under $max_rss_mb MB" "[[ $rss_mb -lt $max_rss_mb ]]"
  check "$1: a warning saying '$2'" "grep -q 'warning:' '$work/out' && grep -qF -- '$2' '$work/out'"
  grep 'warning:' "$work/out" | head -1 | cut -c1-220 | sed 's/^/      /'
  check "$1: the stage was computed locally" "grep -q '1 ran' '$work/out' && grep -q 'computed here' '$work/p/out/a.bin'"
}

echo "== hostile http server on 127.0.0.1:$port (remote timeout: 2 s)"
hostile headers "KiB of headers" 20
hostile chunk "larger than expected" 20
hostile slow "remote timeout:" 30
hostile drip "deadline of 10 s" 30
hostile huge "corrupted" 120
check "huge: the 1 GiB download left no temp file" "[[ -z \$(find '$work/p/.repro' -path '*tmp*' -type f -size +1M) ]]"

echo "== 100 Continue and 102 Processing before every answer: a working cache"
project "$work/p" "http://127.0.0.1:$port/info" on-success
measured 30 all -C "$work/p"
check "info: push from one clone" "[[ $rc -eq 0 ]] && grep -q 'pushed 1 stage' '$work/out' && ! grep -q 'warning' '$work/out'"
project "$work/q" "http://127.0.0.1:$port/info" never
cp "$work/p/repro.lock" "$work/q/"
measured 30 all -C "$work/q"
check "info: another clone restores from it" "[[ $rc -eq 0 ]] && grep -q '1 restored (remote)' '$work/out' && cmp -s '$work/p/repro.lock' '$work/q/repro.lock'"

echo "== a 500 storm"
project "$work/p" "http://127.0.0.1:$port/storm" on-success
measured 30 all -C "$work/p"
check "storm: the run computes, warns once with the status" "[[ $rc -eq 0 ]] && grep -q '1 ran' '$work/out' && [[ \$(grep -c 'warning: remote cache' '$work/out') -eq 1 ]] && grep -q 'HTTP 500' '$work/out'"
measured 30 push -C "$work/p"
check "storm: repro push fails" "[[ $rc -ne 0 ]]"
check "storm: its summary counts the objects not uploaded, and why" "grep -q '0 objects uploaded (0 B), 0 already there, 1 not uploaded (.*HTTP 500)' '$work/out'"
check "storm: never 'the rest already there'" "! grep -q 'the rest already there' '$work/out'"

echo "== Ctrl-C during a stalled transfer"
project "$work/p" "http://127.0.0.1:$port/slow" never
"$repro" all -C "$work/p" > "$work/out" 2>&1 &
pid=$!
sleep 1.5
t0=$(date +%s.%N)
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
t1=$(date +%s.%N)
took=$(echo "$t1 - $t0" | bc)
echo "      (exit $rc, ${took} s after SIGINT)"
check "slow: Ctrl-C answered within a second and a half" "[[ \$(echo '$took < 1.5' | bc) -eq 1 && $rc -ne 0 ]]"

echo "== credentials"
project "$work/p" "http://127.0.0.1:$port/info/cred" never
: > "$work/server.log"
REPRO_REMOTE_TOKEN=s3cret measured 30 all -C "$work/p"
check "a token is not sent to a host only pipeline.yaml names, and the run says so" \
  "! grep -q 'credentials received' '$work/server.log' && grep -q 'REPRO_REMOTE_TOKEN is not sent to 127.0.0.1' '$work/out'"
project "$work/p" "http://127.0.0.1:$port/info/cred" never
REPRO_REMOTE_TOKEN=s3cret measured 30 all -C "$work/p" --remote "http://127.0.0.1:$port/info/cred"
check "nor over plain http to a host the user named, without REPRO_REMOTE_ALLOW_HTTP_TOKEN=1" \
  "! grep -q 'credentials received' '$work/server.log' && grep -q 'not sent over plain http' '$work/out'"
project "$work/p" "http://127.0.0.1:$port/info/cred" never
REPRO_REMOTE_TOKEN=s3cret REPRO_REMOTE_ALLOW_HTTP_TOKEN=1 measured 30 all -C "$work/p" --remote "http://127.0.0.1:$port/info/cred"
check "with it, the token goes, and the run says so" "grep -q 'credentials received' '$work/server.log' && grep -q 'over plain http' '$work/out'"
check "the token is never printed" "! grep -rq s3cret '$work/out'"

echo "== a file:// remote with a FIFO and a directory where entries should be"
project "$work/p" "file://$work/fileremote" on-success
mkdir -p "$work/fileremote"
"$repro" all -C "$work/p" -q > /dev/null
key=$(sed -n 's/.*"key": "\([0-9a-f]*\)".*/\1/p' "$work/p/repro.lock" | head -1)
sha=$(sed -n 's/.*"sha256": "\([0-9a-f]*\)".*/\1/p' "$work/p/repro.lock" | head -1)
for what in fifo dir; do
  rm -rf "$work/fileremote/ac/$key" "$work/fileremote/cas/$sha"
  cp "$work/p/repro.lock" "$work/lock"
  if [[ $what == fifo ]]; then mkfifo "$work/fileremote/ac/$key"; else mkdir -p "$work/fileremote/ac/$key"; fi
  project "$work/q" "file://$work/fileremote" never
  cp "$work/lock" "$work/q/repro.lock"
  measured 10 all -C "$work/q"
  check "file:// $what as a run record: refused at once, in our words, computed locally" \
    "[[ $rc -eq 0 ]] && grep -q 'not a regular file' '$work/out' && grep -q '1 ran' '$work/out' && [[ \$(echo '${secs:-99} < 5' | bc) -eq 1 ]]"
done

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
