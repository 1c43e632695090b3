#!/usr/bin/env bash
# GPU confidential-computing validation (issue 17), one prepared call on a machine with an NVIDIA GPU:
#   1. records `nvidia-smi -q` and the read-only `nvidia-smi conf-compute -f|-e|-grs` queries, each with its status;
#   2. records every NVML call of the FFM binding (dev.cloister.infer.nvml.NvmlProbe: return code and value);
#   3. runs the same calls through the second binding, the CUDA JavaCPP presets (PresetsNvmlProbe), and compares them
#      (or records why the presets did not load: they need libcuda.so.1 and a CUDA 13.3 runtime);
#   4. runs `cloister enclave --platform sim --gpu nvml` and asserts, on a GPU not in CC mode (--expect cc-off, the
#      default), that it exits with status 3 naming `ccFeature=0` and never listens; with --expect cc-on (a real CC
#      host), that it passes the whole gate and listens;
#   5. checks `--platform configfs-tsm --gpu nvml` refuses where /sys/kernel/config/tsm/report is absent;
#   6. reads the ready state before and after: it must not change.
# The table is printed last and saved as $OUT/table.txt; every output is under $OUT (default /tmp/cloister-gpu-cc-out).
#
#   native/gpu-cc-check.sh (--jar cloister.jar | --cp CLASSPATH) [--probe-cp CLASSPATH] [--java JAVA]
#                          [--expect cc-off|cc-on] [--allow-set-ready-state] [--fake FAKE_LIBNVIDIA_ML]
#
# --cp runs the same classes from a class path (the build's) instead of the fat jar: the enclave through its own
# command class, dev.cloister.enclave.EnclaveCommand, which is what `cloister enclave` runs.
# --fake rehearses the check on a machine without a GPU: steps 2, 4, 5 and 6 run against the fake libnvidia-ml.so.1
# that native/CMakeLists.txt builds (java/infer/target/native/fake-nvml/), through the binding's test-only library
# override (the probe's argument, the enclave's --nvml-library); steps 1 and 3 are skipped, each with its reason in
# the table. The fake answers from $FAKE_NVML_CONFIG, which defaults to a GPU with CC off (cc_feature=0, environment
# 0), as a lent cloud GPU is. The real-GPU path (no --fake) is unchanged.
#
# It never changes a GPU setting: every JVM runs with -Dcloister.nvml.read-only=true (the binding then refuses its one
# setter without calling NVML), and nvidia-smi is only called with query flags (the wrapper refuses any other). Only
# --allow-set-ready-state, meant for one's own CC host with --expect cc-on, lets the enclave's gate set the ready
# state, its last step. --probe-cp defaults to java/infer's test classes and the presets in ~/.m2 (after a build).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="${OUT:-/tmp/cloister-gpu-cc-out}"
mkdir -p "$OUT"
JAR=""
CP=""
FAKE=""
PROBE_CP=""
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/java}"
JAVA="${JAVA:-java}"
EXPECT=cc-off
ALLOW_SET=0
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) JAR="$2"; shift ;;
    --cp) CP="$2"; shift ;;
    --fake) FAKE="$2"; shift ;;
    --probe-cp) PROBE_CP="$2"; shift ;;
    --java) JAVA="$2"; shift ;;
    --expect) EXPECT="$2"; shift ;;
    --allow-set-ready-state) ALLOW_SET=1 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -n "$CP" ]; then
  [ -z "$JAR" ] || { echo "gpu-cc-check: --jar and --cp exclude each other" >&2; exit 2; }
else
  [ -n "$JAR" ] && [ -f "$JAR" ] || { echo "gpu-cc-check: --jar cloister.jar (java/cli/target/cloister.jar) or --cp CLASSPATH is required" >&2; exit 2; }
fi
case "$EXPECT" in cc-off|cc-on) ;; *) echo "--expect cc-off or cc-on" >&2; exit 2 ;; esac
if [ -n "$FAKE" ]; then
  [ -f "$FAKE" ] || { echo "gpu-cc-check: --fake $FAKE: no such file (build native/ or java/infer first)" >&2; exit 2; }
  [ "$ALLOW_SET" = 0 ] || { echo "gpu-cc-check: --allow-set-ready-state is for one's own CC host, not --fake" >&2; exit 2; }
  if [ -z "${FAKE_NVML_CONFIG:-}" ]; then
    FAKE_NVML_CONFIG="$OUT/fake-nvml.conf"
    printf 'cc_feature=0\nenvironment=0\n' > "$FAKE_NVML_CONFIG"
  fi
  export FAKE_NVML_CONFIG
