#!/bin/bash
# Builds the Cloister enclave image (first stage: kernel + initrd, no disk) and its launch measurement into OUTDIR:
#   vmlinuz  initrd.cpio.gz  cmdline  measurement.json  SHA256SUMS  build-info.json
#   OVMF.amdsev.fd  OVMF.amdsev.json  (the SEV-SNP firmware it is measured against: a host input, not in the image)
#   data.erofs  data.verity  data.verity.json   (the second stage's dm-verity data volume: the model)
# from a commit (HEAD by default; a clean `git archive` of it: uncommitted changes are never in an image), with
# every input pinned in cvm-boot/packages.lock. See cvm-boot/README.md.
#
#   cvm-boot/build.sh OUTDIR
#
# Environment (all optional):
#   CVM_COMMIT       the commit to build (default HEAD)
#   CVM_CACHE        where fetched .debs are kept by SHA-256 (default cvm-boot/.cache)
#   CVM_DEBIAN_MIRROR  mirror root for the lock file's paths (default http://deb.debian.org)
#   CVM_CMDLINE      the measured kernel command line (default: the hardened line below + cloister.platform=configfs-tsm)
#   CVM_OVMF, CVM_OVMF_SHA256  another OVMF to measure against, by hash, instead of the AmdSev OVMF that
#                    cvm-boot/ovmf-amdsev.sh builds from the pinned edk2 source (Debian's OVMF.fd has no SNP
#                    kernel-hashes page: with it the SEV-SNP digest is null, with the calculator's reason)
#   CVM_OVMF_FRESH   1: build the AmdSev OVMF even if the cache has it (check-reproducible.sh sets it)
#   CVM_VCPUS        VM shapes to measure (default "1 4"); CVM_VCPU_TYPE (EPYC-v4), CVM_GUEST_FEATURES (0x1)
#   CVM_MAVEN_FLAGS  extra Maven flags (default -o: offline, dependencies already in ~/.m2)
#   CVM_ENCLAVE_JAR  development only: a prebuilt cloister-enclave.jar instead of the Maven build (build-info says so)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(git -C "$HERE" rev-parse --show-toplevel)"
[ $# -eq 1 ] || { echo "usage: cvm-boot/build.sh OUTDIR" >&2; exit 2; }
OUT="$1"
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
  echo "cvm-boot: $OUT is not empty" >&2; exit 2
fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
CACHE="${CVM_CACHE:-$HERE/.cache}"
MIRROR="${CVM_DEBIAN_MIRROR:-http://deb.debian.org}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cvm-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

export LC_ALL=C TZ=UTC
umask 022
COMMIT="$(git -C "$REPO" rev-parse --verify "${CVM_COMMIT:-HEAD}^{commit}")"
SOURCE_DATE_EPOCH="$(git -C "$REPO" log -1 --format=%ct "$COMMIT")"
export SOURCE_DATE_EPOCH
START=$(date +%s)
log() { local s=$(( $(date +%s) - START )); printf 'cvm-boot [%dm%02ds] %s\n' $((s / 60)) $((s % 60)) "$*" >&2; }
die() { echo "cvm-boot: $*" >&2; exit 1; }

if [ -z "${CVM_COMMIT-}" ] && [ -n "$(git -C "$REPO" status --porcelain --untracked-files=no)" ]; then
  log "warning: the worktree has uncommitted changes; the image is built from commit $COMMIT without them"
fi

# Everything comes from the commit: the Java and native sources, this folder's lock file and init.
mkdir -p "$WORK/src"
git -C "$REPO" archive --format=tar "$COMMIT" | tar -x -C "$WORK/src"
LOCK="$WORK/src/cvm-boot/packages.lock"
[ -f "$LOCK" ] || die "commit $COMMIT has no cvm-boot/packages.lock"

# --- 1. The build tools and the JDK are the locked ones ------------------------------------------------------------
JDK=""
while read -r kind a b c _; do
  case "$kind" in
    tool)
      have="$(dpkg-query -W -f='${Version}' "$a" 2>/dev/null || true)"
      [ "$have" = "$b" ] || die "build tool $a is ${have:-not installed}, packages.lock pins $b (apt-get install $a=$b)"
      ;;
    jdk)
      JDK="$a"
      have="$(sed -n 's/^IMPLEMENTOR_VERSION="\(.*\)"/\1/p' "$JDK/release" 2>/dev/null || true)"
      [ "$have" = "$b" ] || die "JDK $JDK is ${have:-missing}, packages.lock pins $b"
      have="$(sha256sum "$JDK/lib/modules" | cut -d' ' -f1)"
      [ "$have" = "$c" ] || die "JDK $JDK/lib/modules has SHA-256 $have, packages.lock pins $c"
      ;;
  esac
