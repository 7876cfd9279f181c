#!/usr/bin/env bash
# Extract the few Linux files pasidsim builds against or runs into DEST:
#   linux-src.sh DEST [KERNEL_TREE]
# From KERNEL_TREE (any 5.5-6.3 tree) if given, else from Debian's
# /usr/src/linux-source-6.1.tar.xz. Files are never copied into the repo.
set -euo pipefail
dest=$1
tree=${2:-}
members=(
	drivers/iommu/ioasid.c
	include/linux/ioasid.h
	include/linux/xarray.h
	include/linux/radix-tree.h
	include/linux/idr.h
	lib/xarray.c
	lib/radix-tree.c
	lib/idr.c
	lib/test_xarray.c
	lib/test_ida.c
	scripts/checkpatch.pl
	scripts/spelling.txt
	scripts/const_structs.checkpatch
	scripts/kernel-doc
)
mkdir -p "$dest"
if [ -n "$tree" ]; then
	for m in "${members[@]}"; do
		[ -f "$tree/$m" ] || { echo "linux-src: $tree/$m: missing" >&2; exit 1; }
		mkdir -p "$dest/$(dirname "$m")"
		cp "$tree/$m" "$dest/$m"
	done
else
	tarball=/usr/src/linux-source-6.1.tar.xz
	[ -f "$tarball" ] || { echo "linux-src: $tarball: missing (run scripts/setup.sh)" >&2; exit 1; }
	tmp=$(mktemp -d "$dest/.x.XXXXXX")
	tar -xJf "$tarball" -C "$tmp" "${members[@]/#/linux-source-6.1/}"
	cp -r "$tmp/linux-source-6.1/." "$dest/"
	rm -rf "$tmp"
fi
# The header alone on an include path, so it can shadow core/include.
mkdir -p "$dest/ioasid-include/linux"
cp "$dest/include/linux/ioasid.h" "$dest/ioasid-include/linux/ioasid.h"
# The XArray, radix tree and IDR headers, the simulated kernel's own.
mkdir -p "$dest/lib-include/linux"
for h in xarray radix-tree idr; do
	cp "$dest/include/linux/$h.h" "$dest/lib-include/linux/$h.h"
done
touch "$dest/.stamp" "$dest/.stamp-2"
echo "linux-src: extracted into $dest"
