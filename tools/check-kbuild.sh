#!/usr/bin/env bash
# Kernel matrix: build settle.ko (top-level Kbuild -> kmod/) and
# tests/sim/settle_sim.ko against every kernel line settle supports, with
# warnings as errors, and print one table: kernel x arch x OK/FAIL.
#
# usage: tools/check-kbuild.sh [--src DIR] [--arch A]... [--only ROW]...
#   Rows: Debian 5.10 (bullseye), 6.1 (bookworm) and 6.12
#   (bookworm-backports) on x86_64 and arm64, from Debian's headers
#   (tests/vm/run.sh --build-only), and tegra234 6.1 arm64: Debian's 6.1
#   source with ARCH_TEGRA_234_SOC and TEGRA_BPMP on (tests/vm/tegra-kdir.sh),
#   the only row that compiles code behind CONFIG_TEGRA_BPMP.
#   --src DIR   build DIR's Kbuild, kmod/ and tests/sim/ (default: this tree)
#   --arch A    only A's rows (x86_64, arm64); --only ROW: only ROW, e.g.
#               6.12-arm64 or tegra234-6.1-arm64
#   The tegra234 tree is prepared once (about 1.5 min here) and cached.
#   Exit status 0 only when every row is OK.  Each row's log is in
#   build/check-kbuild/ROW.log.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top only=() arches=()
while [ $# -gt 0 ]; do
	case $1 in
	--src) src=$(cd "$2" && pwd); shift 2 ;;
	--only) only+=("$2"); shift 2 ;;
	--arch) arches+=("$2"); shift 2 ;;
	-h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "check-kbuild: unknown argument $1" >&2; exit 2 ;;
	esac
done
logs=$top/build/check-kbuild
mkdir -p "$logs"

rows=()
for k in 5.10 6.1 6.12; do
	for a in x86_64 arm64; do rows+=("$k-$a"); done
done
rows+=(tegra234-6.1-arm64)
if [ ${#only[@]} -gt 0 ]; then
	for r in "${only[@]}"; do
		[[ " ${rows[*]} " == *" $r "* ]] || { echo "check-kbuild: no row $r (rows: ${rows[*]})" >&2; exit 2; }
	done
	rows=("${only[@]}")
fi
if [ ${#arches[@]} -gt 0 ]; then
	keep=()
	for r in "${rows[@]}"; do
		[[ " ${arches[*]} " == *" ${r##*-} "* ]] && keep+=("$r")
	done
	[ ${#keep[@]} -gt 0 ] || { echo "check-kbuild: no rows for arch ${arches[*]} (x86_64, arm64)" >&2; exit 2; }
	rows=("${keep[@]}")
fi

declare -A result
failed=0
for row in "${rows[@]}"; do
	log=$logs/$row.log
	start=$SECONDS
	case $row in
	tegra234-6.1-arm64)
		if tree=$("$top/tests/vm/tegra-kdir.sh" 2>"$log") &&
			"$top/tests/vm/run.sh" --build-only --arch arm64 --kdir "$tree" --src "$src" >>"$log" 2>&1; then
			ok=1
		else
			ok=0
		fi ;;
	*)
		if "$top/tests/vm/run.sh" --build-only --arch "${row#*-}" --kernel "${row%%-*}" --src "$src" >"$log" 2>&1; then
			ok=1
		else
			ok=0
		fi ;;
	esac
	if [ $ok = 1 ]; then
		echo "PASS: kbuild-$row settle.ko and settle_sim.ko, no warnings ($((SECONDS - start)) s)"
		result[$row]=OK
	else
		echo "FAIL: kbuild-$row (log: ${log#"$top"/})"
		result[$row]="FAIL  log: ${log#"$top"/}"
		failed=$((failed + 1))
	fi
done

name() {	# the kernel column
	case $1 in
	5.10-*) echo "5.10 (bullseye)" ;;
	6.1-*) echo "6.1 (bookworm)" ;;
	6.12-*) echo "6.12 (bookworm-backports)" ;;
	tegra234-6.1-*) echo "tegra234 6.1 (bookworm src)" ;;
	esac
}
echo
printf '%-28s %-7s %s\n' kernel arch result
for row in "${rows[@]}"; do
	printf '%-28s %-7s %s\n' "$(name "$row")" "${row##*-}" "${result[$row]}"
done
[ $failed -eq 0 ] || { echo "check-kbuild: $failed of ${#rows[@]} rows failed" >&2; exit 1; }
