#!/bin/sh
# Build the tiny test guest, offline, from Debian's archive: the Debian cloud
# kernel (linux-image-cloud-amd64) and a busybox (busybox-static) initramfs
# with dropbear (dropbear-bin and the libraries it loads), plus a small
# qcow2 disk.  Boots in about 2 s under TCG.  Give it 96 MiB of memory: the
# cloud kernel alone holds 48 MiB (it unpacks itself into 51.5 MiB above
# 16 MiB: 64 MiB cannot boot it), 76 MiB runs out while unpacking the
# initramfs, 80 MiB boots most times but not always.
#
#	eval "$(sh tests/lib/tiny-guest.sh)"	# or: sh tests/lib/tiny-guest.sh
#
# prints, as shell assignments:
#	TINY_KERNEL=.../vmlinuz		direct kernel boot
#	TINY_INITRD=.../initrd.img
#	TINY_DISK=.../disk.qcow2	8 MiB ext4, label herd-tiny (a base image)
#	TINY_CMDLINE='console=ttyS0 quiet'
#	TINY_READY='herd-tiny: ready'	the serial line that says it is up
#	TINY_SSHD='herd-tiny: sshd up port 22'	the line that says sshd listens
#
# Everything lives in ${HERD_TEST_CACHE:-/var/cache/herd-test}/tiny-KEY,
# KEY being a hash of this script and of tiny-seed.awk beside it: it is
# rebuilt only when the recipe changes.  A lock serialises concurrent
# builds.  Exit 77 when this machine cannot build it (not root, no
# apt-get), 1 on failure.
#
# What the guest does (its /init, below) and prints on the serial console,
# each line starting "herd-tiny: " so a test can grep the log:
#	booted uptime=S		modules loaded, before networking
#	disk vda sectors=N base=B boots=N	/dev/vda: its size, the base
#				image's marker, a boot counter kept on the disk
#				(or "unformatted" for a blank disk)
#	seed instance-id=I local-hostname=H	a NoCloud seed (label cidata,
#				cdrom on ide or virtio-scsi, or a virtio disk)
#	ip IFACE ADDR/PREFIX	an address, from DHCP or the static one
#	sshd up port 22 hostkey=seed|generated users=U,... uptime=S
#				dropbear listens (see "SSH" below); started
#				just before "ready", it may come after it
#	ready uptime=S		up: after the DHCP lease, or after 10 s of
#				trying (udhcpc then goes on in the background)
#	poweroff		on an ACPI power button (virsh shutdown)
# Kernel command line: herd.ip=ADDR/PREFIX and herd.gw=GW give eth0 a static
# address instead of DHCP; herd.hostname=NAME sets the name (the seed's
# local-hostname otherwise; also in /etc/hostname); herd.sshd=0: no sshd
# (port 22 refuses).  Every interface without a static address runs
# udhcpc, sending the host name.  busybox httpd on port 80 serves
# /index.html: "hostname=H ip=A instance-id=I".
#
# SSH: dropbear on port 22.  tiny-seed.awk reads the seed's user-data
# (#cloud-config): every named entry of users: becomes a login (shell
# busybox sh, home /home/NAME or /root, uid from 1000) with its
# ssh_authorized_keys; ssh_keys: ed25519_private (OpenSSH format, converted
# with dropbearconvert) is the host key.  Without one the guest makes its
# own ed25519 key ("hostkey=generated").  Password logins are off.  Other
# cloud-config keys (shell, sudo, runcmd, ...) and network-config are
# ignored.  dropbear's log: /var/log/dropbear.log.
set -u

cache=${HERD_TEST_CACHE:-/var/cache/herd-test}
self=$0
[ -f "$self" ] || { echo "tiny-guest: run it as a file" >&2; exit 1; }
awkf=$(dirname "$self")/tiny-seed.awk
[ -f "$awkf" ] || { echo "tiny-guest: no $awkf" >&2; exit 1; }
key=$(cat "$self" "$awkf" | sha256sum | cut -c1-16)
out="$cache/tiny-$key"

