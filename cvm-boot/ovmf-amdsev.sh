#!/bin/bash
# Builds the SEV-SNP firmware the image is measured against: edk2's OvmfPkg/AmdSev/AmdSevX64.dsc (RELEASE, GCC),
# from Debian's trixie edk2 source package with Debian's patches, into OUTDIR:
#   OVMF.amdsev.fd  OVMF.amdsev.json (what it was built from, its SHA-256)
# Every input is pinned in cvm-boot/packages.lock:
#   src  edk2 VERSION SHA256 MIRROR-PATH     the source package's tarballs (hashes from trixie's signed Sources index)
#   fwdeb NAME VERSION SHA256 MIRROR-PATH    tools unpacked from .debs, never installed: nasm, iasl, GRUB, mtools...
#   fwtool NAME VERSION                      host tools whose installed version must match (gcc-12, make, python3...)
# The firmware is a host input, not part of the image; build.sh calls this script and caches its output by the
# lock file's firmware lines (see cvm-boot/README.md, "The SEV-SNP firmware").
#
#   cvm-boot/ovmf-amdsev.sh OUTDIR
#
# Environment (optional): CVM_CACHE (default cvm-boot/.cache), CVM_DEBIAN_MIRROR (default http://deb.debian.org),
# CVM_OVMF_JOBS (edk2 build threads, default 2), CVM_OVMF_BUILDDIR (the fixed build path, default
# /tmp/cloister-ovmf-build: its name lands in the firmware's PE debug entries, so two builds must use the same one).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -eq 1 ] || { echo "usage: cvm-boot/ovmf-amdsev.sh OUTDIR" >&2; exit 2; }
mkdir -p "$1"
OUT="$(cd "$1" && pwd)"
LOCK="${CVM_LOCK:-$HERE/packages.lock}"
[ -f "$LOCK" ] || { echo "ovmf-amdsev: no lock file $LOCK" >&2; exit 2; }
CACHE="${CVM_CACHE:-$HERE/.cache}"
MIRROR="${CVM_DEBIAN_MIRROR:-http://deb.debian.org}"
B="${CVM_OVMF_BUILDDIR:-/tmp/cloister-ovmf-build}"
JOBS="${CVM_OVMF_JOBS:-2}"
export LC_ALL=C TZ=UTC
umask 022
START=$(date +%s)
log() { local s=$(( $(date +%s) - START )); printf 'ovmf-amdsev [%dm%02ds] %s\n' $((s / 60)) $((s % 60)) "$*" >&2; }
die() { echo "ovmf-amdsev: $*" >&2; exit 1; }