fi
if [ -z "$PROBE_CP" ]; then
  M2="${HOME}/.m2/repository/org/bytedeco"
  PROBE_CP="$ROOT/java/infer/target/test-classes:$ROOT/java/infer/target/classes:$M2/javacpp/1.5.14/javacpp-1.5.14.jar"
  PROBE_CP="$PROBE_CP:$M2/cuda/13.3-9.25-1.5.14/cuda-13.3-9.25-1.5.14.jar:$M2/cuda/13.3-9.25-1.5.14/cuda-13.3-9.25-1.5.14-linux-x86_64.jar"
fi

GUARD=(-Dcloister.nvml.read-only=true)
[ "$ALLOW_SET" = 1 ] && GUARD=()
JVM=("$JAVA" --enable-native-access=ALL-UNNAMED "${GUARD[@]}")
# What runs the probe and the enclave: the fat jar, or the build's class path; with --fake, the fake library.
if [ -n "$CP" ]; then
  PROBE=("${JVM[@]}" -cp "$CP" dev.cloister.infer.nvml.NvmlProbe)
  ENCLAVE=("${JVM[@]}" -cp "$CP" dev.cloister.enclave.EnclaveCommand)
else
  PROBE=("${JVM[@]}" -cp "$JAR" dev.cloister.infer.nvml.NvmlProbe)
  ENCLAVE=("${JVM[@]}" -jar "$JAR" enclave)
fi
NVML_LIBRARY=()
if [ -n "$FAKE" ]; then
  PROBE+=("$FAKE")
  NVML_LIBRARY=(--nvml-library "$FAKE")
fi

log() { echo "[gpu-cc-check $(date -u +%H:%M:%S)] $*" | tee -a "$OUT/gpu-cc-check.log" >&2; }
ROWS=()
FAILED=0
# One table row; a FAIL row makes the script exit 1. It returns 0 whatever the result (a `check && row PASS || row
# FAIL` once recorded both rows, because the PASS row returned the status of its FAIL test); use if/else to choose.
row() {
  ROWS+=("$(printf '%-48s | %-8s | %s' "$1" "$2" "$3")")
  if [ "$2" = FAIL ]; then FAILED=1; fi
  return 0
}

# nvidia-smi with query flags only: a set flag (-s..., --set..., -r, --reset) is refused here, never passed on.
smi() {
  for a in "$@"; do
    case "$a" in -s*|--set*|-r|--reset*|-pm|-c|-ac|-rac|-pl|-lgc|-lmc|-mig) echo "gpu-cc-check: refusing nvidia-smi $*" >&2; return 99 ;; esac
  done
  nvidia-smi "$@"
}

# 1. nvidia-smi
if [ -n "$FAKE" ]; then
  row "nvidia-smi" "skipped" "--fake: the fake NVML has no driver tools"
elif command -v nvidia-smi > /dev/null; then
  smi -q > "$OUT/nvidia-smi-q.txt" 2>&1; row "nvidia-smi -q" "rc=$?" "$OUT/nvidia-smi-q.txt"
  for flag in -f -e -grs; do
    smi conf-compute "$flag" > "$OUT/conf-compute$flag.txt" 2>&1
    rc=$?
    row "nvidia-smi conf-compute $flag" "rc=$rc" "$(tr '\n' ' ' < "$OUT/conf-compute$flag.txt" | cut -c1-70)"
  done
else
  row "nvidia-smi" "absent" "no NVIDIA driver tools on this machine"
fi

ready() { "${PROBE[@]}" 2> /dev/null \
  | grep -o '"nvmlSystemGetConfComputeGpusReadyState":{[^}]*}' ; }

# 2. the FFM binding
"${PROBE[@]}" > "$OUT/nvml-ffm.json" 2> "$OUT/nvml-ffm.err"
rc=$?
row "NVML through FFM (NvmlProbe)" "rc=$rc" "$OUT/nvml-ffm.json"
READY_BEFORE="$(ready)"
log "ready state before: $READY_BEFORE"

# 3. the presets, compared
if [ -n "$FAKE" ]; then
  rc=skipped
  row "presets vs FFM" "skipped" "--fake: the presets load the driver's libnvidia-ml.so.1 and libcuda, not the fake"
else
  "${JVM[@]}" -cp "$PROBE_CP" dev.cloister.infer.nvml.PresetsNvmlProbe > "$OUT/nvml-both.json" 2> "$OUT/nvml-presets.err"
  rc=$?
