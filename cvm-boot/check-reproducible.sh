#!/bin/bash
# Builds the image twice, each time in a fresh output directory (and build.sh's own fresh work directory: a new
# `git archive` export at a different path, a new Maven build, a new jlink), and compares the SHA-256 of every
# artefact. A difference fails and names the file (with diffoscope's report where it is installed).
#
#   cvm-boot/check-reproducible.sh [KEEP-DIR]
#
# KEEP-DIR (optional) keeps both builds (KEEP-DIR/a, KEEP-DIR/b); otherwise they go to a temporary directory that is
# removed when they match. The .deb cache is shared: it is content-addressed, every file checked against the lock.
# Each build of the SEV-SNP firmware takes about as long as the image (see cvm-boot/README.md).
set -euo pipefail
unset CVM_ENCLAVE_JAR # both builds build the jar from the commit
# Both builds build the SEV-SNP firmware too (cvm-boot/ovmf-amdsev.sh), not the cached one, unless CVM_OVMF names
# another firmware; CVM_REPRO_OVMF=cached compares the image alone (the firmware then comes from the cache).
[ "${CVM_REPRO_OVMF-}" = cached ] || export CVM_OVMF_FRESH=1
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Both builds build the same commit, even if HEAD moves meanwhile.
CVM_COMMIT="$(git -C "$HERE" rev-parse --verify "${CVM_COMMIT:-HEAD}^{commit}")"
export CVM_COMMIT
echo "check-reproducible: commit $CVM_COMMIT" >&2
if [ $# -ge 1 ]; then
  DIR="$1"; mkdir -p "$DIR"; KEEP=1
else
  DIR="$(mktemp -d "${TMPDIR:-/tmp}/cvm-repro.XXXXXX")"; KEEP=0
fi
for run in a b; do
  [ ! -e "$DIR/$run" ] || { echo "check-reproducible: $DIR/$run exists" >&2; exit 2; }
  echo "check-reproducible: build $run into $DIR/$run" >&2
  start=$(date +%s)
  "$HERE/build.sh" "$DIR/$run"
  echo "check-reproducible: build $run took $(( $(date +%s) - start )) s" >&2
done

FILES="vmlinuz initrd.cpio.gz cmdline measurement.json build-info.json data.erofs data.verity data.verity.json"
[ ! -f "$DIR/a/OVMF.amdsev.fd" ] || FILES="$FILES OVMF.amdsev.fd OVMF.amdsev.json"
bad=0
for f in $FILES; do
  a="$(sha256sum "$DIR/a/$f" | cut -d' ' -f1)"
  b="$(sha256sum "$DIR/b/$f" | cut -d' ' -f1)"
  if [ "$a" = "$b" ]; then
    printf 'same     %s  %s\n' "$a" "$f"
  else
    printf 'DIFFERS  %s  %s\n         %s\n' "$a" "$f" "$b"
    bad=$((bad + 1))
    if command -v diffoscope >/dev/null 2>&1; then
      diffoscope --text "$DIR/$f.diffoscope.txt" "$DIR/a/$f" "$DIR/b/$f" || true
      echo "         diffoscope: $DIR/$f.diffoscope.txt"
    elif [ "$f" = initrd.cpio.gz ]; then
      # Without diffoscope: the archive members whose contents differ.
      for run in a b; do
        mkdir -p "$DIR/x$run" && (cd "$DIR/x$run" && gzip -dc "$DIR/$run/$f" | cpio -idm --quiet --no-absolute-filenames)
      done
      diff -r "$DIR/xa" "$DIR/xb" | head -n 20 || true
    fi
  fi
done
if [ "$bad" -ne 0 ]; then
  echo "check-reproducible: $bad file(s) differ; both builds are in $DIR" >&2
  exit 1
fi
echo "check-reproducible: the two builds are byte-identical" >&2
[ "$KEEP" -eq 1 ] || rm -rf "$DIR"
