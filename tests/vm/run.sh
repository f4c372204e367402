#!/usr/bin/env bash
# VM test bed: boot a real Debian kernel under qemu TCG with a busybox
# initramfs holding settle.ko, the simulated board and `settle`, run guest
# scripts, and bring their results back over the console.
#
# usage: tests/vm/run.sh [--arch x86_64|arm64] [--kernel 6.1] [--timeout S]
#                        [--clock virtual|real] [--out DIR] [--smp N]
#                        [--no-user] SCRIPT...
#        tests/vm/run.sh --build-only [--arch A] [--kernel K] [--kdir DIR]
#   --build-only builds settle.ko and settle_sim.ko against the kernel's
#   headers and stops: a compile test (tools/check-kbuild.sh runs the
#   matrix).  --kdir builds against a prepared kernel tree instead of
#   Debian's headers (tests/vm/tegra-kdir.sh makes one), and boots it when
#   it is a built one (tests/vm/debug-kernel.sh).  --src DIR builds
#   DIR's Kbuild, kmod/ and tests/sim/ instead of this checkout's.
#   --clock virtual (the default) runs the guest on qemu's instruction
#   counter (-icount shift=0,sleep=off: 1 ns per instruction, idle time
#   skipped); x86_64 then runs Debian's qemu 10 from bookworm-backports,
#   unpacked into the cache, arm64 bookworm's 7.2.  --clock real runs on
#   the host's wall clock (7.2).
#   Guest scripts see the choice as SETTLE_CLOCK, and SETTLE_GUEST_X=V as X=V.
#   SETTLE_APPEND adds kernel arguments (e.g. rcupdate.rcu_cpu_stall_timeout=3
#   to see a stall sooner).  See Documentation/testbed.rst.
#   SCRIPT is a file in tests/vm/guest/ (e.g. t-stall.sh).  Files the guest
#   emits land in DIR (default tests/vm/out/ARCH-KERNEL).  Exit status is 0
#   only when the guest booted, ran every script and reported no failure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
arch=x86_64 kver=6.1 timeout_s=600 out="" smp="" with_user=1 build_only=0
kdir_opt="" src=$top
clock=${SETTLE_CLOCK:-}
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=$2; shift 2 ;;
	--kernel) kver=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--clock) clock=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--no-user) with_user=0; shift ;;
	--build-only) build_only=1; shift ;;
	--kdir) kdir_opt=$(cd "$2" && pwd); shift 2 ;;
	--src) src=$(cd "$2" && pwd); shift 2 ;;
	-h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || [ $build_only = 1 ] || { echo "run.sh: name at least one guest script" >&2; exit 2; }
for s in "$@"; do
	[ -f "$here/guest/$s" ] || { echo "run.sh: no guest script tests/vm/guest/$s" >&2; exit 2; }
done

case $arch in
x86_64) debarch=amd64 karch=x86_64 cross="" console=ttyS0
	# TCG's HPET is MMIO under qemu's global lock: every clock read of one
	# vCPU would then wait for the other, and a probe on one CPU would slow
	# down whenever the sampler runs on another.  The TSC is read without
	# it.  An Intel family 6 model (TCG has no invtsc bit) gives the guest
	# constant_tsc, so Linux keeps the TSC across cpufreq changes.
	extra="tsc=reliable clocksource=tsc"
	qemu=(qemu-system-x86_64 -accel tcg -cpu max,vendor=GenuineIntel,family=6,model=85) ;;
arm64) debarch=arm64 karch=arm64 cross=aarch64-linux-gnu- console=ttyAMA0 extra=""
	qemu=(qemu-system-aarch64 -accel tcg -M virt -cpu cortex-a57) ;;
*) echo "run.sh: unknown arch '$arch' (x86_64, arm64)" >&2; exit 2 ;;
esac
# Virtual time: guest nanoseconds are executed instructions, so timing is
# exact and repeatable in guest time, whatever the host's load.  sleep=off
# skips idle time instead of waiting for the host clock.
# SETTLE_ICOUNT_EXTRA appends icount suboptions (record/replay, see
# Documentation/testbed.rst).
# Virtual time gets a third vCPU for settle's sampler (guest/lib.sh).
clock=${clock:-virtual}
case $clock in
virtual) qemu+=(-icount "shift=0,sleep=off${SETTLE_ICOUNT_EXTRA:-}") smp=${smp:-3} ;;
real) smp=${smp:-2} ;;
*) echo "run.sh: unknown clock '$clock' (virtual, real)" >&2; exit 2 ;;
esac
# 5.10 is JetPack 5's kernel line, 6.12 the newest Debian ships; 6.1 is
# the one the tests boot.
case $kver in
5.10) suite=bullseye ;;
6.1) suite=bookworm ;;
6.12) suite=bookworm-backports ;;
*) echo "run.sh: unknown kernel '$kver' (known: 5.10, 6.1, 6.12)" >&2; exit 2 ;;
esac