print_paths() {
	echo "TINY_KERNEL=$out/vmlinuz"
	echo "TINY_INITRD=$out/initrd.img"
	echo "TINY_DISK=$out/disk.qcow2"
	echo "TINY_CMDLINE='console=ttyS0 quiet'"
	echo "TINY_READY='herd-tiny: ready'"
	echo "TINY_SSHD='herd-tiny: sshd up port 22'"
}

if [ -f "$out/done" ]; then
	print_paths
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "tiny-guest: needs root (apt-get download into $cache)" >&2
	exit 77
fi
for t in apt-get apt-cache dpkg-deb busybox cpio gzip qemu-img mkfs.ext4 flock; do
	command -v "$t" >/dev/null 2>&1 ||
	    { echo "tiny-guest: missing $t (make deps)" >&2; exit 77; }
done

mkdir -p "$cache/debs" || exit 1
exec 9>"$cache/tiny.lock"
flock -w 600 9 || { echo "tiny-guest: lock timeout" >&2; exit 1; }
# Someone else built it while we waited.
if [ -f "$out/done" ]; then
	print_paths
	exit 0
fi

work=$(mktemp -d "$cache/tiny-build.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP

# Print the cached .deb of PKG at version VER (apt-get download names the
# epoch's colon %3a), if any.
cached_deb() {
	ls "$cache/debs/$1"_*"${2#*:}"_*.deb 2>/dev/null | head -n 1 | grep .
}

# Download PKG into the shared deb cache (once per version); print its path.
fetch_deb() {
	ver=$(apt-cache show --no-all-versions "$1" 2>/dev/null |
	    sed -n 's/^Version: //p' | head -n 1)
	[ -n "$ver" ] || { echo "tiny-guest: no package $1 (apt-get update?)" >&2; return 1; }
	cached_deb "$1" "$ver" && return 0
	(cd "$cache/debs" && timeout 300 apt-get download -q "$1=$ver" \
	    >/dev/null 2>&1) ||
	    { echo "tiny-guest: apt-get download $1 failed" >&2; return 1; }
	cached_deb "$1" "$ver"
}

# A fresh machine may have no package lists yet.
if ! apt-cache show --no-all-versions linux-image-cloud-amd64 >/dev/null 2>&1
then
	timeout 600 apt-get update -q >/dev/null 2>&1
fi
# linux-image-cloud-amd64 only depends on the versioned image package.
kpkg=$(apt-cache show --no-all-versions linux-image-cloud-amd64 2>/dev/null |
    sed -n 's/^Depends: *\(linux-image-[^ ,]*\).*/\1/p' | head -n 1)
[ -n "$kpkg" ] || { echo "tiny-guest: cannot resolve linux-image-cloud-amd64 (apt-get update?)" >&2; exit 1; }
kdeb=$(fetch_deb "$kpkg") || exit 1
bdeb=$(fetch_deb busybox-static) || exit 1
# dropbear-bin and what it links (ldd below fails on anything missing).
sdebs=""
for p in dropbear-bin libtomcrypt1 libtommath1 libgmp10 zlib1g libcrypt1 libc6; do
	d=$(fetch_deb "$p") || exit 1
	sdebs="$sdebs $d"
done

mkdir -p "$work/k" "$work/b" "$work/root" || exit 1
dpkg-deb -x "$kdeb" "$work/k" && dpkg-deb -x "$bdeb" "$work/b" || exit 1
kver=$(ls "$work/k/lib/modules" | head -n 1)
cp "$work/k/boot/vmlinuz-$kver" "$work/vmlinuz" || exit 1

# Modules for the devices herd's domains use: virtio disk and NIC, cdrom on
# ide or virtio-scsi (the cloud kernel has no AHCI: a SATA cdrom is
# invisible to it), iso9660 for the seed, the ACPI power button, and
# herd's virtio-rng: without it the kernel's random pool takes seconds to
# fill under TCG and dropbear waits for it (getrandom).
mods="virtio_pci virtio_net virtio_blk virtio_scsi sd_mod sr_mod ata_piix isofs button evdev virtio-rng"
mdir="$work/k/lib/modules/$kver"
busybox depmod -b "$work/k" "$kver" || exit 1
need=""
for m in $mods; do
	line=$(grep "/$m\\.ko:" "$mdir/modules.dep") ||
	    { echo "tiny-guest: module $m not in $kver" >&2; exit 1; }
	need="$need ${line%%:*} ${line#*:}"
done
rm_="$work/root/lib/modules/$kver"
mkdir -p "$rm_" || exit 1
for f in $(echo "$need" | tr ' ' '\n' | sort -u); do
	mkdir -p "$rm_/$(dirname "$f")" && cp "$mdir/$f" "$rm_/$f" || exit 1
done
busybox depmod -b "$work/root" "$kver" || exit 1

r=$work/root
mkdir -p "$r/bin" "$r/sbin" "$r/usr/bin" "$r/usr/sbin" "$r/etc/acpi/PWRF" \
    "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/run" "$r/var/log" "$r/seed" \
    "$r/data" "$r/www" || exit 1
cp "$work/b/bin/busybox" "$r/bin/busybox" || exit 1

# dropbear, its key tools and their shared libraries, found by ldd (the
# unpacked glibc's loader in list mode, so only the unpacked libraries are
# used, never the host's).
mkdir -p "$work/s" "$r/lib/x86_64-linux-gnu" "$r/lib64" "$r/etc/dropbear" \
    "$r/home" "$r/root" || exit 1
for d in $sdebs; do dpkg-deb -x "$d" "$work/s" || exit 1; done
s=$work/s
sld=$s/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
for b in usr/sbin/dropbear usr/bin/dropbearconvert usr/bin/dropbearkey; do
	cp "$s/$b" "$r/$b" || exit 1
	"$sld" --library-path "$s/lib/x86_64-linux-gnu:$s/usr/lib/x86_64-linux-gnu" \
	    --list "$s/$b" >"$work/ldd" || { echo "tiny-guest: ldd $b failed" >&2; exit 1; }
	if grep -q 'not found' "$work/ldd"; then
		echo "tiny-guest: $b: $(grep 'not found' "$work/ldd" | head -n 1)" >&2
		exit 1
	fi
	for l in $(sed -n 's/.*=> \([^ ]*\) .*/\1/p' "$work/ldd"); do
		case $l in */ld-linux-*) continue ;; esac	# copied below
		cp -L "$l" "$r/lib/x86_64-linux-gnu/${l##*/}" || exit 1
	done
