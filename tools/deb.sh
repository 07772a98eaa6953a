#!/bin/sh
# tools/deb.sh OUTDIR — `make deb`: build herd's Debian package from this
# tree, results (.deb, .dsc, source tarball, .buildinfo, .changes) in
# OUTDIR.  dpkg-buildpackage writes into the parent of the tree it builds,
# so it builds a copy, OUTDIR/herd-VERSION: the files git knows (tracked,
# and untracked ones not ignored), or everything but build/ and .git
# outside git.  The version comes from common/version.h alone: the copy
# gets a debian/changelog written here (the tree has none to drift).
# Does not run the test suite (DEB_BUILD_OPTIONS=nocheck; it needs root,
# namespaces and libvirtd): tests/integration/70-deb.sh checks the package.
set -eu
out=${1:?usage: tools/deb.sh OUTDIR}
cd "$(dirname "$0")/.."
top=$(pwd)

version=$(sed -n 's/^#define HERD_VERSION "\(.*\)"$/\1/p' common/version.h)
[ -n "$version" ] || { echo "deb: no HERD_VERSION in common/version.h" >&2; exit 1; }
maint=$(sed -n 's/^Maintainer: //p' debian/control)
[ -n "$maint" ] || { echo "deb: no Maintainer in debian/control" >&2; exit 1; }
for t in dpkg-buildpackage dh fakeroot; do
	command -v "$t" >/dev/null ||
	    { echo "deb: missing $t (make deps installs debhelper, dpkg-dev, fakeroot)" >&2; exit 1; }
done

src=$out/herd-$version
rm -rf "$out"
mkdir -p "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Only files that exist: a tracked file deleted in the tree stays out.
	git ls-files -z --cached --others --exclude-standard |
	    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done; exit 0' sh |
	    tar --null -T - -cf - | tar -xf - -C "$src"
	rev=$(git describe --always --dirty 2>/dev/null || echo unknown)
	epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
else
	tar -cf - --exclude=./build --exclude=./.git . | tar -xf - -C "$src"
	rev="a tree outside git"
	epoch=${SOURCE_DATE_EPOCH:-$(date +%s)}
fi

cat >"$src/debian/changelog" <<CHANGELOG
herd ($version) unstable; urgency=medium

  * herd $version, packaged by make deb from $rev.

 -- $maint  $(LC_ALL=C date -u -R -d "@$epoch")
CHANGELOG

# -us -uc: unsigned; -J: as many jobs as CPUs unless DEB_BUILD_OPTIONS
# says otherwise.
cd "$src"
DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -us -uc -Jauto
cd "$top"
echo "deb: $(ls "$out"/herd_"$version"_*.deb)"