cache=$here/.cache
out=${out:-$here/out/$arch-$kver}
build=$top/build/$arch-$kver
log() { echo "vm[$arch-$kver]: $*" >&2; }

# 0. qemu.  bookworm's 7.2 stops an x86_64 SMP guest under -icount at "x86:
# Booting SMP configuration" (-smp 1 boots), so x86_64's virtual time runs
# Debian's qemu 10 from bookworm-backports: unpacked into the cache, never
# installed, on the libraries bookworm's own qemu pulls in (make deps).
# arm64 stays on 7.2, whose timing the tests' bounds were measured on
# (Documentation/testbed.rst).
if [ $build_only = 0 ] && [ "$clock" = virtual ] && [ "$arch" = x86_64 ]; then
	hostarch=$(dpkg --print-architecture)
	qdir=$cache/qemu-bpo-$hostarch
	if [ ! -f "$qdir/.ready" ]; then
		log "fetching qemu from bookworm-backports"
		debs=$("$here/apt-fetch.sh" "$cache" "$hostarch" bookworm-backports \
			qemu-system-x86 qemu-system-common qemu-system-data seabios)
		rm -rf "$qdir" && mkdir -p "$qdir"
		for d in $debs; do dpkg -x "$d" "$qdir"; done
		touch "$qdir/.ready"
	fi
	qemu=("$qdir/usr/bin/${qemu[0]}" -L "$qdir/usr/share/qemu" -L "$qdir/usr/share/seabios"
	      "${qemu[@]:1}")
	# Its own modules first: it loaded the host's 7.2 audio modules,
	# which failed ("Only modules from the same build can be loaded").
	# ui-opengl, which is not among the unpacked packages, still fails
	# that way, harmlessly, from the host's directory.
	for d in "$qdir"/usr/lib/*/qemu; do
		if [ -d "$d" ]; then export QEMU_MODULE_DIR=$d; fi
	done
fi

# 1. Kernel headers (and, to boot, the image), fetched once and reused.
# v2: the suite's own kbuild tools are unpacked beside the headers.
# fetch_kernel ABI: Debian's headers for ABI (say 6.1.0-50), and its image
# unless --build-only, unpacked into $kdir/root.
fetch_kernel() {
	local abi=$1 pkgs debs hostarch kbpkg kbdeb hdr common kbuild d
	pkgs="linux-headers-$abi-$debarch linux-headers-$abi-common"
	[ $build_only = 1 ] || pkgs="$pkgs $image"
	debs=$("$here/apt-fetch.sh" "$cache" "$debarch" "$suite" $pkgs)
	# The kbuild tools are host binaries of the same kernel version.
	hostarch=$(dpkg --print-architecture)
	kbpkg=$("$here/apt-fetch.sh" "$cache" "$debarch" "$suite" --depends \
		"linux-headers-$abi-$debarch" '^linux-kbuild-')
	[ -n "$kbpkg" ] || { echo "run.sh: no linux-kbuild dependency found" >&2; exit 1; }
	kbdeb=$("$here/apt-fetch.sh" "$cache" "$hostarch" "$suite" "$kbpkg")
	rm -rf "$kdir" && mkdir -p "$kdir/root" "$kdir/kbuild"
	for d in $debs; do dpkg -x "$d" "$kdir/root"; done
	dpkg -x "$kbdeb" "$kdir/kbuild"
	hdr=$(ls -d "$kdir"/root/usr/src/linux-headers-*-"$debarch" | head -n1)
	rel=${hdr##*/linux-headers-}
	common=$kdir/root/usr/src/linux-headers-$abi-common
	kbuild=$(ls -d "$kdir"/kbuild/usr/lib/linux-kbuild-* | head -n1)
	# The packages expect to live in /usr/src; point them at the copies here.
	echo "include $common/Makefile" > "$hdr/Makefile"
	for t in "$hdr" "$common"; do
		ln -sfn "$kbuild/scripts" "$t/scripts"
		ln -sfn "$kbuild/tools" "$t/tools"
	done
	echo "$rel" > "$kdir/release"
	[ $build_only = 1 ] || touch "$kdir/.image"
	touch "$kdir/.ready"
}
# resolve_image: sets image and abi to what Debian's metapackage names now.
resolve_image() {
	image=$("$here/apt-fetch.sh" "$cache" "$debarch" "$suite" --resolve "linux-image-$debarch")
	[ -n "$image" ] || { echo "run.sh: no linux-image-$debarch in $suite" >&2; exit 1; }
	abi=${image#linux-image-}
	abi=${abi%-"$debarch"}
	abi=${abi%-unsigned}
}
if [ -n "$kdir_opt" ]; then
	hdr=$kdir_opt
	rel=$(make -s -C "$hdr" kernelrelease 2>/dev/null) || { echo "run.sh: $hdr is no kernel tree" >&2; exit 1; }
	build=$top/build/$arch-kdir-${hdr##*/}
	# A built tree (tests/vm/debug-kernel.sh's) boots too: its image, and
	# its own modules where Debian's image has them.
	vmlinuz=$hdr/$(make -s -C "$hdr" ARCH="$karch" image_name 2>/dev/null || true) kmods=$hdr
	[ $build_only = 1 ] || [ -f "$vmlinuz" ] || {
		echo "run.sh: $hdr has no kernel image to boot (--kdir boots only a built tree)" >&2; exit 2; }
else
	kdir=$cache/kernels/v2-$debarch-$kver
	mkdir -p "$cache/kernels"
	# The cache is shared between checkouts: one fetches, the others wait.
	exec 8>"$kdir.lock"
	flock 8
	if [ ! -f "$kdir/.ready" ]; then
		log "fetching Debian $kver kernel for $debarch"
		resolve_image
		fetch_kernel "$abi"
	elif [ $build_only = 0 ] && [ ! -f "$kdir/.image" ]; then
		# Headers fetched by a compile test: add the image to them,
		# unless Debian has moved on to a newer ABI since, whose image
		# would not load modules built against the cached headers.
		resolve_image
		if [ "$abi-$debarch" = "$(cat "$kdir/release")" ]; then
			log "fetching Debian $kver image for $debarch"
			dpkg -x "$("$here/apt-fetch.sh" "$cache" "$debarch" "$suite" "$image")" "$kdir/root"
			touch "$kdir/.image"
		else
			log "Debian $kver moved to $abi: fetching its headers and image for $debarch"
			fetch_kernel "$abi"
		fi
	fi
	exec 8>&-
	rel=$(cat "$kdir/release")
	hdr=$kdir/root/usr/src/linux-headers-$rel
	vmlinuz=$kdir/root/boot/vmlinuz-$rel
	kmods=$kdir/root/lib/modules/$rel/kernel
fi

# arm64 userspace links libbpf statically from Debian's arm64 -dev packages,
# unpacked (never installed) into a sysroot.  Userspace does not depend on
# the kernel, so it always comes from bookworm, whichever kernel boots.
sysroot=""
if [ "$arch" != "$(uname -m)" ] && [ $build_only = 0 ]; then
	sysroot=$cache/sysroot-$debarch-bookworm
	if [ ! -f "$sysroot/.ready" ]; then
		log "preparing $debarch sysroot"
		debs=$("$here/apt-fetch.sh" "$cache" "$debarch" bookworm libbpf-dev libelf-dev zlib1g-dev libzstd-dev)
		rm -rf "$sysroot" && mkdir -p "$sysroot"
		for d in $debs; do dpkg -x "$d" "$sysroot"; done
		touch "$sysroot/.ready"
	fi
fi

# busybox comes from bookworm whichever kernel boots: bullseye's (1.30)
# has no base64 applet, which guest/lib.sh's emit_file needs.  It is
# static, so the suite does not matter otherwise.
if [ $build_only = 0 ]; then
	bbdir=$cache/busybox-$debarch-bookworm
	if [ ! -f "$bbdir/.ready" ]; then
		log "fetching busybox-static for $debarch"
		bbdeb=$("$here/apt-fetch.sh" "$cache" "$debarch" bookworm busybox-static)
		rm -rf "$bbdir" && mkdir -p "$bbdir"
		dpkg -x "$bbdeb" "$bbdir"
		touch "$bbdir/.ready"
	fi
fi

# 2. Build the modules and a static `settle` for this arch, out of tree so
# the two arches never share objects.
log "building modules against $rel"
rm -rf "$build/src" && mkdir -p "$build/src/tests"
cp -a "$src/Kbuild" "$src/kmod" "$build/src/"
cp -a "$src/tests/sim" "$build/src/tests/"
(cd "$build/src" && find . \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' \) -delete)
# Debian's headers name the compiler the kernel was built with (gcc-10 for
# 5.10); this machine's gcc builds modules for all of them.
make -s -C "$hdr" M="$build/src" ARCH="$karch" CROSS_COMPILE="$cross" CC="${cross}gcc" \
	modules >"$build/modules.log" 2>&1 || {
	cat "$build/modules.log" >&2; echo "run.sh: module build failed" >&2; exit 1; }
if [ $build_only = 1 ]; then
	# Warnings count: settle must build clean on every supported kernel.
	# Case-blind, so modpost's "WARNING:" lines (an undefined symbol, a
	# missing Module.symvers) count too.
	if grep -iE 'warning:' "$build/modules.log" >&2; then
		echo "run.sh: module build against $rel has warnings" >&2
		exit 1
	fi
	log "settle.ko and settle_sim.ko build against $rel"
	exit 0
fi
if [ $with_user = 1 ]; then
log "building settle (static)"
make -s -C "$top/user" OUT="$build/user" STATIC=1 CROSS_COMPILE="$cross" \
	${sysroot:+SYSROOT="$sysroot"} >"$build/user.log" 2>&1 || {
	cat "$build/user.log" >&2; echo "run.sh: settle build failed" >&2; exit 1; }
fi

for t in ctltest ctlfuzz benchw bpfhog; do
	"${cross}gcc" -static -O2 -Wall -Wextra -Werror -o "$build/$t" "$here/$t.c" || {
		echo "run.sh: $t build failed" >&2; exit 1; }
done

# 3. The initramfs.
ird=$build/initramfs
rm -rf "$ird" && mkdir -p "$ird"/{bin,sbin,proc,sys,dev,tmp,root,lib/settle,tests}
cp "$bbdir/bin/busybox" "$ird/bin/busybox"
for m in "$build/src/kmod/settle.ko" "$build/src/tests/sim/settle_sim.ko" "$build/src/tests/sim/kprobe_trivial.ko" \
	"$kmods/drivers/cpufreq/cpufreq_userspace.ko"* "$kmods/drivers/cpufreq/cpufreq_ondemand.ko"* \
	"$kmods/drivers/cpufreq/cpufreq_performance.ko"* \
	"$kmods/drivers/devfreq/governor_simpleondemand.ko"* "$kmods/drivers/devfreq/governor_userspace.ko"*; do
	[ -e "$m" ] || continue
	case $m in
	*.xz) xz -dc "$m" > "$ird/lib/settle/$(basename "${m%.xz}")" ;;
	*.zst) zstd -qdc "$m" > "$ird/lib/settle/$(basename "${m%.zst}")" ;;
	*) cp "$m" "$ird/lib/settle/" ;;
	esac
