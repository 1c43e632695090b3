#!/usr/bin/env bash
# A long fuzzing campaign: every Jazzer target (each *FuzzTest class under java/) for a set time, one after the other,
# each in its own JVM through the Surefire execution `fuzz`, and a summary of executions and findings per target.
#
#   tools/long-fuzz.sh [--duration 30m] [--targets Class1,Class2] [--until N] [--out DIR] [--state DIR] [--offline]
#   tools/long-fuzz.sh --ledger [--until N] [--targets ...] [--state DIR]
#
# --duration  how long each target fuzzes (Jazzer's max_duration: 20s, 30m, 2h; default 30m)
# --targets   only these classes (default: every *FuzzTest.java under java/)
# --until     stop each target at N executions over all sittings (the ledger below): a target that has N already is
#             skipped, one short of it runs the executions it lacks (Jazzer's max_executions) or for --duration, whichever
#             ends first; rerun the same command in later sittings until every target has N (e.g. --until 10000000)
# --out       where the summary and one Maven log per target go (default target/long-fuzz/<UTC time>)
# --state     where the ledger of sittings is kept (default .long-fuzz, git-ignored, outside target/ so that
#             `mvn clean` keeps it): executions.tsv, one row per target per sitting
# --offline   pass -o to Maven (the dependencies are cached)
# --ledger    fuzz nothing: print every selected target's account over all sittings (sittings, executions, seconds,
#             new findings, sittings that ended in a finding or an error, and with --until whether it has N) and exit
#
# Resuming: Jazzer keeps each target's generated corpus in <module>/.cifuzz-corpus/<package>.<Class>/<method>/ (ignored,
# kept by `mvn clean`) and starts the next run from it, so a sitting continues where the last one stopped; the ledger
# adds up the executions of every sitting (the "total" column). Deleting a corpus starts that target afresh (its
# ledger rows stay: the executions did happen).
#
# The summary (summary.tsv, and summary.txt for people) has one row per target: module, class, outcome (ok, finding:
# the test failed, error: it did not run), libFuzzer's executions ("Done N runs in S second(s)"), seconds, executions
# per second, and the new findings: crash inputs Jazzer saved under src/test/resources/<package>/<Class>Inputs/ during
# this run (every later test run replays them; commit them once fixed). Exits non-zero if any target had a finding or
# an error. Each target's Maven output is kept in <out>/<Class>.log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
duration=30m
targets=""
out=""
state=.long-fuzz
until=0
report=0
offline=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --duration) duration=$2; shift 2 ;;
        --targets) targets=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --state) state=$2; shift 2 ;;
        --until) until=$2; shift 2 ;;
        --offline) offline=(-o); shift ;;
        --ledger) report=1; shift ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; exit 0 ;;
        *) echo "long-fuzz: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ $duration =~ ^[0-9]+[smh]?$ ]] || { echo "long-fuzz: --duration $duration: a number with s, m or h" >&2; exit 2; }
