#!/bin/sh
# Regenerates the Authenticode fixtures: synthetic PE images (make-pe.py) and their SHA-384 and SHA-256 Authenticode
# digests as osslsigncode computes them (Debian bookworm-backports osslsigncode 2.9-1~bpo12+1, an independent
# implementation: it signs a copy with a throwaway key and prints the digest it calculated when it verifies the copy).
# The signed SHA-384 copy of pe32plus.efi is kept too (pe32plus-signed.efi): it carries a certificate table, which the
# digest excludes. Usage: testdata/vectors/authenticode/generate.sh   (needs python3, openssl, osslsigncode)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$here/make-pe.py" "$here"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 1 \
    -subj "/CN=cloister authenticode fixture" 2>/dev/null
digest() { # FILE ALG -> the calculated message digest, lower-case hex
    rm -f "$tmp/signed"
    osslsigncode sign -certs "$tmp/cert.pem" -key "$tmp/key.pem" -h "$2" -in "$1" -out "$tmp/signed" >/dev/null
    osslsigncode verify -in "$tmp/signed" 2>/dev/null | sed -n 's/^Calculated message digest *: *//p' | tr -d ' ' \
        | tr 'A-F' 'a-f'
}
{
    echo "{"
    echo "  \"tool\": \"$(osslsigncode --version 2>&1 | head -1 | sed "s/, using://")\","
    first=1
    for f in pe32plus.efi pe32plus-unaligned.efi pe32.efi bzimage.efi; do
        [ $first = 1 ] || echo ","
        first=0
        printf '  "%s": {"sha256": "%s", "sha384": "%s", "file_sha256": "%s"}' "$f" "$(digest "$here/$f" sha256)" \
            "$(digest "$here/$f" sha384)" "$(sha256sum "$here/$f" | cut -d' ' -f1)"
    done
    echo ","
    digest "$here/pe32plus.efi" sha384 >/dev/null
    cp "$tmp/signed" "$here/pe32plus-signed.efi"
    printf '  "%s": {"sha384": "%s", "file_sha256": "%s"}\n' pe32plus-signed.efi \
        "$(osslsigncode verify -in "$here/pe32plus-signed.efi" 2>/dev/null | sed -n 's/^Calculated message digest *: *//p' \
            | tr -d ' ' | tr 'A-F' 'a-f')" "$(sha256sum "$here/pe32plus-signed.efi" | cut -d' ' -f1)"
    echo "}"
} >"$here/expected.json"
cat "$here/expected.json"
