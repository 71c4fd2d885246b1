#!/bin/sh
# svg-to-pdf.sh IN.svg OUT.pdf — the same drawing as a vector PDF, by librsvg (rsvg-convert -f pdf,
# cairo's PDF backend: text stays text, in embedded subsets of the DejaVu Sans faces the SVG names).
#
# Deterministic and hermetic, for a sandboxed `shell` stage: fontconfig sees only the four DejaVu Sans
# faces of Debian's fonts-dejavu-core (through a private fonts.conf), so no other installed font can be
# picked; SOURCE_DATE_EPOCH=0 fixes cairo's CreationDate. The tool versions and the font files are pinned
# by the stage's env (part of its key): a machine with other versions fails here, naming the pin to
# update, instead of silently writing different bytes.
#   RSVG_VERSION   e.g. 2.54.7        (rsvg-convert --version)
#   CAIRO_VERSION  e.g. 1.16.0        (the Producer cairo writes)
#   DEJAVU_SHA256  sha256 of the four faces' sha256sum lines (printed on a mismatch)
set -eu
[ $# -eq 2 ] || { echo "usage: svg-to-pdf.sh IN.svg OUT.pdf" >&2; exit 2; }
in=$1 out=$2
export SOURCE_DATE_EPOCH=0 TZ=UTC LC_ALL=C.UTF-8

command -v rsvg-convert >/dev/null || { echo "svg-to-pdf: rsvg-convert not found: install librsvg2-bin (scripts/ensure-system-deps.sh)" >&2; exit 1; }
have=$(rsvg-convert --version | sed -n 's/.*version \([0-9.]*\).*/\1/p')
[ "$have" = "${RSVG_VERSION:-}" ] || { echo "svg-to-pdf: rsvg-convert is $have but the stage pins RSVG_VERSION=${RSVG_VERSION:-unset}: update the pin in pipeline.yaml (the PDFs will change)" >&2; exit 1; }

dir=/usr/share/fonts/truetype/dejavu
faces="DejaVuSans.ttf DejaVuSans-Bold.ttf DejaVuSans-Oblique.ttf DejaVuSans-BoldOblique.ttf"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/svg-to-pdf.XXXXXX" 2>/dev/null || mktemp -d "$PWD/.svg-to-pdf.XXXXXX")   # no writable tmp: the staging dir
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/fonts" "$tmp/cache"
for f in $faces; do
  [ -f "$dir/$f" ] || { echo "svg-to-pdf: $dir/$f not found: install fonts-dejavu-core" >&2; exit 1; }
  ln -s "$dir/$f" "$tmp/fonts/$f"
done
sum=$(cd "$dir" && sha256sum $faces | sha256sum | cut -c1-64)
[ "$sum" = "${DEJAVU_SHA256:-}" ] || { echo "svg-to-pdf: the DejaVu Sans faces have digest $sum but the stage pins DEJAVU_SHA256=${DEJAVU_SHA256:-unset}: update the pin in pipeline.yaml (the PDFs will change)" >&2; exit 1; }

cat > "$tmp/fonts.conf" <<CONF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>$tmp/fonts</dir>
  <cachedir>$tmp/cache</cachedir>
  <config><rescan><int>0</int></rescan></config>
</fontconfig>
CONF
export FONTCONFIG_FILE="$tmp/fonts.conf" HOME="$tmp" XDG_CACHE_HOME="$tmp/cache"

rsvg-convert -f pdf -o "$tmp/out.pdf" "$in"
producer=$(LC_ALL=C grep -a -o 'cairo [0-9.]* ' "$tmp/out.pdf" | head -n 1 | cut -d' ' -f2)
[ "$producer" = "${CAIRO_VERSION:-}" ] || { echo "svg-to-pdf: cairo is $producer but the stage pins CAIRO_VERSION=${CAIRO_VERSION:-unset}: update the pin in pipeline.yaml (the PDFs will change)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
mv "$tmp/out.pdf" "$out"
