#!/usr/bin/env bash
# A Tegra234 (Jetson Orin) kernel build tree for compile tests.  Debian's
# arm64 kernel enables ARCH_TEGRA, TEGRA_MC and INTERCONNECT but not the
# Tegra234 SoC nor the BPMP firmware interface, so code behind
# CONFIG_TEGRA_BPMP is never compiled against Debian's headers.  This takes
# Debian's own 6.1 source (linux-source-6.1, unpacked, never installed),
# Debian's arm64 config plus the Tegra234 options, and runs olddefconfig and
# modules_prepare with the arm64 cross compiler.
#
# usage: tests/vm/tegra-kdir.sh   (prints the prepared tree's path)
#   The tree is cached under tests/vm/.cache/tegra/, keyed by the source
#   version and a hash of the config it was made from, so only the first
#   run pays for the unpack and modules_prepare.
#   There is no vmlinux to make Module.symvers from, so the tree gets
#   Debian's arm64 Module.symvers of the same upload plus the exports the
#   Tegra options add (see below): modpost then checks a module's undefined
#   symbols as it does against Debian's headers, with no KBUILD_MODPOST_WARN.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=$here/.cache
suite=bookworm
cross=aarch64-linux-gnu-
log() { echo "tegra-kdir: $*" >&2; }
die() { echo "tegra-kdir: $*" >&2; exit 1; }
. "$here/linux-source.sh"

# What the tegra234 row adds to Debian's config.  The SoC option selects
# BPMP, HSP mailbox and IVC; they are named too so that a Kconfig change
# that drops one fails here rather than silently compiling less.
fragment='CONFIG_ARCH_TEGRA_234_SOC=y
CONFIG_TEGRA_HSP_MBOX=y
CONFIG_TEGRA_IVC=y
CONFIG_TEGRA_BPMP=y'
# Bump when the way the tree is made changes, so old caches are not reused.
recipe=2

command -v "${cross}gcc" >/dev/null || die "no ${cross}gcc (apt-get install gcc-aarch64-linux-gnu)"
for t in flex bison bc; do
	command -v "$t" >/dev/null || die "no $t, which the kernel's kconfig and prepare need (make deps)"
done

