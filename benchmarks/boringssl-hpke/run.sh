#!/usr/bin/env bash
# OHTTP per-request cost, BoringSSL vs Cloister, side by side on one thread in one run (issue 19):
#   gateway: decapsulate a 1 KiB request + encapsulate a 1 KiB response; client: encapsulate a 1 KiB request;
#   DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, the RFC 9458 way.
# BoringSSL: ohttp_bench.c (EVP_HPKE, Debian's android-libboringssl-dev: apt-get install -y android-libboringssl-dev),
# checked against RFC 9458 Appendix A before timing. Cloister: OhttpBenchmark (JMH) with -p kem=X25519, twice: the
# default engines (AWS-LC for HMAC and AES-GCM, OpenSSL for X25519) and the fallback (JDK, BouncyCastle), each in
# `forks` JVMs. The C program runs before, between and after so that all see the same machine; every figure is the
# median of the measured iterations (2 s each) of all forks and runs, as operations per second of wall-clock time and
# per CPU-second of the measuring thread (the fair figure when the machine is shared with other work). Usage:
#   ./mvnw -B -ntp -Dcloister.cuda=OFF package -pl benchmarks -am -DskipTests   # once: benchmarks/target/benchmarks.jar
#   benchmarks/boringssl-hpke/run.sh [iterations (default 5)] [forks (default 3)]
# BENCH_JAR names another JMH jar holding OhttpBenchmark; JAVA defaults to $JAVA_HOME/bin/java.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
iterations=${1:-5}
forks=${2:-3}
jar=${BENCH_JAR:-$root/benchmarks/target/benchmarks.jar}
java=${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}
inc=/usr/include/android
lib=/usr/lib/$(gcc -print-multiarch)/android
[[ -f $inc/openssl/hpke.h && -d $lib ]] || { echo "run.sh: needs android-libboringssl-dev" >&2; exit 1; }
[[ -f $jar ]] || { echo "run.sh: no $jar (see the usage above)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

gcc -O2 -Wall -Wextra -I"$inc" -o "$out/ohttp_bench" "$here/ohttp_bench.c" -L"$lib" -Wl,-rpath,"$lib" -lcrypto
echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
jmh() { # $1: the JSON file, then the engine parameters
    local json=$1
    shift
    "$java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -jar "$jar" \
        'wire.OhttpBenchmark' -p kem=X25519 "$@" -wi 3 -w 2 -i "$iterations" -r 2 -f "$forks" -t 1 \
        -rf json -rff "$out/$json" > "$out/$json.txt"
}
"$out/ohttp_bench" "$iterations" 2 | tee "$out/c1.txt"
jmh jmh-native.json -p engine=AWS_LC -p x25519=OPENSSL
"$out/ohttp_bench" "$iterations" 2 | tee "$out/c2.txt"
jmh jmh-fallback.json -p engine=JDK -p x25519=BOUNCY_CASTLE
"$out/ohttp_bench" "$iterations" 2 | tee "$out/c3.txt"
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" <<'PY'
import json, re, statistics, sys
out = sys.argv[1]
boring, boring_cpu = {}, {}
for name in ("c1.txt", "c2.txt", "c3.txt"):
    for line in open(f"{out}/{name}"):
        m = re.match(r"boringssl (\S+)\s+median\s+(\d+) ops/s .*; (\d+) per CPU-second", line)
        if m:
            boring.setdefault(m.group(1), []).append(int(m.group(2)))
            boring_cpu.setdefault(m.group(1), []).append(int(m.group(3)))
print(f"{'operation':29} {'engines':20} {'cloister ops/s':>14} {'boringssl':>9} {'ratio':>5}   "
      f"{'cloister/CPU-s':>14} {'boringssl':>9} {'ratio':>5}")
rows = []
for result in json.load(open(f"{out}/jmh-native.json")) + json.load(open(f"{out}/jmh-fallback.json")):
    op = result["benchmark"].rsplit(".", 1)[1]
    engine = result["params"]["engine"] + "+" + result["params"]["x25519"]
    wall = statistics.median([x for fork in result["primaryMetric"]["rawData"] for x in fork])
    second = result["secondaryMetrics"]
    nanos = [x for fork in second["cpuNanos"]["rawData"] for x in fork]
    calls = [x for fork in second["sampledCalls"]["rawData"] for x in fork]
    cpu = statistics.median([c / n * 1e9 for c, n in zip(calls, nanos) if n > 0])
    rows.append((op, engine, wall, cpu))
for op, engine, wall, cpu in sorted(rows):
    b, bc = statistics.median(boring[op]), statistics.median(boring_cpu[op])
    print(f"{op:29} {engine:20} {wall:14.0f} {b:9.0f} {wall / b:5.2f}   {cpu:14.0f} {bc:9.0f} {cpu / bc:5.2f}")
PY
