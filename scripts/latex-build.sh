#!/bin/sh
# latex-build.sh SRC.tex OUT.pdf — compiles a LaTeX document with Debian's pdflatex, deterministically and
# without anything outside /usr and the current directory (so it runs the same in the shell stage's sandbox:
# no network, read-only /usr, only the stage's deps visible, no /etc/texmf or /var/lib/texmf).
#
# - TeX Live's trees are searched directly (/usr/share/texmf, /usr/share/texlive/texmf-dist), ignoring the
#   ls-R databases, the user's ~/texmf and the system's generated files in /var/lib/texmf; the pdflatex
#   format and the font map (Computer Modern and AMS Type 1 fonts, so every font is embedded) are built
#   in a private directory, which also holds TEXMFVAR and the .aux/.log.
# - Bytes: SOURCE_DATE_EPOCH=0 with FORCE_SOURCE_DATE=1 (\today, \time), no /CreationDate or /ModDate
#   (\pdfinfoomitdate), an empty trailer /ID (\pdftrailerid{}), no /PTEX.* file names of included PDFs.
# - Runs pdflatex -interaction=nonstopmode -halt-on-error -file-line-error, again while LaTeX asks for a
#   rerun (labels, at most 3 runs). On an error, prints the log's first error line (FILE:LINE: message)
#   to stderr and exits 1.
set -eu
[ $# -eq 2 ] || { echo "usage: latex-build.sh SRC.tex OUT.pdf" >&2; exit 2; }
src=$1 out=$2
job=$(basename "$src" .tex)
command -v pdftex >/dev/null || { echo "latex-build: pdftex not found: install texlive-latex-base (scripts/ensure-system-deps.sh)" >&2; exit 1; }
export SOURCE_DATE_EPOCH=0 FORCE_SOURCE_DATE=1 TZ=UTC LC_ALL=C.UTF-8

tmp=$(mktemp -d "${TMPDIR:-/tmp}/latex-build.XXXXXX" 2>/dev/null || mktemp -d "$PWD/.latex-build.XXXXXX")   # no writable tmp: the staging dir
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/var" "$tmp/fmt" "$tmp/map" "$tmp/build"
export HOME="$tmp" TEXMFHOME="$tmp/home" TEXMFVAR="$tmp/var" TEXMFCONFIG="$tmp/var" TEXMFSYSVAR="$tmp/var" \
  TEXMFSYSCONFIG="$tmp/var" TEXMFLOCAL="$tmp/home" TEXMFCACHE="$tmp/var" TEXMFOUTPUT="$tmp/build" \
  TEXMF="{/usr/share/texmf,/usr/share/texlive/texmf-dist}" TEXMFDBS="" \
  TEXFORMATS="$tmp/fmt" TEXFONTMAPS="$tmp/map" \
  TEXINPUTS=".:{/usr/share/texmf,/usr/share/texlive/texmf-dist}/tex/{latex,generic,}//" \
  max_print_line=100000 error_line=254 half_error_line=238 \
  MKTEXPK=0 MKTEXTFM=0 MKTEXFMT=0

# The font map: Computer Modern, AMS and LaTeX symbol fonts (Type 1), in a fixed order.
maps=/usr/share/texlive/texmf-dist/fonts/map/dvips/amsfonts
for m in cm cmextra symbols latxfont; do
  [ -f "$maps/$m.map" ] || { echo "latex-build: $maps/$m.map not found: install texlive-base" >&2; exit 1; }
  cat "$maps/$m.map"
done > "$tmp/map/pdftex.map"

first_error() {  # the first FILE:LINE: error of a log, else its first "!" line
  grep -m 1 -E '^[^ ]+:[0-9]+: ' "$1" || grep -m 1 '^!' "$1" || echo "latex-build: $2 failed (no error line in its log)"
}

if ! (cd "$tmp/fmt" && pdftex -ini -etex -interaction=nonstopmode -halt-on-error -jobname=pdflatex -progname=pdflatex \
        '*pdflatex.ini' >/dev/null 2>&1); then
  echo "latex-build: could not build the pdflatex format: $(first_error "$tmp/fmt/pdflatex.log" "pdftex -ini")" >&2
  exit 1
fi

setup='\pdftrailerid{}\pdfinfoomitdate=1\pdfsuppressptexinfo=-1'
run=1
while :; do
  if ! pdftex -fmt=pdflatex -progname=pdflatex -interaction=nonstopmode -halt-on-error -file-line-error \
         -output-directory="$tmp/build" -jobname="$job" "$setup\\input{$src}" >/dev/null 2>&1; then
    first_error "$tmp/build/$job.log" pdflatex >&2
    exit 1
  fi
  grep -q -E 'Rerun to get|Label\(s\) may have changed' "$tmp/build/$job.log" && [ $run -lt 3 ] || break
  run=$((run + 1))
done
mkdir -p "$(dirname "$out")"
cp "$tmp/build/$job.pdf" "$out"
