#!/bin/bash
# Opt-in smoke boot of a built image under QEMU with TCG (software emulation: no KVM, no TEE), each with a timeout:
#   1. the image with cloister.platform=sim boots, the enclave starts on the simulated platform and answers
#      GET /health on its session port (forwarded to 127.0.0.1:$CVM_SMOKE_PORT);
#   2. the same image with a wrong data-volume root hash stops the boot with a clear message and powers off;
#   3. the same image with a command-line key outside the allowlist does too.
# The healthy boot attaches the data volume (data.erofs as vda, data.verity as vdb) and loads the model from it.
#
#   cvm-boot/smoke.sh OUTDIR            (OUTDIR from cvm-boot/build.sh)
#
# Needs qemu-system-x86 and curl. CVM_SMOKE_OVMF=FILE boots through that UEFI firmware instead of SeaBIOS; not the
# AmdSev OVMF.amdsev.fd the image is measured against: without SEV-SNP there is no kernel-hashes table, so it refuses
# the kernel and starts its GRUB, which finds nothing to boot (cvm-boot/README.md, smoke caveats).
# CVM_SMOKE_TIMEOUT (default 300 s) bounds each boot. Serial logs are left in OUTDIR/smoke-*.log.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: cvm-boot/smoke.sh OUTDIR" >&2; exit 2; }
IMG="$(cd "$1" && pwd)"
TIMEOUT="${CVM_SMOKE_TIMEOUT:-300}"
PORT="${CVM_SMOKE_PORT:-18443}"
command -v qemu-system-x86_64 >/dev/null || { echo "smoke: qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 2; }
# The image's own command line minus its platform choice: the smoke boots use the simulation and QEMU's user network.
BASE="$(sed 's/ *cloister\.platform=[^ ]*//' "$IMG/cmdline")"
BIOS=()
[ -z "${CVM_SMOKE_OVMF-}" ] || BIOS=(-bios "$CVM_SMOKE_OVMF")
QEMU_PID=""
cleanup() { if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then kill "$QEMU_PID"; wait "$QEMU_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

# The CPU model has no CMPXCHG16B: with it, QEMU 7.2's TCG corrupts this 6.12 kernel's per-CPU SLUB state now and then
# (random oopses in kmem_cache_alloc within seconds of boot, 1 boot in 3 here); without it the kernel takes the
# locked path and boots every time. Hardware (and KVM) runs the image on its real CPU model. no_timer_check: on a loaded
# host, TCG is too slow for the kernel's IO-APIC timer check ("IO-APIC + timer doesn't work!", a panic at 0.06 s).
boot() { # LOG APPEND: starts QEMU in the background
  : > "$1"
  qemu-system-x86_64 -accel tcg -cpu "${CVM_SMOKE_CPU:-qemu64,-cx16}" -m 1024 -smp 1 -nodefaults -display none -no-reboot "${BIOS[@]}" \
    -serial "file:$1" -kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.cpio.gz" -append "$2 no_timer_check" \
    -drive "file=$IMG/data.erofs,format=raw,if=virtio,readonly=on" \
    -drive "file=$IMG/data.verity,format=raw,if=virtio,readonly=on" \
    -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-10.0.2.15:8443" -device virtio-net-pci,netdev=n0 &
  QEMU_PID=$!
}

fail() { echo "smoke: FAIL: $*" >&2; echo "--- last lines of the serial console:" >&2; tail -n 30 "$LOG" >&2; exit 1; }

# 1. A healthy enclave on the simulated platform.
LOG="$IMG/smoke-health.log"
start=$(date +%s)
boot "$LOG" "$BASE cloister.platform=sim cloister.ip=10.0.2.15/24 cloister.gateway=10.0.2.2 cloister.listen=10.0.2.15:8443"
healthy=""
while [ $(( $(date +%s) - start )) -lt "$TIMEOUT" ]; do
  kill -0 "$QEMU_PID" 2>/dev/null || fail "the VM stopped before the enclave was healthy"
  if body="$(curl -fsS --max-time 5 "http://127.0.0.1:$PORT/health" 2>/dev/null)"; then healthy="$body"; break; fi
  sleep 2
done
[ -n "$healthy" ] || fail "no answer from /health within $TIMEOUT s"
grep -q 'cloister-init: enclave started' "$LOG" || fail "no 'enclave started' line from cloister-init"
grep -q 'cloister enclave on 10.0.2.15:8443 (simulated SEV-SNP + GPU)' "$LOG" || fail "the enclave did not report the simulated platform"
if grep -q 'cloister.data_roothash=' "$IMG/cmdline"; then
  grep -q 'cloister-init: data volume verified and mounted' "$LOG" || fail "no 'data volume verified' line"
fi
echo "smoke: healthy after $(( $(date +%s) - start )) s: GET /health -> $healthy" >&2
cleanup; QEMU_PID=""

refused() { # NAME APPEND EXPECTED-MESSAGE: a clear refusal, then power off (QEMU exits by itself)
  LOG="$IMG/smoke-$1.log"
  local start=$(date +%s)
  boot "$LOG" "$2"
  while kill -0 "$QEMU_PID" 2>/dev/null && [ $(( $(date +%s) - start )) -lt "$TIMEOUT" ]; do sleep 1; done
  kill -0 "$QEMU_PID" 2>/dev/null && fail "the VM still runs after $TIMEOUT s (it should have powered off)"
  QEMU_PID=""
  grep -qF "cloister-init: refusing to start: $3" "$LOG" || fail "no refusal message '$3'"
  grep -q 'enclave started' "$LOG" && fail "the enclave started despite the refusal"
  echo "smoke: $1: refused and powered off after $(( $(date +%s) - start )) s: $(grep -o 'refusing to start: .*' "$LOG" | head -c 140)" >&2
}

# 2. A wrong root hash for the data volume (its last hex digit changed).
if grep -q 'cloister.data_roothash=' "$IMG/cmdline"; then
  WRONG="$(printf '%s' "$BASE" | sed -E 's/(cloister\.data_roothash=[0-9a-f]{63})([0-9a-f])/\1x\2/; s/x0/1/; s/x[1-9a-f]/0/')"
  [ "$WRONG" != "$BASE" ] || fail "could not alter the root hash"
  refused wrong-roothash "$WRONG cloister.platform=sim" 'data volume does not match cloister.data_roothash'
fi

# 3. A key outside the allowlist.
refused bad-key "$BASE cloister.platform=sim cloister.debug=1" 'kernel command line: "cloister.debug" is not an allowed key' 
echo "smoke: passed" >&2