done < <(grep -v '^#' "$LOCK")
[ -n "$JDK" ] || die "packages.lock names no jdk"
export JAVA_HOME="$JDK"

# --- 2. Debian packages, by hash ------------------------------------------------------------------------------------
mkdir -p "$CACHE/debs"
declare -A PKG VER
while read -r kind name version sha path _; do
  [ "$kind" = deb ] || continue
  deb="$CACHE/debs/$sha.deb"
  if [ ! -f "$deb" ]; then
    log "fetching $name $version"
    curl -fsSL --retry 3 -o "$deb.part" "$MIRROR/$path" || die "cannot fetch $MIRROR/$path"
    mv "$deb.part" "$deb"
  fi
  have="$(sha256sum "$deb" | cut -d' ' -f1)"
  [ "$have" = "$sha" ] || { rm -f "$deb"; die "$name $version: SHA-256 $have, packages.lock pins $sha (removed from the cache)"; }
  mkdir -p "$WORK/debs/$name"
  dpkg-deb -x "$deb" "$WORK/debs/$name"
  PKG[$name]="$WORK/debs/$name"
  VER[$name]="$version"
done < <(grep -v '^#' "$LOCK")
log "packages verified (${#PKG[@]} .debs)"

# --- 3. The enclave jar, from a clean export of the commit ----------------------------------------------------------
if [ -n "${CVM_ENCLAVE_JAR-}" ]; then
  # Development only: skips Maven; build-info.json says so, and check-reproducible.sh never sets it.
  log "warning: using the prebuilt CVM_ENCLAVE_JAR=$CVM_ENCLAVE_JAR instead of building commit $COMMIT"
  JAR="$CVM_ENCLAVE_JAR"
else
  log "building the enclave jar (Maven: java/enclave and its modules, native core without CUDA)"
  # The native core's compiler sees the export's path: map it away so that the library does not depend on it.
  export CFLAGS="-ffile-prefix-map=$WORK/src=." CXXFLAGS="-ffile-prefix-map=$WORK/src=."
  (cd "$WORK/src" && OMP_WAIT_POLICY=PASSIVE ./mvnw -B -ntp -q ${CVM_MAVEN_FLAGS--o} -Dcloister.cuda=OFF -Dmaven.test.skip=true \
    -Dnative.build.jobs=2 package -pl java/enclave -am) > "$WORK/maven.log" 2>&1 \
    || { tail -n 40 "$WORK/maven.log" >&2; die "the Maven build failed"; }
  unset CFLAGS CXXFLAGS
  JAR="$WORK/src/java/enclave/target/cloister-enclave.jar"
fi
[ -f "$JAR" ] || die "no $JAR after the build"
INFER="$WORK/src/java/infer/target"
[ -z "${CVM_ENCLAVE_JAR-}" ] || INFER="$REPO/java/infer/target"

