#!/bin/sh
# Seeds written per second for 1,000 VMs (distinct user-data and meta-data
# each), herd against cloud-localds on the same inputs, in the same run:
#   herd in process: tests/bench/20-seed-driver.c linked with build/libherd.a
#     reads both files, builds the ISO with libarchive and writes it
#     atomically (temporary file + rename), as `herd apply` writes seeds;
#   herd seed: the real binary, one process per seed, same work;
#   cloud-localds: BENCH_LOCALDS_N of the 1,000 (default 100: it forks
#     genisoimage and a dozen shell tools per seed), rate extrapolated.
# The three run interleaved in BENCH_ROUNDS rounds so that load from other
# processes on the machine falls on all of them alike.
# Goal: herd in process at least 20x cloud-localds's rate.
set -u
N=${BENCH_SEEDS:-1000}
LN=${BENCH_LOCALDS_N:-100}
R=${BENCH_ROUNDS:-10}
ROOT=$(pwd)
HERD=${HERD:-build/herd}
case "$HERD" in /*) ;; *) HERD=$ROOT/$HERD ;; esac
command -v cloud-localds >/dev/null 2>&1 || { echo "20-seed: skip: no cloud-localds" >&2; exit 77; }
[ -x "$HERD" ] && [ -f build/libherd.a ] || { echo "20-seed: build herd first" >&2; exit 1; }
T=$(mktemp -d /tmp/herd-bench-seed.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP
mkdir "$T/in" "$T/lib" "$T/bin" "$T/ref"
# A private copy: a rebuild of build/herd during the loop must not break it.
cp "$HERD" "$T/herd" && HERD=$T/herd || exit 1

PKGS="libvirt yaml-0.1 libcurl libssh libarchive libcrypto"
# shellcheck disable=SC2046
cc -std=c11 -D_GNU_SOURCE -O2 -I. -o "$T/driver" tests/bench/20-seed-driver.c \
	build/libherd.a $(pkg-config --libs $PKGS) -lpthread ||
	{ echo "20-seed: cannot build the driver" >&2; exit 1; }

# Inputs: a realistic cloud-config (user, keys, host key, packages, runcmd).
key=$(head -c 32 /dev/urandom | base64)
i=1
while [ "$i" -le "$N" ]; do
	cat > "$T/in/user-data-$i" <<UD
#cloud-config
hostname: vm-$i
fqdn: vm-$i.lab.internal
manage_etc_hosts: true
ssh_pwauth: false
users:
  - name: herd
    sudo: ALL=(ALL) NOPASSWD:ALL
    shell: /bin/bash
    lock_passwd: true
    ssh_authorized_keys:
      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI$key herd-lab
ssh_keys:
  ed25519_public: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI$key vm-$i
packages: [curl, jq]
runcmd:
  - echo vm-$i > /etc/role
UD
	printf 'instance-id: lab-vm-%d-%012x\nlocal-hostname: vm-%d\n' "$i" "$i" "$i" \
		> "$T/in/meta-data-$i"
	i=$((i + 1))
done

now() { date +%s.%N; }
add() { echo "$1 $2 $3" | awk '{ printf "%.6f", $1 + $2 - $3 }'; }
rate() { echo "$1 $2" | awk '{ printf "%.1f", $1 / $2 }'; }

secs_lib=0 secs_bin=0 secs_ref=0
per=$((N / R)) lper=$((LN / R))
round=0
while [ "$round" -lt "$R" ]; do
	first=$((round * per + 1))
	s=$("$T/driver" "$first" "$per" "$T/in" "$T/lib") || exit 1
	secs_lib=$(add "$secs_lib" "$s" 0)

	start=$(now)
	i=$first
	while [ "$i" -lt $((first + per)) ]; do
		"$HERD" seed --user-data "$T/in/user-data-$i" --meta-data "$T/in/meta-data-$i" \
			-o "$T/bin/$i.iso" || exit 1
		i=$((i + 1))
	done
	secs_bin=$(add "$secs_bin" "$(now)" "$start")

	start=$(now)
	i=$first
	while [ "$i" -lt $((first + lper)) ]; do
		cloud-localds "$T/ref/$i.iso" "$T/in/user-data-$i" "$T/in/meta-data-$i" || exit 1
		i=$((i + 1))
	done
	secs_ref=$(add "$secs_ref" "$(now)" "$start")
	round=$((round + 1))
done
N=$((per * R)) LN=$((lper * R))

# The work was real: the driver and the binary wrote the same seed, which
# holds the input's bytes under label cidata, as cloud-localds's does.
cmp -s "$T/lib/herd-7.iso" "$T/bin/7.iso" || { echo "20-seed: driver and binary differ" >&2; exit 1; }
[ "$(blkid -s LABEL -o value "$T/lib/herd-7.iso")" = cidata ] || { echo "20-seed: bad label" >&2; exit 1; }
for iso in "$T/lib/herd-7.iso" "$T/ref/7.iso"; do
	isoinfo -R -x /user-data -i "$iso" | cmp -s - "$T/in/user-data-7" ||
		{ echo "20-seed: $iso does not hold user-data-7" >&2; exit 1; }
done

r_lib=$(rate "$N" "$secs_lib")
r_bin=$(rate "$N" "$secs_bin")
r_ref=$(rate "$LN" "$secs_ref")
echo "seed: herd in process (libherd.a): $N seeds in ${secs_lib}s = $r_lib seeds/s"
echo "seed: herd seed binary (a process per seed): $N seeds in ${secs_bin}s = $r_bin seeds/s"
echo "seed: cloud-localds: $LN of the $N seeds in ${secs_ref}s = $r_ref seeds/s (all $N: about $(echo "$N $r_ref" | awk '{ printf "%.1f", $1 / $2 }')s)"
echo "seed: ratio herd in process / cloud-localds = $(echo "$r_lib $r_ref" | awk '{ printf "%.1fx", $1 / $2 }') (goal >= 20x)"
echo "seed: ratio herd seed binary / cloud-localds = $(echo "$r_bin $r_ref" | awk '{ printf "%.1fx", $1 / $2 }')"