done
cp -L "$sld" "$r/lib/x86_64-linux-gnu/" &&
    ln -s /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$r/lib64/" &&
    cp "$awkf" "$r/etc/tiny-seed.awk" || exit 1
echo 'root:*:0:0:root:/root:/bin/sh' >"$r/etc/passwd" &&
    echo 'root:x:0:' >"$r/etc/group" &&
    printf '/bin/sh\n/bin/ash\n' >"$r/etc/shells" &&
    printf 'passwd: files\ngroup: files\nshadow: files\n' >"$r/etc/nsswitch.conf" &&
    chmod 700 "$r/root" || exit 1

cat >"$r/init" <<'EOF'
#!/bin/busybox sh
# herd tiny guest, PID 1 (tests/lib/tiny-guest.sh)
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
say() { echo "herd-tiny: $*"; }

# Logins and keys from the seed's user-data, then dropbear.
sshd() {
	k=/run/seed-ssh uid=1000 names="" hk=seed
	mkdir -p $k && chmod 700 $k
	[ -f /seed/user-data ] &&
	    (umask 077; awk -v out=$k -f /etc/tiny-seed.awk /seed/user-data)
	[ -f $k/users ] && while read -r id name; do
		case $name in
		[a-z_]*) ;;
		*) continue ;;
		esac
		case $name in *[!a-zA-Z0-9_.-]*) continue ;; esac
		[ ${#name} -le 32 ] || continue
		if [ "$name" = root ]; then
			home=/root u=0
		elif grep -q "^$name:" /etc/passwd; then
			continue	# named twice: the first wins
		else
			home=/home/$name u=$uid uid=$((uid + 1))
			echo "$name:*:$u:$u::$home:/bin/sh" >>/etc/passwd
			echo "$name:x:$u:" >>/etc/group
		fi
		mkdir -p $home/.ssh
		[ -f $k/keys.$id ] && cat $k/keys.$id >>$home/.ssh/authorized_keys
		chown -R $u:$u $home
		chmod 700 $home $home/.ssh
		names=$names${names:+,}$name
	done <$k/users
	if [ -s $k/host_ed25519 ] && dropbearconvert openssh dropbear \
	    $k/host_ed25519 /etc/dropbear/ed25519 >/dev/null 2>&1; then :
	else
		hk=generated
		dropbearkey -t ed25519 -f /etc/dropbear/ed25519 >/dev/null 2>&1 ||
		    { say "sshd failed: no host key"; return; }
	fi
	rm -rf $k
	dropbear -F -E -s -p 22 -r /etc/dropbear/ed25519 -P /run/dropbear.pid \
	    2>>/var/log/dropbear.log &
	# Say "up" only once it listens (0016: port 22; 0A: LISTEN).
	n=0
	until grep -q ':0016 00000000:0000 0A' /proc/net/tcp; do
		[ $n -lt 50 ] || { say "sshd failed: not listening"; return; }
		sleep 0.1; n=$((n + 1))
	done
	say "sshd up port 22 hostkey=$hk users=$names uptime=$(cut -d" " -f1 /proc/uptime)"
}

ip_static="" gw="" host="" want_sshd=1
for w in $(cat /proc/cmdline); do
	case $w in
	herd.sshd=0) want_sshd="" ;;
	herd.ip=*) ip_static=${w#*=} ;;
	herd.gw=*) gw=${w#*=} ;;
	herd.hostname=*) host=${w#*=} ;;
	esac
done

modprobe -a virtio_pci virtio_net virtio_blk virtio_scsi sd_mod sr_mod \
    ata_piix isofs button evdev virtio-rng 2>/dev/null
say "booted uptime=$(cut -d" " -f1 /proc/uptime)"
# Loaded for good: their files would only take memory (rootfs is RAM).
rm -rf /lib/modules

# Block devices and NICs appear asynchronously after the drivers load.
n=0
while [ $n -lt 20 ] && ! ls /sys/class/net | grep -q '^eth'; do
	sleep 0.1; n=$((n + 1))
done
sleep 0.3

if [ -b /dev/vda ]; then
	s=$(cat /sys/block/vda/size)
	if mount -t ext4 /dev/vda /data 2>/dev/null; then
		b=$(( $(cat /data/boots 2>/dev/null || echo 0) + 1 ))
		echo $b >/data/boots; sync
		say "disk vda sectors=$s base=$(cat /data/herd-base 2>/dev/null) boots=$b"
	else
		say "disk vda sectors=$s unformatted"
	fi
fi

iid=""
for d in /dev/sr0 /dev/sr1 /dev/vdb /dev/vdc /dev/vdd /dev/sda /dev/sdb; do
	[ -b $d ] || continue
	mount -t iso9660 -o ro $d /seed 2>/dev/null || continue
	if [ -f /seed/meta-data ]; then
		iid=$(sed -n 's/^instance-id: *//p' /seed/meta-data | tr -d "\"'")
		lh=$(sed -n 's/^local-hostname: *//p' /seed/meta-data | tr -d "\"'")
		say "seed instance-id=$iid local-hostname=$lh"
		[ -n "$host" ] || host=$lh
		break
	fi
	umount /seed
done
[ -n "$host" ] || host=tiny
hostname "$host"
echo "$host" >/etc/hostname
echo "$iid" >/run/iid

mkdir -p /etc/acpi/PWRF
acpid -c /etc/acpi -l /var/log/acpid.log

ip link set lo up
echo "hostname=$host ip= instance-id=$iid" >/www/index.html
for i in $(ls /sys/class/net | grep '^eth'); do
	ip link set "$i" up
	if [ "$i" = eth0 ] && [ -n "$ip_static" ]; then
		ip addr add "$ip_static" dev eth0
		[ -n "$gw" ] && ip route add default via "$gw"
		say "ip eth0 $ip_static"
		echo "hostname=$host ip=${ip_static%/*} instance-id=$iid" >/www/index.html
	else
		udhcpc -i "$i" -s /etc/udhcpc.sh -b -t 10 -T 1 -A 2 -x "hostname:$host" \
		    -p "/run/udhcpc.$i.pid" >/dev/null 2>&1
	fi
done
httpd -p 80 -h /www
# In the background: dropbear waits for the kernel's random pool, which
# without a virtio-rng (herd's domains have one) takes many seconds under
# TCG; "ready" must not wait for it.
[ -n "$want_sshd" ] && sshd &
say "ready uptime=$(cut -d" " -f1 /proc/uptime)"
while :; do sleep 3600; done
EOF

cat >"$r/etc/udhcpc.sh" <<'EOF'
#!/bin/sh
# udhcpc event script: configure the address, say it on the console.
case $1 in
deconfig)
	ip addr flush dev "$interface"
	;;
