#!/usr/bin/env bash
# Download Debian packages for another architecture or suite without touching
# the machine's own apt state: a private apt root per (arch, suite) lives in the
# cache.  The mirror URI is copied from the machine's own apt sources, so the
# repository never names a registry host.
#
# usage: apt-fetch.sh CACHE DEBARCH SUITE PKG...   (prints the .deb paths)
#        apt-fetch.sh CACHE DEBARCH SUITE --resolve NAME  (prints the package a
#        metapackage such as linux-image-arm64 depends on)
#        apt-fetch.sh CACHE DEBARCH SUITE --depends NAME REGEX  (the first
#        dependency of NAME matching REGEX)
#
# APT_FETCH_COMPONENTS="main non-free" reads other archive components (the
# CUDA toolkits are in non-free); such a set gets its own apt root, so the
# main-only roots other scripts share are never re-pointed under them.
set -euo pipefail
# Absolute: apt-get update given relative Dir:: paths fetches nothing and
# still exits 0.
mkdir -p "$1"
cache=$(cd "$1" && pwd) arch=$2 suite=$3
shift 3

mirror_uri() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { if ($i !~ /security/) print $i; break } }' "$f" | head -n1)
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	echo "apt-fetch: no Debian mirror found in /etc/apt sources" >&2
	exit 1
}

components=${APT_FETCH_COMPONENTS:-main}
root="$cache/apt/$arch-$suite"
[ "$components" = main ] || root="$root-$(tr ' ' '+' <<<"$components")"
mkdir -p "$root/lists/partial" "$root/archives/partial" "$root/debs"
# An empty dpkg status: what this machine has installed (say a newer
# linux-kbuild from bookworm-updates) must not become the candidate.
[ -f "$root/status" ] || : > "$root/status"
opts=(-o "Dir::Etc::SourceList=$root/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
      -o "Dir::State::Lists=$root/lists" -o "Dir::Cache=$root"
      -o "Dir::Cache::archives=$root/archives" -o "Dir::State::status=$root/status"
      -o "APT::Architecture=$arch"
      -o "APT::Architectures::=$arch" -o "Acquire::Languages=none" -o "APT::Sandbox::User=root" -q)

# Lists younger than a day are reused so repeated runs do not hit the mirror.
if [ ! -f "$root/sources.list" ] || [ -z "$(find "$root/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 | head -n1)" ]; then
	echo "deb [arch=$arch] $(mirror_uri) $suite $components" > "$root/sources.list"
	apt-get "${opts[@]}" update >&2
fi

if [ "${1:-}" = "--resolve" ]; then
	apt-cache "${opts[@]}" depends "$2" | awk '/Depends:/ { print $2; exit }'
	exit 0
fi
# --depends PKG REGEX: the first dependency of PKG whose name matches.
if [ "${1:-}" = "--depends" ]; then
	apt-cache "${opts[@]}" depends "$2" | awk -v re="$3" '/Depends:/ && $2 ~ re { print $2; exit }'
	exit 0
fi

for pkg in "$@"; do
	ver=$(apt-cache "${opts[@]}" policy "$pkg" | awk '/Candidate:/ { print $2 }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || { echo "apt-fetch: $pkg not found in $suite/$arch" >&2; exit 1; }
	# The candidate's own file (apt writes an epoch's colon as %3a): a
	# cached older version, left from before the lists moved on, would
	# otherwise be unpacked beside its newer siblings.
	deb=$root/debs/${pkg}_${ver//:/%3a}_
	deb=$(ls "$deb"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		rm -f "$root/debs/${pkg}_"*.deb
		(cd "$root/debs" && apt-get "${opts[@]}" download "$pkg=$ver" >&2)
		deb=$(ls "$root/debs/${pkg}_${ver//:/%3a}_"*.deb | head -n1)
	fi
	echo "$deb"
done
