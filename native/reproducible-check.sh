#!/bin/sh
# Builds the inference core (CPU, and CUDA where nvcc is found) twice, from two copies of native/ at different paths into different build directories,
# with different SOURCE_DATE_EPOCH values and build times, and compares the bundle archive that the JNI library links
# (libcloister_infer_bundle.a) byte for byte. Exit 0: identical. Exit 1: they differ (the differing members are listed).
#
#   native/reproducible-check.sh [--build-type Release|RelWithDebInfo] [--cuda auto|on|off] [--jobs N] [--keep]
#
# Release is what java/infer builds into the JNI library; RelWithDebInfo shows that the debug information carries no
# checkout or build path either. --cuda auto (the default) includes the CUDA backend (cuda_backend.cu and the static
# CUDA runtime in the bundle) when nvcc is found, as the Maven build does; on requires it. Needs cmake and g++ (and
# nvcc); about a minute on 2 cores without CUDA, a few more with it. CLOISTER_CUDA_LINEINFO=ON is not covered: nvcc
# records absolute source paths in the device line information (see README.md).
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
JOBS=2
KEEP=0
BUILD_TYPE=Release
CUDA=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --build-type) BUILD_TYPE="$2"; shift 2 ;;
    --cuda) CUDA="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: $0 [--build-type TYPE] [--cuda auto|on|off] [--jobs N] [--keep]" >&2; exit 2 ;;
  esac
done

NVCC="$(command -v nvcc || true)"
[ -n "$NVCC" ] || [ ! -x /usr/local/cuda/bin/nvcc ] || NVCC=/usr/local/cuda/bin/nvcc
case "$CUDA" in
  auto) if [ -n "$NVCC" ]; then CUDA=ON; else CUDA=OFF; fi ;;
  on) [ -n "$NVCC" ] || { echo "--cuda on: no nvcc found" >&2; exit 2; }; CUDA=ON ;;
  off) CUDA=OFF ;;
  *) echo "--cuda takes auto, on or off" >&2; exit 2 ;;
esac
CUDA_ARG=""
[ "$CUDA" = OFF ] || CUDA_ARG="-DCMAKE_CUDA_COMPILER=$NVCC"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cloister-repro.XXXXXX")"
trap '[ "$KEEP" -eq 1 ] || rm -rf "$WORK"' EXIT
# Flags from the environment would change the library on purpose: the check is of the plain build.
unset CFLAGS CXXFLAGS CPPFLAGS LDFLAGS

build() { # $1: source copy, $2: build directory, $3: SOURCE_DATE_EPOCH
  mkdir -p "$1" "$(dirname "$2")"
  cp -R "$HERE/CMakeLists.txt" "$HERE/include" "$HERE/src" "$HERE/tests" "$HERE/tools" "$1/"
  SOURCE_DATE_EPOCH="$3" cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DCLOISTER_CUDA="$CUDA" $CUDA_ARG >"$2.log" 2>&1 \
    && SOURCE_DATE_EPOCH="$3" cmake --build "$2" --target cloister_infer_bundle --parallel "$JOBS" >>"$2.log" 2>&1 \
    || { echo "build failed, see $2.log:" >&2; tail -20 "$2.log" >&2; KEEP=1; exit 1; }
  if [ "$CUDA" = ON ] && ! grep -q "CUDA backend ON" "$2.log"; then
    echo "the CUDA backend was not configured, see $2.log" >&2; KEEP=1; exit 1
  fi
}

build "$WORK/a/native" "$WORK/a-build" 1
sleep 1 # a later wall-clock second for the second build
build "$WORK/second/path/native" "$WORK/b-out/build" 1700000000

A="$WORK/a-build/libcloister_infer_bundle.a"
B="$WORK/b-out/build/libcloister_infer_bundle.a"
sha256sum "$A" "$B" | sed "s#$WORK/##"
if cmp -s "$A" "$B"; then
  echo "reproducible ($BUILD_TYPE, CUDA $CUDA): libcloister_infer_bundle.a is identical ($(wc -c <"$A") bytes)"
  exit 0
fi
echo "NOT reproducible ($BUILD_TYPE, CUDA $CUDA): libcloister_infer_bundle.a differs" >&2
mkdir -p "$WORK/xa" "$WORK/xb"
(cd "$WORK/xa" && ar x "$A") && (cd "$WORK/xb" && ar x "$B")
for member in $(ar t "$A"); do
  cmp -s "$WORK/xa/$member" "$WORK/xb/$member" || echo "  differs: $member" >&2
done
echo "builds kept in $WORK" >&2
KEEP=1
exit 1
