#!/usr/bin/env bash
# Certificates for the https remote tests, made fresh in DIR with openssl:
#   ca.pem                  the test's own CA (what REPRO_REMOTE_CA names)
#   server.pem, server.key  signed by it, for localhost and 127.0.0.1, valid now
#   expired.pem, expired.key  signed by it, for the same names, expired yesterday
#   wronghost.pem, wronghost.key  signed by it, for cache.invalid only
#   other-ca.pem            another CA, which signed none of them
# Usage: scripts/make-test-certs.sh DIR
set -euo pipefail
dir="$1"
mkdir -p "$dir"
cd "$dir"
if ! command -v openssl >/dev/null 2>&1; then
  echo "installing openssl (Debian) for the test certificates" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssl >&2
fi

ca() {  # $1: name
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 3 \
    -subj "/CN=repro test $1" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
ca ca
ca other-ca

# `openssl ca` can set explicit validity dates (for the expired certificate).
mkdir -p db
: > db/index.txt
echo 1000 > db/serial
cat > ca.cnf <<CNF
[ca]
default_ca = test
[test]
database = db/index.txt
serial = db/serial
new_certs_dir = db
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[any]
commonName = supplied
CNF

leaf() {  # $1: name, $2: subjectAltName, $3 $4: start and end dates (YYYYMMDDHHMMSSZ)
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" -addext "subjectAltName=$2" 2>/dev/null
  openssl ca -batch -config ca.cnf -in "$1.csr" -out "$1.pem" -notext -startdate "$3" -enddate "$4" 2>/dev/null
}
now_minus() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
leaf server "DNS:localhost,IP:127.0.0.1" "$(now_minus '-1 day')" "$(now_minus '+2 days')"
leaf expired "DNS:localhost,IP:127.0.0.1" "$(now_minus '-3 days')" "$(now_minus '-1 day')"
leaf wronghost "DNS:cache.invalid" "$(now_minus '-1 day')" "$(now_minus '+2 days')"
rm -f ./*.csr
