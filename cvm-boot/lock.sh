#!/bin/sh
# Prints packages.lock lines for NAME=VERSION (or NAME: the candidate) from apt's indexes, e.g.
#   cvm-boot/lock.sh libc6=2.36-9+deb12u14
# For bookworm-backports (the kernel) without touching the system's sources, give a private apt directory that has
# `deb http://deb.debian.org/debian bookworm-backports main` in etc/sources.list and was `apt-get update`d with the
# same options: CVM_APT_DIR=/tmp/cvm-apt cvm-boot/lock.sh linux-image-6.12.95+deb12-cloud-amd64
set -eu
opts=""
if [ -n "${CVM_APT_DIR-}" ]; then
  d="$CVM_APT_DIR"
  opts="-o Dir::State=$d -o Dir::State::Lists=$d/lists -o Dir::Etc::SourceList=$d/etc/sources.list \
    -o Dir::Etc::SourceParts=/nonexistent -o Dir::Cache=$d/cache -o Dir::State::status=/var/lib/dpkg/status"
fi
for spec in "$@"; do
  name="${spec%%=*}"
  want=""; [ "$name" = "$spec" ] || want="${spec#*=}"
  # shellcheck disable=SC2086
  apt-cache $opts show "$name" | awk -v n="$name" -v want="$want" '
    /^Version:/ { v = $2 } /^Filename:/ { f = $2 } /^SHA256:/ { s = $2 }
    /^$/ { if (v != "" && (want == "" || v == want) && !done) {
             root = (f ~ /^pool\/updates\//) ? "debian-security" : "debian"; print "deb", n, v, s, root "/" f; done = 1 }
           v = "" }
    END { if (!done) { print "lock.sh: no " n (want == "" ? "" : "=" want) " in the indexes" > "/dev/stderr"; exit 1 } }'
done
