#!/bin/sh
# Write a fleet of one group of COUNT VMs plus EXPLICIT vms: entries (the
# 10-validate benchmark's input) into FILE, with its image beside it.
# usage: gen-fleet.sh FILE [COUNT [EXPLICIT]]
set -e
out=$1 count=${2:-10000} explicit=${3:-100}
dir=$(dirname "$out")
: > "$dir/bench.qcow2"
{
	cat <<EOT
fleet: bench
accel: qemu
images:
  base: {path: ./bench.qcow2}
networks:
  big: {mode: nat, cidr: 10.64.0.0/16}
  back: {mode: isolated, cidr: 10.65.0.0/16}
defaults:
  image: base
  memory: 512MiB
  networks: [big]
  cloud_config:
    packages: [curl]
    runcmd: ["echo {{name}} > /etc/role"]
groups:
  node:
    count: $count
    name: "node-{{index}}"
    cpus: 2
vms:
EOT
	i=1
	while [ "$i" -le "$explicit" ]; do
		echo "  vm$i: {memory: 1GiB, networks: [back], vars: {rank: $i}}"
		i=$((i + 1))
	done
} > "$out"