bound|renew)
	p=$(ipcalc -p "$ip" "$subnet" | sed 's/.*=//')
	ip addr flush dev "$interface"
	ip addr add "$ip/$p" dev "$interface"
	for g in $router; do ip route add default via "$g" dev "$interface"; break; done
	[ -n "${dns:-}" ] && for d in $dns; do echo "nameserver $d"; done >/etc/resolv.conf
	[ "$1" = bound ] && echo "herd-tiny: ip $interface $ip/$p" >/dev/console
	echo "hostname=$(hostname) ip=$ip instance-id=$(cat /run/iid)" >/www/index.html
	;;
esac
exit 0
EOF

cat >"$r/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
echo "herd-tiny: poweroff" >/dev/console
umount /data 2>/dev/null
sync
poweroff -f
EOF
chmod 755 "$r/init" "$r/etc/udhcpc.sh" "$r/etc/acpi/PWRF/00000080" || exit 1

# A reproducible archive: sorted names, fixed times, no gzip name/time.
find "$r" -exec touch -h -d @0 {} + || exit 1
(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
    gzip -n -9 >"$work/initrd.img" || exit 1

# The base disk: ext4 holding a marker file, as qcow2.
mkdir -p "$work/fs" && echo tiny-base >"$work/fs/herd-base" &&
    touch -d @0 "$work/fs/herd-base" || exit 1
E2FSPROGS_FAKE_TIME=1 mkfs.ext4 -q -F -L herd-tiny \
    -U 68657264-0000-0000-0000-00000074696e -E hash_seed=68657264-0000-0000-0000-000074696e79 \
    -d "$work/fs" "$work/disk.raw" 8M >/dev/null || exit 1
qemu-img convert -q -f raw -O qcow2 "$work/disk.raw" "$work/disk.qcow2" || exit 1

mkdir -p "$work/out" &&
    mv "$work/vmlinuz" "$work/initrd.img" "$work/disk.qcow2" "$work/out/" &&
    for d in $kdeb $bdeb $sdebs; do basename "$d"; done \
    >"$work/out/packages" && touch "$work/out/done" || exit 1
rm -rf "$out" && mv "$work/out" "$out" || exit 1
print_paths