# The JNI library, generated and compiled again in a fresh JVM. JavaCPP's generator writes the JNI functions in
# reflection order (getDeclaredMethods), which HotSpot does not fix: inside Maven's long-lived JVM it differed between
# two builds, while a fresh JVM gave the same source every time (6 runs of 6). The image carries this library, and
# the copy inside the jar is removed, so that the measured one is the only one JavaCPP can load.
log "JNI library (JavaCPP generator in a fresh JVM, g++)"
JAVACPP="$(find "$HOME/.m2/repository/org/bytedeco/javacpp" -name 'javacpp-[0-9]*.jar' | sort | tail -n 1)"
[ -n "$JAVACPP" ] || die "no javacpp jar in ~/.m2"
mkdir -p "$WORK/jni"
cp -r "$INFER/classes" "$WORK/jni/classes"
rm -f "$WORK/jni/classes/dev/cloister/infer/nativecore/linux-x86_64/"*.so
(cd "$WORK/jni" && "$JDK/bin/java" -cp "$JAVACPP" org.bytedeco.javacpp.tools.Builder -cp classes \
   -Dplatform.includepath="$WORK/src/native/include" -Xcompiler "-L$INFER/native" -Xcompiler -Wl,--no-undefined \
   -Xcompiler "-ffile-prefix-map=$WORK=." dev.cloister.infer.nativecore.NativeCore) > "$WORK/jni.log" 2>&1 \
  || { tail -n 20 "$WORK/jni.log" >&2; die "the JNI library did not build"; }
JNI_LIB="$WORK/jni/classes/dev/cloister/infer/nativecore/linux-x86_64/libjniNativeCore.so"
[ -f "$JNI_LIB" ] || die "no $JNI_LIB"

# --- 4. The root file system ----------------------------------------------------------------------------------------
ROOT="$WORK/root"
mkdir -p "$ROOT"/{dev,proc,sys,run,tmp,etc,lib/modules,lib64,lib/x86_64-linux-gnu} \
         "$ROOT"/opt/cloister/{lib,models,data}

log "cloister-init (static, musl)"
musl-gcc -static -Os -s -Wall -Wextra -Werror -idirafter /usr/include -idirafter /usr/include/x86_64-linux-gnu \
  -ffile-prefix-map="$WORK/src"=. -o "$ROOT/init" "$WORK/src/cvm-boot/init/cloister-init.c"

log "kernel modules"
KPKG="$(grep -o '^deb linux-image-[^ ]*' "$LOCK" | cut -d' ' -f2)"
KVER="${KPKG#linux-image-}"
for m in configfs tsm sev-guest tdx-guest failover net_failover virtio_net \
         virtio_blk dm-mod dm-bufio reed_solomon dm-verity libcrc32c erofs; do
  src="$(find "${PKG[$KPKG]}/lib/modules/$KVER" -name "$m.ko.xz" | head -n 1)"
  [ -n "$src" ] || die "module $m not in $KPKG"
  xz -dc "$src" > "$ROOT/lib/modules/$m.ko"
done
cp "${PKG[$KPKG]}/boot/vmlinuz-$KVER" "$OUT/vmlinuz"

log "shared libraries (glibc, libstdc++, libgcc_s, libgomp)"
LIBC="${PKG[libc6]}/lib/x86_64-linux-gnu"
for f in ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1; do
  cp "$LIBC/$f" "$ROOT/lib/x86_64-linux-gnu/$f"
done
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$ROOT/lib64/ld-linux-x86-64.so.2"
cp "${PKG[libgcc-s1]}/lib/x86_64-linux-gnu/libgcc_s.so.1" "$ROOT/lib/x86_64-linux-gnu/"
cp -L "${PKG[libstdc++6]}/usr/lib/x86_64-linux-gnu/libstdc++.so.6" "$ROOT/lib/x86_64-linux-gnu/"
cp -L "${PKG[libgomp1]}/usr/lib/x86_64-linux-gnu/libgomp.so.1" "$ROOT/lib/x86_64-linux-gnu/"

log "Java runtime (jlink)"
# The modules the enclave uses. (jdeps on the fat jar names 13, from code paths the enclave never takes: JavaCPP's
# generator, optional integrations; java.xml is Logback's configuration; the smoke boot shows that these suffice.)
MODULES="java.base,java.logging,java.management,java.naming,java.xml,jdk.unsupported"
"$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages --compress=zip-9 \
  --output "$ROOT/opt/cloister/java"

