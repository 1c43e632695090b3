#!/bin/sh
# The SIMD kernel files (cpu_kernels_avx2.cpp, cpu_kernels_avx512.cpp) are compiled with -mavx2 / -mavx512* and chosen
# at run time. A weak (COMDAT) symbol they define — an inline function or template instantiated outside their own
# namespace, e.g. std::vector<float>::assign — may be merged by the linker with the same symbol from a file compiled
# for any x86-64 CPU, and other code would then run AVX2/AVX-512 instructions on a CPU without them. This check fails
# on any weak symbol of those objects whose name involves no type or function of cloister::cpu::avx2 /
# cloister::cpu::avx512 (such a symbol is theirs alone).
#
#   tests/check_simd_symbols.sh LIBRARY.a
set -eu
lib="${1:?usage: check_simd_symbols.sh LIBRARY.a}"
members="$(ar t "$lib" | grep -E '^cpu_kernels_avx(2|512)\.cpp\.o$' || true)"
[ -n "$members" ] || { echo "check_simd_symbols: no SIMD kernel object in $lib" >&2; exit 1; }
bad="$(nm -A --defined-only "$lib" | grep -E ':cpu_kernels_avx(2|512)\.cpp\.o:' | awk '$(NF-1) ~ /^[WVvu]$/ {print $NF}' \
  | c++filt | grep -v -E 'cloister::cpu::avx(2|512)::' || true)"
if [ -n "$bad" ]; then
  echo "check_simd_symbols: weak symbols of the SIMD kernel objects outside their namespaces:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "check_simd_symbols: $(echo "$members" | wc -l) SIMD objects, no weak symbol outside their namespaces"
