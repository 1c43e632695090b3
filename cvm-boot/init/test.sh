#!/bin/sh
# Unit checks of cloister-init's command-line allowlist (no VM): compiles it for the build machine and runs
# `cloister-init --parse-cmdline WORDS` on accepted and refused command lines. About a second; needs a C compiler
# (musl-gcc when installed, else cc).
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
BIN="$(mktemp -d "${TMPDIR:-/tmp}/cloister-init-test.XXXXXX")"
trap 'rm -rf "$BIN"' EXIT
if command -v musl-gcc >/dev/null 2>&1; then
  musl-gcc -static -Os -Wall -Wextra -Werror -idirafter /usr/include -idirafter /usr/include/x86_64-linux-gnu \
    -o "$BIN/init" "$HERE/cloister-init.c"
else
  cc -Os -Wall -Wextra -Werror -o "$BIN/init" "$HERE/cloister-init.c"
fi
fails=0
accept() { # WORDS EXPECTED-SUBSTRING (of the JVM argv, one line)
  if out="$("$BIN/init" --parse-cmdline "$1" 2>&1)"; then
    case "$(printf '%s' "$out" | tr '\n' ' ')" in
      *"$2"*) ;;
      *) echo "FAIL accept '$1': no '$2' in: $out"; fails=$((fails + 1)) ;;
    esac
  else
    echo "FAIL accept '$1': refused: $out"; fails=$((fails + 1))
  fi
}
refuse() { # WORDS EXPECTED-SUBSTRING (of the message)
  if out="$("$BIN/init" --parse-cmdline "$1" 2>&1)"; then
    echo "FAIL refuse '$1': accepted: $out"; fails=$((fails + 1))
  else
    case "$out" in
      *"refusing to start: "*"$2"*) ;;
      *) echo "FAIL refuse '$1': message '$out' lacks '$2'"; fails=$((fails + 1)) ;;
    esac
  fi
}
# Defaults: the hardware's evidence, the internal port on eth0's address (loopback without one), never a wildcard.
accept 'console=ttyS0 quiet' '--listen 127.0.0.1:8443 --platform configfs-tsm'
accept 'cloister.ip=10.0.2.15/24' '--listen 10.0.2.15:8443 --platform configfs-tsm'
accept 'console=ttyS0 cloister.platform=sim' '--platform sim'
accept 'cloister.listen=10.0.2.15:9000 cloister.threads=2 cloister.max_sequences=4 cloister.max_output_tokens=64' \
  '--listen 10.0.2.15:9000 --threads 2 --max-sequences 4 --max-output-tokens 64'
accept 'cloister.batch_window=PT0.005S' '--batch-window PT0.005S'
accept 'cloister.ip=10.0.2.15/24 cloister.gateway=10.0.2.2' '# eth0 10.0.2.15/24 # gateway 10.0.2.2'
accept 'cloister.platform=sim' '-jar /opt/cloister/cloister-enclave.jar'
accept 'cloister.platform=sim' '--model /opt/cloister/models/stories260K.bin --tokenizer /opt/cloister/models/tok512.bin'
# The second stage: the model comes from the verified data volume.
accept 'cloister.data_roothash=0fd57fb969d19ae2882248377bd6c9f38434998fa382144a4b2b1f1a312a78b6 cloister.data_salt=249c28e87f71abc019645af9c917f163e1ed1b16a26a230cef181abd148f82de cloister.data_blocks=261' \
  '--model /opt/cloister/data/model.bin --tokenizer /opt/cloister/data/tokenizer.bin'
# Refusals: keys outside the allowlist, malformed or repeated values, flags smuggled in values.
refuse 'cloister.ledger=http://x' '"cloister.ledger" is not an allowed key'
refuse 'cloister.data_roothash=00' 'cloister.data_roothash="00" is not a valid value'
refuse 'cloister.data_roothash=0fd57fb969d19ae2882248377bd6c9f38434998fa382144a4b2b1f1a312a78b6 cloister.data_blocks=261' 'go together'
refuse 'cloister.data_roothash=0fd57fb969d19ae2882248377bd6c9f38434998fa382144a4b2b1f1a312a78b6 cloister.data_salt=249c28e87f71abc019645af9c917f163e1ed1b16a26a230cef181abd148f82de cloister.data_blocks=0' 'is not a valid value'
refuse 'cloister.data_roothash=0FD57FB969D19AE2882248377BD6C9F38434998FA382144A4B2B1F1A312A78B6 cloister.data_salt=249c28e87f71abc019645af9c917f163e1ed1b16a26a230cef181abd148f82de cloister.data_blocks=261' 'is not a valid value'
refuse 'cloister.data_volume=/dev/vda' '"cloister.data_volume" is not an allowed key'
refuse 'cloister.platform' 'has no value'
refuse 'cloister.platform=tdx' 'cloister.platform="tdx" is not a valid value'
refuse 'cloister.platform=sim cloister.platform=sim' 'cloister.platform is given twice'
refuse 'cloister.threads=0' 'cloister.threads="0" is not a valid value'
refuse 'cloister.threads=1000' 'is not a valid value'
refuse 'cloister.threads=-1' 'is not a valid value'
refuse 'cloister.listen=0.0.0.0:70000' 'is not a valid value'
refuse 'cloister.listen=localhost:80' 'is not a valid value'
refuse 'cloister.listen=0.0.0.0:8443,--ledger' 'is not a valid value'
refuse 'cloister.batch_window=5ms' 'is not a valid value'
refuse 'cloister.ip=10.0.2.15' 'is not a valid value'
refuse 'cloister.ip=10.0.2.15/33' 'is not a valid value'
refuse 'cloister.gateway=10.0.2.2' 'cloister.gateway needs cloister.ip'
refuse 'cloister.platform="sim"' 'quotes are not accepted'
refuse "cloister.threads=$(printf '%0100d' 1)" 'is not a valid value'
# Not PID 1 and no test option: refuses to run at all.
if "$BIN/init" >/dev/null 2>&1; then echo "FAIL: ran as a plain process"; fails=$((fails + 1)); fi
if [ "$fails" -ne 0 ]; then echo "cloister-init: $fails check(s) failed"; exit 1; fi
echo "cloister-init: all command-line checks passed"