log "the enclave jar (without its JNI library), the JNI library, the test model"
cp "$JAR" "$ROOT/opt/cloister/cloister-enclave.jar"
zip -q -d "$ROOT/opt/cloister/cloister-enclave.jar" 'dev/cloister/infer/nativecore/linux-x86_64/*'
cp "$JNI_LIB" "$ROOT/opt/cloister/lib/libjniNativeCore.so"
cp "$WORK/src/testdata/models/stories260K.bin" "$WORK/src/testdata/models/tok512.bin" "$ROOT/opt/cloister/models/"

printf '127.0.0.1 localhost\n' > "$ROOT/etc/hosts"
printf 'passwd: files\ngroup: files\nhosts: files\n' > "$ROOT/etc/nsswitch.conf"
printf 'root:x:0:0:root:/nonexistent:/nonexistent\n' > "$ROOT/etc/passwd"
printf 'root:x:0:\n' > "$ROOT/etc/group"
# The production marker (GpuStartOptions.PRODUCTION_MARKER_PATH): where it exists the enclave refuses its test-only
# options (e.g. --nvml-library); the measurement covers it like every other file of the initrd.
mkdir -p "$ROOT/etc/cloister"
printf 'cloister production image\n' > "$ROOT/etc/cloister/production"

# Every ELF file finds its libraries inside the image (the image's ld.so, the image's library path only).
LDSO="$ROOT/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
LIBPATH="$ROOT/lib/x86_64-linux-gnu:$ROOT/opt/cloister/java/lib:$ROOT/opt/cloister/java/lib/server:$ROOT/opt/cloister/lib"
while IFS= read -r f; do
  if head -c 4 "$f" | grep -q 'ELF' && [ "$f" != "$ROOT/init" ] && [[ "$f" != *.ko ]]; then
    missing="$("$LDSO" --library-path "$LIBPATH" --list "$f" 2>&1 | grep 'not found' || true)"
    [ -z "$missing" ] || die "${f#"$ROOT"}: $missing"
  fi
done < <(find "$ROOT" -type f \( -name '*.so*' -o -path '*/bin/*' \))

