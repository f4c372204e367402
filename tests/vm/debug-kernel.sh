#!/usr/bin/env bash
# A debug guest kernel for the VM suite (make test-debug): Debian 12's own
# 6.1 source (linux-source-6.1, unpacked, never installed), built for
# x86_64 from x86_64_defconfig plus tests/vm/debug.config: lockdep
# (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP, KASAN and the cpufreq, devfreq,
# clk, tracing, kprobe and BPF options settle uses.
#
# usage: tests/vm/debug-kernel.sh   (prints the built tree's path)
#   The tree is built once and cached outside the work tree, in
#   ${SETTLE_CACHE:-$HOME/.cache/settle}/debug-kernel-VERSION-HASH, keyed by
#   the source version and a hash of debug.config's settings: changing one
#   or a new linux-source upload builds a new tree.  The tree is what
#   `tests/vm/run.sh --kdir TREE` boots: arch/x86/boot/bzImage, the
#   modules the guest scripts insmod, and what out-of-tree module builds
#   need (object files are deleted; about 20 min here, see
#   Documentation/testbed.rst).  SETTLE_JOBS sets make -j (default 2).
set -euo pipefail
# The build takes many minutes: the braces make bash read the whole script
# first, so a checkout that changes it meanwhile cannot derail this run.
{
here=$(cd "$(dirname "$0")" && pwd)
cache=$here/.cache
fragment=$here/debug.config
store=${SETTLE_CACHE:-$HOME/.cache/settle}
log() { echo "debug-kernel: $*" >&2; }
die() { echo "debug-kernel: $*" >&2; exit 1; }
. "$here/linux-source.sh"
# Bump when the way the tree is made changes, so old caches are not reused.
recipe=1

case ${1:-} in
-h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
"") ;;
*) die "unknown argument $1 (see --help)" ;;
esac
[ "$(uname -m)" = x86_64 ] || die "builds an x86_64 kernel with the host's gcc: run it on an x86_64 host"
for t in gcc make flex bison bc xz perl; do
	command -v "$t" >/dev/null || die "no $t, which the kernel build needs (make deps)"
done
[ -f /usr/include/libelf.h ] || die "no libelf.h (objtool needs libelf-dev)"
[ -f /usr/include/openssl/ssl.h ] || die "no openssl/ssl.h (the kernel's sign-file needs libssl-dev)"

# The source: the same apt-fetch cache as tegra-kdir.sh's.
srcdeb=$("$here/apt-fetch.sh" "$cache" "$(dpkg --print-architecture)" bookworm linux-source-6.1)
srcver=$(dpkg-deb -f "$srcdeb" Version)
# The key hashes the fragment's settings, not its comments.
key=$( { echo "$recipe"; grep -E '^(CONFIG_|# CONFIG_.* is not set)' "$fragment"; } | sha256sum | cut -c1-12)
tree=$store/debug-kernel-$srcver-$key
if [ -f "$tree/.ready" ]; then
	echo "$tree"
	exit 0
fi

mkdir -p "$store"
tree_lock "$tree"
log "building a debug kernel from linux-source $srcver (once; cached as $tree)"
start=$SECONDS
tmp=$tree.tmp
rm -rf "$tree"
src=$(source_unpack "$srcdeb" "$tmp")
[ -f "$src/arch/x86/Kconfig" ] || die "the unpacked source has no arch/x86"
log "unpacked in $((SECONDS - start)) s"

kmake() { make -C "$src" ARCH=x86_64 "$@"; }
kmake -s x86_64_defconfig >"$tmp/config.log" 2>&1 || { cat "$tmp/config.log" >&2; die "defconfig failed"; }
(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$fragment") >>"$tmp/config.log" 2>&1 ||
	{ cat "$tmp/config.log" >&2; die "merge_config.sh failed"; }
kmake -s olddefconfig >>"$tmp/config.log" 2>&1 || { cat "$tmp/config.log" >&2; die "olddefconfig failed"; }
# olddefconfig drops what Kconfig will not allow without a word: check
# that every option the fragment turns on is on, as asked.
missing=""
while IFS= read -r line; do
	case $line in CONFIG_*=*) ;; *) continue ;; esac
	grep -qxF "$line" "$src/.config" ||
		missing="$missing ${line%%=*} (wanted ${line#*=}, got $(grep -E "^(# )?${line%%=*}[= ]" "$src/.config" || echo absent))"
done <"$fragment"
[ -z "$missing" ] || die "the kernel config did not keep:$missing; see their dependencies in $src"
log "config checked: every option of ${fragment##*/} is set"

jobs=${SETTLE_JOBS:-2}
log "building (make -j$jobs, log: $tmp/build.log)"
bstart=$SECONDS
kmake -j"$jobs" bzImage modules >"$tmp/build.log" 2>&1 || {
	tail -n 40 "$tmp/build.log" >&2; die "kernel build failed (log: $tmp/build.log)"; }
log "built in $((SECONDS - bstart)) s"
rel=$(kmake -s kernelrelease)
# Out-of-tree builds need the generated headers, scripts/, Module.symvers
# and objtool, not the objects (1 GB and more under KASAN).
find "$src" -name '*.o' -not -path "$src/scripts/*" -not -path "$src/tools/*" -delete
echo "$rel" >"$src/release"
mv "$src" "$tree"
mv "$tmp"/*.log "$tree/"
rm -rf "$tmp"
touch "$tree/.ready"
log "$rel ready in $((SECONDS - start)) s"
# Old trees (another upload or fragment) unused for two days go.
find "$store" -mindepth 1 -maxdepth 1 -type d -name 'debug-kernel-*' ! -name "${tree##*/}" \
	-mtime +2 -exec rm -rf {} + 2>/dev/null || true
echo "$tree"
exit 0
}
