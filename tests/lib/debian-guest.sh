#!/bin/sh
# Build the Debian 12 test guest with cloud-init, offline from Debian's
# archive (DESIGN.md section 6): debootstrap --variant=minbase, a whole-disk
# ext4 root (no partition table, no boot loader: boot it with the kernel and
# initrd beside it and root=/dev/vda), compressed qcow2.
#
#	eval "$(sh tests/lib/debian-guest.sh)"
#
# prints, as shell assignments:
#	DEBIAN_DISK=.../disk.qcow2	the base image (about 1.2 GiB virtual)
#	DEBIAN_KERNEL=.../vmlinuz
#	DEBIAN_INITRD=.../initrd.img
#	DEBIAN_CMDLINE='root=/dev/vda console=ttyS0'
#	DEBIAN_READY='Cloud-init v. '	the start of cloud-init's final
#				serial line, "Cloud-init v. 22.4.2 finished at ..."
#
# Cached in ${HERD_TEST_CACHE:-/var/cache/herd-test}/debian12-KEY (KEY: a
# hash of this script), so it is rebuilt only when the recipe changes; the
# debootstrapped root (debian12-rootfs-KEY.tar.zst, keyed by the package
# list and the debootstrap step only) and the downloaded .debs
# (debootstrap-debs/) are kept for rebuilds.  A first build takes several
# minutes; a rebuild after a change below debootstrap, about one.  Exit 77 when this machine cannot build it (not
# root, no debootstrap), 1 on failure.
#
# Mirror: the one apt uses here for bookworm main (HERD_DEBIAN_MIRROR
# overrides).  The packages are downloaded by debootstrap's first stage; the
# second stage, which runs the packages' maintainer scripts, runs in a
# network namespace of its own with no interface up, so nothing a package
# starts can listen on or send to the host's network.
#
# Fixes over plain debootstrap, for cloud-init to work: /etc/fstab mounts
# /dev/vda on / (no fsck: every VM starts from a fresh clone); /etc/network/interfaces sources interfaces.d/* (where
# cloud-init writes the seed's network-config); cloud-init only looks for
# NoCloud (no network metadata services); no SSH host keys, no machine-id,
# no hostname baked in (each VM makes its own); e2fsprogs so cloud-init can
# grow the file system to the disk's size; the en_US.UTF-8 locale that
# cloud-init's locale module sets; dhclient retrying every few seconds.
set -u

pkgs="systemd-sysv,udev,cloud-init,python3-cffi-backend,openssh-server"
pkgs="$pkgs,linux-image-cloud-amd64,ifupdown,isc-dhcp-client,netbase"
pkgs="$pkgs,iproute2,sudo,locales,e2fsprogs"
suite=bookworm

cache=${HERD_TEST_CACHE:-/var/cache/herd-test}
self=$0
[ -f "$self" ] || { echo "debian-guest: run it as a file" >&2; exit 1; }
key=$(sha256sum "$self" | cut -c1-16)
out="$cache/debian12-$key"

print_paths() {
	echo "DEBIAN_DISK=$out/disk.qcow2"
	echo "DEBIAN_KERNEL=$out/vmlinuz"
	echo "DEBIAN_INITRD=$out/initrd.img"
	echo "DEBIAN_CMDLINE='root=/dev/vda console=ttyS0'"
	echo "DEBIAN_READY='Cloud-init v. '"
}

if [ -f "$out/done" ]; then
	print_paths
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "debian-guest: needs root (debootstrap)" >&2
	exit 77
fi
for t in debootstrap unshare chroot mkfs.ext4 qemu-img flock timeout zstd tar; do
	command -v "$t" >/dev/null 2>&1 ||
	    { echo "debian-guest: missing $t (make deps)" >&2; exit 77; }
done

mirror=${HERD_DEBIAN_MIRROR:-$(apt-get indextargets \
    --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 2>/dev/null |
    awk -v s="$suite" '$2 == s && $3 == "main" { print $1; exit }')}
[ -n "$mirror" ] || {
	echo "debian-guest: no $suite mirror in apt's sources (set HERD_DEBIAN_MIRROR)" >&2
	exit 77
}

mkdir -p "$cache/debootstrap-debs" || exit 1
exec 9>"$cache/debian12.lock"
flock -w 3600 9 || { echo "debian-guest: lock timeout" >&2; exit 1; }
if [ -f "$out/done" ]; then
	print_paths
	exit 0
fi

work=$(mktemp -d "$cache/debian12-build.XXXXXX") || exit 1
root=$work/root

# Kill anything still running inside the new root, undo any mount below the
# work dir (debootstrap mounts proc and sys), then remove it.  rm never runs
# while something is mounted there.
cleanup() {
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] &&
		    kill -KILL "${p#/proc/}" 2>/dev/null
	done
	awk -v w="$work" 'index($2, w "/") == 1 { print $2 }' /proc/mounts |
	    sort -r | while read -r m; do umount -l "$m"; done
	if awk -v w="$work" 'index($2, w "/") == 1 { f = 1 } END { exit !f }' \
	    /proc/mounts; then
		echo "debian-guest: $work still has mounts; not removing it" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

started=$(date +%s)
log=$work/build.log
echo "debian-guest: building in $work from $mirror (log: $log)" >&2