done
[ $with_user = 0 ] || cp "$build/user/settle" "$ird/bin/settle"
cp "$build/ctltest" "$build/ctlfuzz" "$build/benchw" "$build/bpfhog" "$ird/bin/"
cp "$top/tools/profiles/"*.profile "$ird/lib/settle/"
cp "$here/guest/"*.sh "$ird/tests/"
printf '%s\n' "$@" > "$ird/tests/list"
echo "SETTLE_CLOCK=$clock" > "$ird/tests/env"
# SETTLE_GUEST_X=V reaches guest scripts as X=V (say SETTLE_GUEST_STORM_CYCLES).
while IFS='=' read -r k v; do
	case $v in *"'"*) echo "run.sh: $k: no single quotes in guest variables" >&2; exit 2 ;; esac
	echo "${k#SETTLE_GUEST_}='$v'" >> "$ird/tests/env"
done < <(env | grep '^SETTLE_GUEST_[A-Za-z0-9_]*=' || true)
cat > "$ird/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t tmpfs tmp /tmp
# Keep printk off the console: it would interleave with emitted files.
echo 1 > /proc/sys/kernel/printk
echo "@@SETTLE-BOOTED $(uname -r) $(uname -m)"
cd /tests
for t in $(cat list); do
	echo "@@SETTLE-SCRIPT $t"
	sh "./$t" || echo "@@SETTLE-RESULT FAIL $t script exited with status $?"