# The source package and the headers package of the same upload: the
# headers carry the config Debian built its arm64 kernel with.
hostarch=$(dpkg --print-architecture)
srcdeb=$("$here/apt-fetch.sh" "$cache" "$hostarch" "$suite" linux-source-6.1)
srcver=$(dpkg-deb -f "$srcdeb" Version)
image=$("$here/apt-fetch.sh" "$cache" arm64 "$suite" --resolve linux-image-arm64)
abi=${image#linux-image-}
abi=${abi%-arm64}
abi=${abi%-unsigned}
hdrdeb=$("$here/apt-fetch.sh" "$cache" arm64 "$suite" "linux-headers-$abi-arm64")
hdrver=$(dpkg-deb -f "$hdrdeb" Version)
[ "$srcver" = "$hdrver" ] || die "linux-source-6.1 is $srcver but linux-headers-$abi-arm64 is $hdrver; the config would not match the source"
baseconfig=$(dpkg-deb --fsys-tarfile "$hdrdeb" | tar -xO --wildcards './usr/src/linux-headers-*-arm64/.config') ||
	die "no .config in $hdrdeb"

key=$(printf '%s\n%s\n%s\n' "$recipe" "$fragment" "$baseconfig" | sha256sum | cut -c1-12)
tree=$cache/tegra/tegra234-$srcver-$key
if [ -f "$tree/.ready" ]; then
	echo "$tree"
	exit 0
fi

mkdir -p "$cache/tegra"
# Other checkouts share the cache: one of them prepares, the rest wait.
tree_lock "$tree"
log "preparing a Tegra234 6.1 tree from linux-source $srcver (once; cached as ${tree##*/})"
start=$SECONDS
tmp=$tree.tmp
rm -rf "$tree"
src=$(source_unpack "$srcdeb" "$tmp")
[ -f "$src/arch/arm64/Kconfig" ] || die "the unpacked source has no arch/arm64"
log "unpacked in $((SECONDS - start)) s"

printf '%s\n' "$baseconfig" > "$src/.config"
printf '%s\n' "$fragment" >> "$src/.config"
kmake() { make -s -C "$src" ARCH=arm64 CROSS_COMPILE="$cross" "$@"; }
kmake olddefconfig >"$tmp/olddefconfig.log" 2>&1 || {
	cat "$tmp/olddefconfig.log" >&2; die "olddefconfig failed"; }
# olddefconfig drops what Kconfig will not allow without a word: check.
missing=""
while IFS= read -r opt; do
	grep -qx "$opt" "$src/.config" || missing="$missing ${opt%%=*}"
done <<<"$fragment"
[ -z "$missing" ] || die "olddefconfig did not keep:$missing (see the dependencies in $src)"
kmake -j"${SETTLE_JOBS:-2}" modules_prepare >"$tmp/modules_prepare.log" 2>&1 || {
	tail -n 40 "$tmp/modules_prepare.log" >&2; die "modules_prepare failed (log: $tmp/modules_prepare.log)"; }
log "modules_prepare done at $((SECONDS - start)) s"

# Module.symvers.  Debian's lists every export of the kernel it built from
# this source; what the Tegra options add is found by compiling only the
# directories whose Makefiles name an option olddefconfig turned on that
# Debian's config has off.  genksyms leaves each export's CRC in its
# object's .cmd file ("#SYMVER name crc"), and the ksymtab section name
# says whether the export is GPL-only.  All of them are built in (=y).
dpkg-deb --fsys-tarfile "$hdrdeb" | tar -xO --wildcards './usr/src/linux-headers-*-arm64/Module.symvers' \
	>"$src/Module.symvers" || die "no Module.symvers in $hdrdeb"
added=$(comm -13 <(printf '%s\n' "$baseconfig" | grep -E '^CONFIG_[A-Z0-9_]+=[ym]$' | sort) \
	<(grep -E '^CONFIG_[A-Z0-9_]+=[ym]$' "$src/.config" | sort))
if printf '%s\n' "$added" | grep -q '=m$'; then
	die "the Tegra options turned on modules ($(printf '%s\n' "$added" | grep '=m$' | tr '\n' ' '));" \
		"their exports would not be in vmlinux: teach this script their module names"
fi
re=$(printf '%s\n' "$added" | sed 's/=.*//' | paste -sd'|')
dirs=$(cd "$src" && find . -name Makefile -not -path './tools/*' -not -path '*/boot/dts/*' \
	-not -path './Documentation/*' -not -path './scripts/*' -print0 |
	xargs -0 grep -lE "\\(($re)\\)" | sed 's|^\./||; s|/Makefile$|/|' | sort -u)
[ -n "$dirs" ] || die "no Makefile names any of the added options: $re"
log "compiling for their exports:" $dirs
# shellcheck disable=SC2086
kmake -j"${SETTLE_JOBS:-2}" $dirs >"$tmp/exports.log" 2>&1 || {
	tail -n 40 "$tmp/exports.log" >&2; die "compiling $dirs failed (log: $tmp/exports.log)"; }
n=0
while IFS= read -r cmd; do
	obj=$(dirname "$cmd")/$(basename "$cmd" .cmd)
	obj=${obj%/.*}/${obj##*/.}
	gpl=$("${cross}objdump" -h "$obj" | awk '$2 ~ /^___ksymtab_gpl\+/ { sub(/^___ksymtab_gpl\+/, "", $2); print $2 }')
	while read -r _ sym crc; do
		grep -qP "^0x[0-9a-f]+\t\Q$sym\E\t" "$src/Module.symvers" && continue
		type=EXPORT_SYMBOL
		printf '%s\n' "$gpl" | grep -qx "$sym" && type=EXPORT_SYMBOL_GPL
		printf '%s\t%s\tvmlinux\t%s\t\n' "$crc" "$sym" "$type" >>"$src/Module.symvers"
		n=$((n + 1))
	done < <(grep '^#SYMVER ' "$cmd")
done < <(cd "$src" && for d in $dirs; do grep -rl --include='*.o.cmd' '^#SYMVER ' "$d" || true; done | sed "s|^|$src/|")
[ $n -gt 0 ] || die "the Tegra options added no exports to Module.symvers; tegra_bpmp_* should be there"
grep -qP '\ttegra_bpmp_transfer\t' "$src/Module.symvers" || die "tegra_bpmp_transfer is not in Module.symvers"
log "Module.symvers: Debian's plus $n Tegra exports"
mv "$src" "$tree"
mv "$tmp"/*.log "$tree/"
rm -rf "$tmp"
touch "$tree/.ready"
log "prepared in $((SECONDS - start)) s"
# Each tree is 1.5 GB.  One made from another upload or config and unused
# for a day is stale (Debian's mirror keeps only the newest 6.1 upload).
find "$cache/tegra" -mindepth 1 -maxdepth 1 -type d -name 'tegra234-*' ! -name "${tree##*/}" \
	-mtime +1 -exec rm -rf {} + 2>/dev/null || true
echo "$tree"
