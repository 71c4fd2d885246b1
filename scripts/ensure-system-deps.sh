#!/usr/bin/env bash
# Installs the Debian packages repro needs, if missing. Usage:
#   scripts/ensure-system-deps.sh          # build/run: GSL (libgsl-dev), pkg-config, bubblewrap (the shell stages' sandbox),
#                                          #   rsvg-convert + DejaVu fonts (figure PDFs), pdflatex (the report), zlib (diff --html)
#                                          #   libcurl with OpenSSL and OpenSSL's headers (http(s) remote caches)
#   scripts/ensure-system-deps.sh --test   # plus the tools the tests use: xmllint, pdffonts/pdftotext, cc, python3, chromium (headless)
set -euo pipefail

need=()
pkg-config --version >/dev/null 2>&1 || need+=(pkg-config)
{ command -v pkg-config >/dev/null && pkg-config --exists gsl; } || need+=(libgsl-dev)
{ command -v pkg-config >/dev/null && pkg-config --exists zlib; } || need+=(zlib1g-dev)  # repro diff --html's PNGs
{ command -v pkg-config >/dev/null && pkg-config --exists libcurl; } || need+=(libcurl4-openssl-dev)  # the remote cache's http(s) client
{ command -v pkg-config >/dev/null && pkg-config --exists openssl; } || need+=(libssl-dev)  # its trust store, parsed once (CCurlShim)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
# The figures' PDFs (rsvg-convert, DejaVu Sans) and the reproduction report (pdflatex).
command -v rsvg-convert >/dev/null 2>&1 || need+=(librsvg2-bin)
[[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || need+=(fonts-dejavu-core)
command -v pdflatex >/dev/null 2>&1 || need+=(texlive-latex-base)
if [[ "${1:-}" == "--test" ]]; then
  command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
  command -v pdffonts >/dev/null 2>&1 || need+=(poppler-utils)
  # The sandbox tests: a C compiler builds an LD_PRELOAD library, python3 allocates past a memory bound.
  command -v cc >/dev/null 2>&1 || need+=(gcc)
  command -v python3 >/dev/null 2>&1 || need+=(python3)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)  # the pages' browser test (headless)
fi
[[ ${#need[@]} -eq 0 ]] && exit 0

echo "repro: installing Debian packages: ${need[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "repro: need root (or sudo) to apt-get install ${need[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