fi
case $rc in
  skipped) ;;
  0) row "presets vs FFM: same codes and values" "PASS" "$OUT/nvml-both.json" ;;
  1) row "presets vs FFM: same codes and values" "FAIL" "mismatches in $OUT/nvml-both.json" ;;
  2) row "presets loaded" "no" "$(grep -o '"presets-load-failure":"[^"]*' "$OUT/nvml-both.json" | cut -c25-150)" ;;
  *) row "presets probe" "rc=$rc" "$OUT/nvml-presets.err" ;;
esac
# What the presets' JNI libraries need, next to libnvidia-ml.so.1 alone for the FFM binding.
JNI="$HOME/.javacpp/cache/cuda-13.3-9.25-1.5.14-linux-x86_64.jar/org/bytedeco/cuda/linux-x86_64"
for lib in libjninvml.so libjnicudart.so; do
  [ -f "$JNI/$lib" ] && row "ldd $lib (presets)" "info" "$(ldd "$JNI/$lib" 2>&1 | grep -E 'cuda|nvidia' | tr -s ' \t\n' ' ' | cut -c1-90)"
done

# 4. the enclave's start gate
port="$(( 20000 + RANDOM % 20000 ))"
listens() { if command -v ss > /dev/null; then ss -ltn | grep -q ":$1 "; else (exec 3<>/dev/tcp/127.0.0.1/"$1") 2> /dev/null; fi; }
"${ENCLAVE[@]}" --platform sim --gpu nvml "${NVML_LIBRARY[@]}" --listen "127.0.0.1:$port" --sim-dir "$OUT/sim" \
  --model stories260K > "$OUT/enclave.log" 2>&1 &
pid=$!
listened=0
for _ in $(seq 1 300); do
  kill -0 "$pid" 2> /dev/null || break
  listens "$port" && { listened=1; [ "$EXPECT" = cc-on ] && break; }
  sleep 0.1
done
if kill -0 "$pid" 2> /dev/null; then
  kill "$pid"; wait "$pid"; erc=running
else
  wait "$pid"; erc=$?
fi
if [ "$EXPECT" = cc-off ]; then
  if [ "$erc" = 3 ] && grep -q 'ccFeature=0' "$OUT/enclave.log" && [ "$listened" = 0 ]; then
    row "enclave --gpu nvml refuses (ccFeature=0)" "PASS" "exit 3, no listener"
  else
    row "enclave --gpu nvml refuses (ccFeature=0)" "FAIL" "exit $erc, listened=$listened: $(grep -m1 'refused\|gpu:' "$OUT/enclave.log")"
  fi
else
  if [ "$listened" = 1 ] && grep -q 'GPU start gate passed' "$OUT/enclave.log"; then
    row "enclave --gpu nvml passes the gate" "PASS" "$(grep -m1 'GPU start gate passed' "$OUT/enclave.log")"
  else
    row "enclave --gpu nvml passes the gate" "FAIL" "exit $erc: $(grep -m1 'refused' "$OUT/enclave.log")"
  fi
fi

# 5. configfs-tsm without a TEE
if [ ! -d /sys/kernel/config/tsm/report ]; then
  "${ENCLAVE[@]}" --platform configfs-tsm --gpu nvml "${NVML_LIBRARY[@]}" --listen "127.0.0.1:$port" \
    > "$OUT/enclave-tsm.log" 2>&1
  rc=$?
  # Refused for the missing interface, not for anything else (a usage error elsewhere would also exit non-zero).
  if [ "$rc" != 0 ] && grep -q 'tsm/report does not exist' "$OUT/enclave-tsm.log"; then
    row "configfs-tsm refused without a TEE" "PASS" "exit $rc: $(grep -o 'configfs-tsm needs a confidential VM' "$OUT/enclave-tsm.log")"
  else
    row "configfs-tsm refused without a TEE" "FAIL" "exit $rc: $(head -c 150 "$OUT/enclave-tsm.log" | tr '\n' ' ')"
  fi
fi

# 6. the ready state did not change
READY_AFTER="$(ready)"
if [ -z "$READY_BEFORE" ] || [ -z "$READY_AFTER" ]; then
  row "ready state unchanged" "FAIL" "not read (before '$READY_BEFORE', after '$READY_AFTER')"
elif [ "$READY_BEFORE" = "$READY_AFTER" ] || [ "$ALLOW_SET" = 1 ]; then
  row "ready state unchanged" "PASS" "$READY_AFTER"
else
  row "ready state unchanged" "FAIL" "before $READY_BEFORE, after $READY_AFTER"
fi

{
  printf '%-48s | %-8s | %s\n' "check" "result" "detail"
  printf '%s\n' "${ROWS[@]}"
} | tee "$OUT/table.txt"
exit "$FAILED"
