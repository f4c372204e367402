#!/usr/bin/env bash
# Install the Debian packages settle needs to build, test and run its VM
# test bed.  Idempotent: when everything is present it only asks dpkg.
set -euo pipefail

pkgs=(
	# build
	make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
	libzstd-dev
	# arm64 cross builds (userspace and modules)
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	# out-of-tree module builds against unpacked Debian headers
	linux-kbuild-6.1 kmod
	# module BTF step of 6.12 headers
	dwarves
	# the Tegra234 kernel tree of `make check-kbuild` (kconfig, prepare)
	flex bison bc libssl-dev
	# unit tests and trace checks; clang's libFuzzer and sanitizer runtimes
	libcmocka-dev babeltrace2 python3 libclang-rt-dev
	# export and plot checks: Perfetto schema decode, pandas, gnuplot
	protobuf-compiler python3-pandas python3-jsonschema gnuplot-nox
	# Documentation/*.rst parse check (tools/check-docs.sh)
	python3-docutils
	# make bench: peak RSS
	time
	# packaging: dkms.conf is built with Debian's dkms
	dkms
	# VM test bed
	qemu-system-x86 qemu-system-arm cpio gzip xz-utils zstd
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run 'make deps' as root, or install them with apt-get" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