# A fixed path: edk2 writes each module's .dll path into its PE debug directory.
case "$B" in /*) ;; *) die "CVM_OVMF_BUILDDIR must be absolute" ;; esac
if [ -e "$B" ]; then
  [ -f "$B/.cloister-ovmf-build" ] || die "$B exists and is not an ovmf-amdsev.sh build folder"
  rm -rf "$B"
fi
mkdir -p "$B"
touch "$B/.cloister-ovmf-build"

# --- 1. Host tools: the installed versions are the locked ones --------------------------------------------------------
while read -r kind name version _; do
  [ "$kind" = fwtool ] || continue
  have="$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)"
  [ "$have" = "$version" ] || die "build tool $name is ${have:-not installed}, packages.lock pins $version"
done < <(grep -v '^#' "$LOCK")

# --- 2. The source package's files and the unpacked tool .debs, by hash --------------------------------------------
fetch() {  # fetch SHA256 MIRROR-PATH LABEL -> prints the cached file
  local sha="$1" path="$2" label="$3" f
  f="$CACHE/src/$sha-$(basename "$path")"
  mkdir -p "$CACHE/src"
  if [ ! -f "$f" ]; then
    log "fetching $label"
    curl -fsSL --retry 3 -o "$f.part" "$MIRROR/$path" || die "cannot fetch $MIRROR/$path"
    mv "$f.part" "$f"
  fi
  local have
  have="$(sha256sum "$f" | cut -d' ' -f1)"
  [ "$have" = "$sha" ] || { rm -f "$f"; die "$label: SHA-256 $have, packages.lock pins $sha (removed from the cache)"; }
  printf '%s\n' "$f"
}
SRCVER=""; ORIG=""; DEBTAR=""
declare -A FWDEB_VER
mkdir -p "$B/tools"
while read -r kind name version sha path _; do
  case "$kind" in
    src)
      [ "$name" = edk2 ] || die "unknown source package $name"
      [ -z "$SRCVER" ] || [ "$SRCVER" = "$version" ] || die "two edk2 versions in packages.lock"
      SRCVER="$version"
      f="$(fetch "$sha" "$path" "$(basename "$path")")"
      case "$path" in
        *.orig.tar.*) ORIG="$f" ;;
        *.debian.tar.*) DEBTAR="$f" ;;
        *) die "unexpected source file $path" ;;
      esac
      ;;
    fwdeb)
      f="$(fetch "$sha" "$path" "$name $version")"
      dpkg-deb -x "$f" "$B/tools"
      FWDEB_VER[$name]="$version"
      ;;
  esac
done < <(grep -v '^#' "$LOCK")
[ -n "$ORIG" ] && [ -n "$DEBTAR" ] || die "packages.lock lacks the edk2 source lines"
for t in nasm acpica-tools grub-common grub-efi-amd64-bin mtools dosfstools; do
  [ -n "${FWDEB_VER[$t]-}" ] || die "packages.lock has no fwdeb $t"
done
TOOLS="$B/tools/usr/bin"
export PATH="$TOOLS:$B/tools/sbin:$B/tools/usr/sbin:$PATH"

# --- 3. Debian's source tree: upstream tarball, debian/ and the patches in series order (as dpkg-source -x) ----------
log "unpacking edk2 $SRCVER and applying Debian's patches"
mkdir -p "$B/src"
tar -xf "$ORIG" -C "$B/src" --strip-components=1
tar -xf "$DEBTAR" -C "$B/src"
E="$B/src"
while IFS= read -r p; do
  case "$p" in ''|'#'*) continue ;; esac
  patch -d "$E" -p1 --quiet --no-backup-if-mismatch < "$E/debian/patches/$p" || die "Debian patch $p does not apply"
done < "$E/debian/patches/series"
# The TDX RTMR2 calculation (dev.cloister.attest.measure.Rtmr.ovmfLoadOptions) models the load options these loaders
# form: the command line, then " initrd=initrd" when there is an initrd. A source that forms them otherwise is refused.
for f in X86QemuLoadImageLib/X86QemuLoadImageLib.c GenericQemuLoadImageLib/GenericQemuLoadImageLib.c; do
  src="$(tr -d '\r' < "$E/OvmfPkg/Library/$f")"
  grep -q '^ *"%a%a%a",$' <<<"$src" && grep -q '^ *(InitrdSize == 0) *? *"" : " initrd=initrd"$' <<<"$src" \
    || die "OvmfPkg/Library/$f does not form the kernel's load options as Rtmr.ovmfLoadOptions models them"
done
# dpkg-buildpackage's SOURCE_DATE_EPOCH: the changelog's latest entry.
SOURCE_DATE_EPOCH="$(dpkg-parsechangelog -l "$E/debian/changelog" -STimestamp)"
export SOURCE_DATE_EPOCH

# --- 4. GRUB (OvmfPkg/AmdSev/Grub/grub.sh's image, from Debian's GRUB) ---------------------------------------------
# grub.sh asks for the modules `sevsecret` (an out-of-tree patch to GRUB; no Debian GRUB, bookworm's 2.06 or trixie's
# 2.12, has it) and `linuxefi` (bookworm's 2.06 has it). Trixie's grub-mkimage needs glibc 2.38, so bookworm's GRUB
# 2.06 (grub-mkimage and its x86_64-efi modules) builds the image, with grub.sh's module list less `sevsecret`, the
# same bootstrap configuration and memdisk, made deterministic: FAT volume id and times fixed, grub.cfg's time set.
# grub.sh keeps an existing grub.efi that is newer than grub.cfg and grub.sh, so the edk2 build's PREBUILD uses it.
log "GRUB image (grub-mkimage ${FWDEB_VER[grub-common]}, without sevsecret)"
G="$E/OvmfPkg/AmdSev/Grub"
GMODS="part_msdos part_gpt cryptodisk luks gcry_rijndael gcry_sha256 ext2 btrfs xfs fat configfile memdisk sleep normal
       echo test regexp linux linuxefi reboot"
want="$(tr -d '\r' < "$G/grub.sh" | sed -n '/^GRUB_MODULES="/,/^ *"/p' | tr -s ' \n"' '\n' \
  | grep -v -e '^GRUB_MODULES=' -e '^sevsecret$' -e '^$' | tr '\n' ' ')"
[ "$want" = "$(printf '%s ' $GMODS)" ] || die "grub.sh's modules are not the ones this script builds: $want"
mkdir -p "$B/grub"
printf 'normal (memdisk)/grub.cfg\n' > "$B/grub/grub-bootstrap.cfg"
cp "$G/grub.cfg" "$B/grub/grub.cfg"
touch -d "@$SOURCE_DATE_EPOCH" "$B/grub/grub.cfg"
"$B/tools/sbin/mkfs.msdos" --invariant -i 0 -C "$B/grub/disk.fat" 64 > /dev/null
MTOOLS_SKIP_CHECK=1 "$TOOLS/mcopy" -m -i "$B/grub/disk.fat" "$B/grub/grub.cfg" ::grub.cfg
# shellcheck disable=SC2086
"$TOOLS/grub-mkimage" -d "$B/tools/usr/lib/grub/x86_64-efi" -O x86_64-efi -p '(crypto0)' \
  -c "$B/grub/grub-bootstrap.cfg" -m "$B/grub/disk.fat" -o "$G/grub.efi" $GMODS
touch "$G/grub.efi"

# --- 5. BaseTools and the firmware ---------------------------------------------------------------------------------
log "BaseTools (the C tools; their unit tests need a python command)"
env -i HOME="$B" LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" PATH="$TOOLS:/usr/bin:/bin" \
  nice -n 10 make -C "$E/BaseTools/Source/C" -j"$JOBS" ARCH=X64 > "$B/basetools.log" 2>&1 \
  || { tail -n 30 "$B/basetools.log" >&2; die "BaseTools did not build"; }
log "AmdSevX64.dsc (RELEASE, GCC, $JOBS threads)"
# A clean environment: the host's PATH (pyenv shims, ~/.cargo) and edk2 variables stay out; Debian's python3.11.
env -i HOME="$B" LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" PATH="$TOOLS:/usr/bin:/bin" \
    PYTHON_COMMAND=/usr/bin/python3.11 E="$E" JOBS="$JOBS" bash -c '
  cd "$E" && . ./edksetup.sh > /dev/null || exit 1
  command -v build > /dev/null || { echo "edksetup.sh put no build command on PATH"; exit 1; }
  exec nice -n 10 build -q -a X64 -t GCC -b RELEASE -n "$JOBS" -p OvmfPkg/AmdSev/AmdSevX64.dsc' \
  > "$B/build.log" 2>&1 || { tail -n 40 "$B/build.log" >&2; die "the edk2 build failed (log: $B/build.log)"; }
FD="$E/Build/AmdSev/RELEASE_GCC/FV/OVMF.fd"
[ -f "$FD" ] || die "no $FD after the build"
cp "$FD" "$OUT/OVMF.amdsev.fd"
SHA="$(sha256sum "$OUT/OVMF.amdsev.fd" | cut -d' ' -f1)"
jq -n --arg v "$SRCVER" --arg s "$SHA" --argjson sde "$SOURCE_DATE_EPOCH" \
  --arg grub "${FWDEB_VER[grub-common]}" --arg lock "$(grep -E '^(src|fwdeb|fwtool) ' "$LOCK" | sha256sum | cut -d' ' -f1)" \
  '{file: "OVMF.amdsev.fd", sha256: $s, source: ("Debian edk2 " + $v + " (trixie), OvmfPkg/AmdSev/AmdSevX64.dsc RELEASE GCC"),
    grub: ("Debian grub2 " + $grub + " (bookworm), grub.sh modules without sevsecret"), source_date_epoch: $sde,
    firmware_lock_sha256: $lock}' > "$OUT/OVMF.amdsev.json"
log "done in $(( $(date +%s) - START )) s: OVMF.amdsev.fd $(stat -c %s "$OUT/OVMF.amdsev.fd") bytes, SHA-256 $SHA"