# --- 5. The initrd: newc cpio in name order, owner 0:0, fixed modes and times, gzip -n (no name, no time) ---------
log "initrd (cpio newc, gzip -n)"
find "$ROOT" -type d -exec chmod 0755 {} +
find "$ROOT" -type f -exec chmod 0644 {} +
chmod 0755 "$ROOT/init" "$ROOT/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$ROOT"/opt/cloister/java/bin/*
chmod 1777 "$ROOT/tmp"
find "$ROOT" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$ROOT" && find . -mindepth 1 -printf '%P\n' | sort | cpio --create --format=newc --reproducible --owner=0:0 --quiet) \
  > "$WORK/initrd.cpio"
# gzip, not zstd: QEMU 7.2's TCG (the smoke boot) crashes this kernel while it unpacks a 50 MB zstd initramfs, and
# the payload (jars, a zip-compressed jimage) is compressed already, so zstd -19 saved 6% for minutes of CPU.
gzip -n -6 -c "$WORK/initrd.cpio" > "$OUT/initrd.cpio.gz"

# --- 6. The data volume (second stage): the model on EROFS under dm-verity, its root hash on the command line -------
log "data volume (EROFS + dm-verity)"
mkdir -p "$WORK/data"
cp "$WORK/src/testdata/models/stories260K.bin" "$WORK/data/model.bin"
cp "$WORK/src/testdata/models/tok512.bin" "$WORK/data/tokenizer.bin"
"$WORK/src/cvm-boot/data-volume.sh" "$OUT" "$COMMIT" "$WORK/data"
DATA_KEYS="$(jq -r '"cloister.data_roothash=\(.root_hash) cloister.data_salt=\(.salt) cloister.data_blocks=\(.data_blocks)"' \
  "$OUT/data.verity.json")"

# --- 7. The measured command line and the launch measurement -------------------------------------------------------
# Kernel hardening on the measured line: lockdown (no /dev/mem, kcore, unsigned modules or kexec), memory zeroing on
# allocation and free, no debugfs, panic on oops and reboot (= power off under -no-reboot) on panic.
BASE_CMDLINE="console=ttyS0 quiet panic=-1 oops=panic lockdown=confidentiality module.sig_enforce=1 init_on_alloc=1 init_on_free=1 slab_nomerge page_alloc.shuffle=1 randomize_kstack_offset=on vsyscall=none debugfs=off"
CMDLINE="${CVM_CMDLINE:-$BASE_CMDLINE cloister.platform=configfs-tsm $DATA_KEYS}"
printf '%s' "$CMDLINE" > "$OUT/cmdline"

FW_FILES=""
if [ -n "${CVM_OVMF-}" ]; then
  OVMF="$CVM_OVMF"
  have="$(sha256sum "$OVMF" | cut -d' ' -f1)"
  [ "$have" = "${CVM_OVMF_SHA256-}" ] || die "CVM_OVMF $OVMF has SHA-256 $have, CVM_OVMF_SHA256 says ${CVM_OVMF_SHA256-nothing}"
  FIRMWARE="$(jq -n --arg f "$(basename "$OVMF")" --arg s "$have" '{file: $f, sha256: $s, source: "CVM_OVMF"}')"
else
  # The AmdSev OVMF (SNP kernel-hashes page), built by the commit's ovmf-amdsev.sh from the commit's lock, kept in
  # the cache under the hash of both, and checked against the SHA-256 the lock pins (`firmware` line).
  FWKEY="$( (cat "$WORK/src/cvm-boot/ovmf-amdsev.sh"; grep -E '^(src|fwdeb|fwtool) ' "$LOCK") | sha256sum | cut -d' ' -f1)"
  FWDIR="$CACHE/ovmf/$FWKEY"
  if [ "${CVM_OVMF_FRESH-}" = 1 ] || [ ! -f "$FWDIR/OVMF.amdsev.json" ]; then
    log "SEV-SNP firmware (cvm-boot/ovmf-amdsev.sh: edk2 AmdSevX64 from Debian's source)"
    rm -rf "$FWDIR.part"
    CVM_LOCK="$LOCK" CVM_CACHE="$CACHE" "$WORK/src/cvm-boot/ovmf-amdsev.sh" "$FWDIR.part" \
      || die "the SEV-SNP firmware did not build"
    rm -rf "$FWDIR" && mv "$FWDIR.part" "$FWDIR"
  else
    log "SEV-SNP firmware from the cache ($FWDIR)"
  fi
  cp "$FWDIR/OVMF.amdsev.fd" "$FWDIR/OVMF.amdsev.json" "$OUT/"
  OVMF="$OUT/OVMF.amdsev.fd"
  have="$(sha256sum "$OVMF" | cut -d' ' -f1)"
  [ "$have" = "$(jq -r .sha256 "$OUT/OVMF.amdsev.json")" ] || die "the cached firmware $FWDIR was altered"
  want="$(awk '$1 == "firmware" && $2 == "OVMF.amdsev.fd" { print $3 }' "$LOCK")"
  [ -n "$want" ] || die "packages.lock pins no 'firmware OVMF.amdsev.fd <sha256>': refusing an unpinned SEV-SNP firmware"
  [ "$have" = "$want" ] \
    || die "OVMF.amdsev.fd has SHA-256 $have, packages.lock pins $want (a different build: see cvm-boot/README.md)"
  FIRMWARE="$(jq '{file, sha256, source, grub}' "$OUT/OVMF.amdsev.json")"
  FW_FILES="OVMF.amdsev.fd OVMF.amdsev.json"
fi

log "measuring (cloister cvm measure)"
CLOISTER="${CVM_CLOISTER:-$REPO/cloister}"
"$CLOISTER" cvm measure --help > /dev/null 2>&1 || die "$CLOISTER does not run (it builds java/cli on first use)"
sha() { sha256sum "$1" | cut -d' ' -f1; }
SHAPES="[]"
MEASURE_START=$(date +%s%N)
for n in ${CVM_VCPUS:-1 4}; do
  if "$CLOISTER" cvm measure --ovmf "$OVMF" --kernel "$OUT/vmlinuz" --initrd "$OUT/initrd.cpio.gz" \
       --cmdline "$CMDLINE" --vcpus "$n" --vcpu-type "${CVM_VCPU_TYPE:-EPYC-v4}" \
       --guest-features "${CVM_GUEST_FEATURES:-0x1}" --tdx --json > "$WORK/measure.json" 2> "$WORK/measure.err"; then
    SHAPES="$(jq --argjson n "$n" --slurpfile m "$WORK/measure.json" '. + [{vcpus: $n} + $m[0]]' <<<"$SHAPES")"
  else
    reason="$(grep -v '^cloister: ' "$WORK/measure.err" | tail -n 1)"
    [ -n "$reason" ] || die "cloister cvm measure failed: $(cat "$WORK/measure.err")"
    SHAPES="$(jq --argjson n "$n" --arg r "$reason" '. + [{vcpus: $n, sev_snp_launch_digest: null, unavailable: $r}]' <<<"$SHAPES")"
  fi
done
MEASURE_MS=$(( ($(date +%s%N) - MEASURE_START) / 1000000 ))
jq -n --arg k "$(sha "$OUT/vmlinuz")" --arg i "$(sha "$OUT/initrd.cpio.gz")" --arg c "$CMDLINE" \
  --arg ch "$(printf '%s\0' "$CMDLINE" | sha256sum | cut -d' ' -f1)" \
  --arg vt "${CVM_VCPU_TYPE:-EPYC-v4}" --arg gf "${CVM_GUEST_FEATURES:-0x1}" \
  --argjson fw "$FIRMWARE" --argjson shapes "$SHAPES" '{
    kernel_hash: $k, initrd_hash: $i, cmdline: $c, cmdline_hash: $ch,
    firmware: $fw, vcpu_type: $vt, guest_features: $gf, vmm: "qemu", measurements: $shapes}' > "$OUT/measurement.json"

# --- 8. What was built from what ------------------------------------------------------------------------------------
jq -n --arg commit "$COMMIT" --argjson sde "$SOURCE_DATE_EPOCH" --arg kernel "$KPKG ${VER[$KPKG]}" \
  --arg jdk "$(sed -n 's/^IMPLEMENTOR_VERSION="\(.*\)"/\1/p' "$JDK/release")" --arg modules "$MODULES" \
  --arg lock "$(sha "$LOCK")" --arg jar "$(sha "$ROOT/opt/cloister/cloister-enclave.jar")" --arg jarsrc "${CVM_ENCLAVE_JAR:+prebuilt (CVM_ENCLAVE_JAR)}" \
  '{commit: $commit, source_date_epoch: $sde, kernel: $kernel, jdk: $jdk, jlink_modules: $modules,
    packages_lock_sha256: $lock, enclave_jar_sha256: $jar}
   + (if $jarsrc == "" then {} else {enclave_jar_source: $jarsrc} end)' > "$OUT/build-info.json"
# shellcheck disable=SC2086
(cd "$OUT" && sha256sum vmlinuz initrd.cpio.gz cmdline measurement.json build-info.json \
   data.erofs data.verity data.verity.json $FW_FILES > SHA256SUMS)
log "done in $(( $(date +%s) - START )) s (measurement: $MEASURE_MS ms for ${CVM_VCPUS:-1 4} vCPU shape(s)); initrd $(stat -c %s "$OUT/initrd.cpio.gz") bytes, $(stat -c %s "$WORK/initrd.cpio") unpacked"
cat "$OUT/SHA256SUMS" >&2