# The root file system as debootstrap leaves it is cached on its own (a
# tarball keyed by the text of the block below and the package list), so a
# change to the configuration after it rebuilds the image in a minute
# instead of re-running debootstrap.
rootfs_key=$( (echo "$pkgs $suite"
    sed -n '/^# >>> rootfs recipe/,/^# <<< rootfs recipe/p' "$self") |
    sha256sum | cut -c1-16)
rootfs="$cache/debian12-rootfs-$rootfs_key.tar.zst"
mkdir -p "$root" || exit 1
if [ -f "$rootfs" ]; then
	zstd -q -dc "$rootfs" | tar -C "$root" --numeric-owner --xattrs \
	    --xattrs-include='*' -xpf - ||
	    { echo "debian-guest: cannot unpack $rootfs" >&2; exit 1; }
else
# >>> rootfs recipe
# Stage 1 downloads and unpacks; stage 2 configures, offline and isolated.
timeout 1800 debootstrap --variant=minbase --foreign --merged-usr \
    --include="$pkgs" --cache-dir="$cache/debootstrap-debs" \
    "$suite" "$root" "$mirror" >>"$log" 2>&1 ||
    { tail -n 20 "$log" >&2; echo "debian-guest: debootstrap stage 1 failed" >&2; exit 1; }
timeout 2400 unshare --net --fork --pid --mount-proc \
    chroot "$root" /debootstrap/debootstrap --second-stage >>"$log" 2>&1 ||
    { tail -n 20 "$log" >&2; echo "debian-guest: debootstrap stage 2 failed" >&2; exit 1; }
rm -rf "$root/debootstrap" "$root"/var/cache/apt/archives/*.deb
# <<< rootfs recipe
	tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' -cf - . |
	    zstd -q -T0 -3 -o "$work/rootfs.tar.zst" &&
	    mv "$work/rootfs.tar.zst" "$rootfs" ||
	    { echo "debian-guest: cannot save $rootfs" >&2; exit 1; }
	# Only the current root file system is worth keeping.
	for f in "$cache"/debian12-rootfs-*.tar.zst; do
		[ "$f" = "$rootfs" ] || rm -f "$f"
	done
fi

# cloud-init's locale module (default en_US.UTF-8) runs update-locale,
# which refuses a locale that was never generated, and Debian's locale-gen
# ignores the name cloud-init passes it: generate it here, and make it the
# system default so cloud-init has nothing to regenerate.
echo 'en_US.UTF-8 UTF-8' >"$root/etc/locale.gen" &&
    echo 'LANG=en_US.UTF-8' >"$root/etc/default/locale" || exit 1
timeout 600 unshare --net --fork --pid --mount-proc \
    chroot "$root" locale-gen >>"$log" 2>&1 ||
    { tail -n 5 "$log" >&2; echo "debian-guest: locale-gen failed" >&2; exit 1; }

cat >"$root/etc/fstab" <<'EOF'
/dev/vda / ext4 errors=remount-ro 0 0
EOF
cat >"$root/etc/network/interfaces" <<'EOF'
auto lo
iface lo inet loopback

source /etc/network/interfaces.d/*
EOF
mkdir -p "$root/etc/network/interfaces.d" "$root/etc/cloud/cloud.cfg.d"
cat >"$root/etc/cloud/cloud.cfg.d/90-herd-test.cfg" <<'EOF'
# herd test image: seeds come from a NoCloud (cidata) volume only.
datasource_list: [NoCloud, None]
EOF
# dhclient waits 10 s, then longer and longer (up to 2 min), after a lost
# DISCOVER, such as one sent while the bridge port is not yet forwarding.
cat >>"$root/etc/dhcp/dhclient.conf" <<'EOF'

# herd test image: retry DHCP quickly.
initial-interval 1;
backoff-cutoff 4;
EOF
echo "deb $mirror $suite main" >"$root/etc/apt/sources.list"
echo localhost >"$root/etc/hostname"
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root"/etc/ssh/ssh_host_* \
    "$root/etc/resolv.conf"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root/debootstrap"

kver=$(ls "$root/lib/modules" | head -n 1)
[ -f "$root/boot/vmlinuz-$kver" ] && [ -f "$root/boot/initrd.img-$kver" ] ||
    { echo "debian-guest: no kernel or initrd in /boot" >&2; exit 1; }
mkdir -p "$work/out" || exit 1
cp "$root/boot/vmlinuz-$kver" "$work/out/vmlinuz" &&
    cp "$root/boot/initrd.img-$kver" "$work/out/initrd.img" || exit 1
chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' \
    >"$work/out/packages.txt" 2>/dev/null

# Room for first boot; cloud-init grows the file system to the disk's size.
used=$(du -sm "$root" | cut -f1)
size=$(( used + used / 4 + 256 ))
mkfs.ext4 -q -F -L herd-root -d "$root" "$work/root.raw" "${size}M" \
    >>"$log" 2>&1 || { tail -n 5 "$log" >&2; exit 1; }
qemu-img convert -q -c -f raw -O qcow2 "$work/root.raw" "$work/out/disk.qcow2" ||
    exit 1
rm -f "$work/root.raw"

echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(( $(date +%s) - started ))s from $mirror" \
    >"$work/out/build-info" &&
    touch "$work/out/done" || exit 1
rm -rf "$out" && mv "$work/out" "$out" || exit 1
echo "debian-guest: built $out in $(( $(date +%s) - started ))s ($(du -sm "$out/disk.qcow2" | cut -f1) MiB)" >&2
print_paths