done
. ./lib.sh
emit_text dmesg.txt dmesg
# The hrtimer core's hang counts, which collect.py prints for every run.
emit_text hrtimer-hangs.txt sh -c 'echo "uptime $(cut -d" " -f1 /proc/uptime)"; grep -E "^cpu: |nr_hangs" /proc/timer_list'
echo "@@SETTLE-DONE"
poweroff -f
INIT
chmod +x "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$build/initramfs.gz"

# 4. Boot, with a hard limit.  CPUs start under performance: schedutil
# would park the simulated board's idle CPUs at 115 MHz, where it steals
# 93 % of them, between settle_sim's load and the scripts' first write.
rm -rf "$out" && mkdir -p "$out"
log "booting ($clock clock, $("${qemu[0]}" --version | head -n1), timeout ${timeout_s}s): $*"
set +e
timeout --foreground -k 10 "$timeout_s" "${qemu[@]}" -m 1024 -smp "$smp" -nographic -no-reboot \
	-kernel "$vmlinuz" -initrd "$build/initramfs.gz" \
	-append "console=$console quiet panic=-1 oops=panic mitigations=off cpufreq.default_governor=performance $extra ${SETTLE_APPEND:-}" </dev/null >"$out/console.log" 2>&1
qrc=$?
set -e
[ $qrc -eq 124 ] && log "TIMEOUT after ${timeout_s}s"

# 5. Results back to the host.
python3 "$here/collect.py" "$out/console.log" "$out" --qemu-status "$qrc"
