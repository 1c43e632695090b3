# Sourced (POSIX sh) by ./cloister, .ci/run and benchmarks/*.sh: the one place that finds the JDK and the JVM flags.
#
#   CLOISTER_ROOT=/path/to/checkout; . "$CLOISTER_ROOT/tools/jdk.sh"
#
# Exports JAVA_HOME (a JDK 25 or newer: the one already in JAVA_HOME, else an installed one, else the `java` on the
# PATH) and CLOISTER_JVM_FLAGS, read from the root pom.xml's cloister.jvm.flags property, which Surefire and Failsafe use
# too. Exits the calling script with a message when either cannot be found. (./mvnw finds the JDK by itself.)

cloister_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'
}

cloister_is_jdk25() {
  [ -x "$1/bin/java" ] && [ "$(cloister_java_major "$1" 2>/dev/null || echo 0)" -ge 25 ] 2>/dev/null
}

if [ -z "${CLOISTER_ROOT-}" ] || [ ! -f "$CLOISTER_ROOT/pom.xml" ]; then
  echo "tools/jdk.sh: set CLOISTER_ROOT to the repository root before sourcing it" >&2
  exit 1
fi

if ! cloister_is_jdk25 "${JAVA_HOME-}"; then
  cloister_found=""
  for cloister_jdk in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/java-25-openjdk-amd64 \
      "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    if cloister_is_jdk25 "$cloister_jdk"; then cloister_found="$cloister_jdk"; break; fi
  done
  if [ -z "$cloister_found" ]; then
    echo "Cloister needs a JDK 25: set JAVA_HOME (on these machines /usr/lib/jvm/temurin-25-jdk-amd64)" >&2
    exit 1
  fi
  JAVA_HOME="$cloister_found"
  unset cloister_found cloister_jdk
fi
export JAVA_HOME

CLOISTER_JVM_FLAGS="$(sed -n 's:.*<cloister.jvm.flags>\(.*\)</cloister.jvm.flags>.*:\1:p' "$CLOISTER_ROOT/pom.xml")"
if [ -z "$CLOISTER_JVM_FLAGS" ]; then
  echo "tools/jdk.sh: no cloister.jvm.flags property in $CLOISTER_ROOT/pom.xml" >&2
  exit 1
fi
export CLOISTER_JVM_FLAGS
