# Sourced by tegra-kdir.sh and debug-kernel.sh, which each make a kernel
# tree once from Debian's linux-source-6.1 and cache it (TREE/.ready marks
# a finished one).  They define die().

# tree_lock TREE: wait while another checkout makes TREE; if that one
# finished it, print TREE and exit.
tree_lock() {
	exec 9>"$1.lock"
	flock 9
	if [ -f "$1/.ready" ]; then
		echo "$1"
		exit 0
	fi
}

# source_unpack SRCDEB DIR: empty DIR and unpack SRCDEB's source tarball in
# it, whole (Kconfig reads other architectures' and Documentation's Kconfig
# files, and pruning saves little next to a build).  Prints the source
# directory.
source_unpack() {
	local tarball
	rm -rf "$2" && mkdir -p "$2/deb"
	dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2/deb" --wildcards './usr/src/linux-source-6.1.tar.*'
	tarball=$(ls "$2"/deb/usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1)
	[ -n "$tarball" ] || die "no source tarball in $1"
	tar -xf "$tarball" -C "$2"
	rm -rf "$2/deb"
	echo "$2/linux-source-6.1"
}