[[ $until =~ ^[0-9]+$ ]] || { echo "long-fuzz: --until $until: a number of executions" >&2; exit 2; }
seconds=${duration%[smh]}
case $duration in *m) seconds=$((seconds * 60)) ;; *h) seconds=$((seconds * 3600)) ;; esac
out=${out:-target/long-fuzz/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

# module<TAB>class for every target, sorted.
mapfile -t all < <(find java -path '*/src/test/java/*' -name '*FuzzTest.java' \
    | sed -E 's#^(java/[^/]+)/src/test/java/(.*/)?([^/]+)\.java$#\1\t\3#' | sort -t$'\t' -k2)
selected=()
for row in "${all[@]}"; do
    class=${row#*$'\t'}
    if [[ -z $targets || ",$targets," == *",$class,"* ]]; then selected+=("$row"); fi
done
[[ ${#selected[@]} -gt 0 ]] || { echo "long-fuzz: no target matches '$targets'" >&2; exit 2; }
if [[ -n $targets ]]; then
    for want in ${targets//,/ }; do
        printf '%s\n' "${selected[@]}" | grep -q $'\t'"$want"'$' || { echo "long-fuzz: no target $want" >&2; exit 2; }
    done
fi

mkdir -p "$state"
ledger=$state/executions.tsv
[[ -f $ledger ]] || printf 'utc\tmodule\tclass\toutcome\texecutions\tseconds\tnew_findings\tcorpus_files\n' > "$ledger"
if (( report )); then
    {
        printf 'module\tclass\tsittings\texecutions\tseconds\tnew_findings\tnot_ok\treached\n'
        for row in "${selected[@]}"; do
            awk -F'\t' -v m="${row%%$'\t'*}" -v c="${row#*$'\t'}" -v goal="$until" '
                NR > 1 && $3 == c { s++; n += $5; t += $6; f += $7; if ($4 != "ok") bad++ }
                END { printf "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", m, c, s, n, t, f, bad,
                      (goal > 0 ? (n >= goal ? "yes" : "no") : "-") }' "$ledger"
        done
    } | column -t -s $'\t'
    exit 0
fi
# The executions of every sitting so far for one class.
total_of() { awk -F'\t' -v c="$1" 'NR > 1 && $3 == c { n += $5 } END { print n + 0 }' "$ledger"; }
# The inputs libFuzzer wrote for a class: a crash, a timeout, an out-of-memory, and a slow unit (an input that ran
# longer than -report_slow_units, 10 s by default: a render that nearly hangs is a finding too).
found_inputs() {
    find "$1/src/test/resources" -path "*/${2}Inputs/*" -type f \
        \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) 2>/dev/null | sort || true
}
# Jazzer's generated corpus of a class: <module>/.cifuzz-corpus/<package>.<Class>/<method>/.
corpus_files() {
    { find "$1/.cifuzz-corpus" -mindepth 1 -maxdepth 1 -type d -name "*.$2" -exec find {} -type f \; 2>/dev/null || true; } \
        | wc -l
}

summary=$out/summary.tsv
printf 'module\tclass\toutcome\texecutions\tseconds\texec_per_s\tnew_findings\tcorpus_files\ttotal\n' > "$summary"
echo "long-fuzz: ${#selected[@]} target(s), $duration each, summary in $summary, ledger in $ledger"
failed=0
for row in "${selected[@]}"; do
    module=${row%%$'\t'*}
    class=${row#*$'\t'}
    if (( until > 0 )) && (( $(total_of "$class") >= until )); then
        echo "long-fuzz: $class has $(total_of "$class") executions already (--until $until): skipped"
        continue
    fi
    log=$out/$class.log
    before=$(found_inputs "$module" "$class")
    # With --until, only the executions the target still lacks (libFuzzer counts its corpus inputs among them).
    lacking=0
    (( until > 0 )) && lacking=$((until - $(total_of "$class")))
    start=$(date +%s)
    rc=0
    ./mvnw -B -ntp "${offline[@]}" -Dcloister.cuda=OFF test -pl "$module" -am \
        -Dtest="$class" -Dsurefire.failIfNoSpecifiedTests=false \
        -Djazzer.max.duration="$duration" -Djazzer.max.executions="$lacking" \
        -Djazzer.fork.timeout=$((seconds + 600)) > "$log" 2>&1 || rc=$?
    after=$(found_inputs "$module" "$class")
    new=$(comm -13 <(echo "$before") <(echo "$after") | grep -c . || true)
    # libFuzzer's last words in the fuzzing JVM: "Done 123456 runs in 30 second(s)".
    done_line=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
    runs=$(awk '{print $2}' <<< "$done_line")
    secs=$(awk '{print $5}' <<< "$done_line")
    if [[ -z $runs ]]; then
        # Stopped by a finding before "Done": the last status line has the count so far ("#123456 ...").
        runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
        secs=$(( $(date +%s) - start ))
    fi
    runs=${runs:-0}
    secs=${secs:-0}
    rate=$(( secs > 0 ? runs / secs : 0 ))
    if [[ $rc -eq 0 && $new -eq 0 ]]; then
        outcome=ok
    elif [[ $new -gt 0 ]] || grep -q 'Tests run:.*Failures: [1-9]\|Tests run:.*Errors: [1-9]' "$log"; then
        outcome=finding
    else
        outcome=error
    fi
    [[ $outcome == ok ]] || failed=1
    corpus=$(corpus_files "$module" "$class")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$module" "$class" "$outcome" "$runs" "$secs" "$new" \
        "$corpus" >> "$ledger"
    total=$(total_of "$class")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$module" "$class" "$outcome" "$runs" "$secs" "$rate" "$new" \
        "$corpus" "$total" >> "$summary"
    printf 'long-fuzz: %-40s %-8s %12s executions in %5ss (%s/s), %s new finding(s), corpus %s files, %s in all sittings\n' \
        "$class" "$outcome" "$runs" "$secs" "$rate" "$new" "$corpus" "$total"
done
column -t -s $'\t' "$summary" > "$out/summary.txt"
cat "$out/summary.txt"
exit $failed
