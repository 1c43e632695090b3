#!/bin/bash
# The second stage's data volume (cvm-boot/README.md, "Second stage"): an EROFS image of DIR and its dm-verity hash
# tree, both deterministic, and the root hash that the measured command line will carry.
#
#   cvm-boot/data-volume.sh OUTDIR SEED DIR
#
# Writes OUTDIR/data.erofs, OUTDIR/data.verity and OUTDIR/data.verity.json ({root_hash, salt, uuid, data_blocks,
# data_block_size, hash_block_size, hash_algorithm, format}). SEED (the release commit) fixes the salt
# (SHA-256("cloister data volume salt" + SEED)) and the file system and verity UUIDs, so that the same SEED and DIR
# give the same bytes. Every file is owned by root, with mode 0644 (0755 directories) and mtime SOURCE_DATE_EPOCH.
# Needs mkfs.erofs (erofs-utils) and veritysetup (cryptsetup-bin); no root, no loop device.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: cvm-boot/data-volume.sh OUTDIR SEED DIR" >&2; exit 2; }
OUT="$1"; SEED="$2"; SRC="$3"
: "${SOURCE_DATE_EPOCH:?SOURCE_DATE_EPOCH must be set}"
hex() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
uuid() { local h; h="$(hex "$1")"; printf '%s-%s-4%s-8%s-%s' "${h:0:8}" "${h:8:4}" "${h:13:3}" "${h:17:3}" "${h:20:12}"; }
SALT="$(hex "cloister data volume salt$SEED")"
FS_UUID="$(uuid "cloister data volume fs$SEED")"
VERITY_UUID="$(uuid "cloister data volume verity$SEED")"

STAGE="$(mktemp -d "${TMPDIR:-/tmp}/cvm-data.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
cp -r "$SRC/." "$STAGE/"
find "$STAGE" -type d -exec chmod 0755 {} +
find "$STAGE" -type f -exec chmod 0644 {} +
find "$STAGE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

rm -f "$OUT/data.erofs" "$OUT/data.verity"
mkfs.erofs --quiet -T "$SOURCE_DATE_EPOCH" -U "$FS_UUID" --all-root -x -1 "$OUT/data.erofs" "$STAGE"
# 4 KiB blocks, sha256, format 1 (what the calculator's VerityTree recomputes); the hash tree is a file of its own
# (the second virtio disk), with cryptsetup's superblock at its start.
veritysetup format --format=1 --hash=sha256 --data-block-size=4096 --hash-block-size=4096 --salt="$SALT" \
  --uuid="$VERITY_UUID" "$OUT/data.erofs" "$OUT/data.verity" > "$STAGE.format"
ROOT="$(sed -n 's/^Root hash:[[:space:]]*//p' "$STAGE.format")"
BLOCKS="$(sed -n 's/^Data blocks:[[:space:]]*//p' "$STAGE.format")"
rm -f "$STAGE.format"
[ ${#ROOT} -eq 64 ] || { echo "data-volume: no root hash from veritysetup" >&2; exit 1; }
# The tree must check: veritysetup verify recomputes every block from the data.
veritysetup verify "$OUT/data.erofs" "$OUT/data.verity" "$ROOT" || { echo "data-volume: verify failed" >&2; exit 1; }
jq -n --arg r "$ROOT" --arg s "$SALT" --arg fu "$FS_UUID" --arg vu "$VERITY_UUID" --argjson n "$BLOCKS" '{
  root_hash: $r, salt: $s, fs_uuid: $fu, verity_uuid: $vu, data_blocks: $n, data_block_size: 4096,
  hash_block_size: 4096, hash_algorithm: "sha256", format: 1}' > "$OUT/data.verity.json"
echo "data-volume: root hash $ROOT ($BLOCKS blocks)" >&2
