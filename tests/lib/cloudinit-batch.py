#!/usr/bin/python3
"""Check many rendered seeds with Debian's real cloud-init, in one process.

`cloud-init schema -c` and `cloud-init devel net-convert` are what a user
runs, but each costs a second or two of Python start-up; this calls the
same functions they call (cloudinit.config.schema.validate_cloudconfig_file
and cloudinit.cmd.devel.net_convert.handle_args) for every VM of every
example, then checks what herd put in (hostname, instance-id, the login
user, the fleet key, the VM's host key, MAC-matched networkd files).

Input: a file of lines "DIR FLEET VM STATE FIRST".  Output: one line per
problem, "VM: what".  Exit status 1 if there was any.
"""
import glob
import os
import re
import sys

import yaml
from cloudinit.cmd.devel import net_convert
from cloudinit.config import schema as ci_schema

problems = 0


def bad(vm, msg):
    global problems
    problems += 1
    print("%s: %s" % (vm, msg))


def check_schema(d, vm):
    path = d + "/user-data"
    if not open(path).read().startswith("#cloud-config\n"):
        return None  # a script or multipart: cloud-init does not validate it
    try:
        ci_schema.validate_cloudconfig_file(path, ci_schema.get_schema())
    except Exception as e:  # SchemaValidationError and YAML errors
        bad(vm, "cloud-init schema rejects user-data: %s" % e)
        return None
    return yaml.safe_load(open(path))


def convert(d, vm, kind):
    out = d + "/net-" + kind
    args = net_convert.get_parser().parse_args(
        ["-p", d + "/network-config", "-k", "yaml", "-d", out,
         "-D", "debian", "-O", kind])
    try:
        net_convert.handle_args("net-convert", args)
    except (Exception, SystemExit) as e:
        bad(vm, "net-convert -O %s rejects network-config: %s" % (kind, e))
    finally:
        args.network_data.close()
    return "".join(open(f).read() for f in
                   glob.glob(out + "/**/*", recursive=True) if os.path.isfile(f))


def check_user(vm, ud, state):
    if ud.get("hostname") != vm:
        bad(vm, "hostname is %r" % ud.get("hostname"))
    # herd writes ssh_pwauth: false; a fleet may turn it on (classroom)
    if not isinstance(ud.get("ssh_pwauth"), bool) or ud.get("manage_etc_hosts") is not True:
        bad(vm, "ssh_pwauth/manage_etc_hosts are not booleans (manage_etc_hosts true)")
    u = ud["users"][0]
    if u.get("sudo") != "ALL=(ALL) NOPASSWD:ALL" or u.get("lock_passwd") is not True:
        bad(vm, "login user: %r" % u)
    if u["ssh_authorized_keys"][0] != open(state + "/id_ed25519.pub").read().strip():
        bad(vm, "the fleet key is not the first authorized key")
    hk = ud["ssh_keys"]
    if hk["ed25519_public"] != open(state + "/hostkeys/%s_ed25519.pub" % vm).read().strip():
        bad(vm, "ssh_keys.ed25519_public is not the state folder's host key")
    if hk["ed25519_private"] != open(state + "/hostkeys/%s_ed25519" % vm).read():
        bad(vm, "ssh_keys.ed25519_private differs from the key file")


def check_network(d, vm, first):
    nc = yaml.safe_load(open(d + "/network-config"))
    nd = convert(d, vm, "networkd")
    if first:
        convert(d, vm, "eni")
    for name, e in nc["ethernets"].items():
        mac = e["match"]["macaddress"]
        if "MACAddress=" + mac not in nd:
            bad(vm, "no networkd file for %s (%s)" % (name, mac))
        for a in e.get("addresses", []):
            if "Address=" + a not in nd:
                bad(vm, "networkd lacks Address=%s" % a)
        if e.get("dhcp4") is True and "DHCP=ipv4" not in nd:
            bad(vm, "networkd lacks DHCP for %s" % name)


def check_vm(d, fleet, vm, state, first):
    md = yaml.safe_load(open(d + "/meta-data"))
    if md.get("local-hostname") != vm:
        bad(vm, "local-hostname is %r" % md.get("local-hostname"))
    if not re.fullmatch(re.escape(fleet + "-" + vm + "-") + "[0-9a-f]{12}",
                        str(md.get("instance-id"))):
        bad(vm, "instance-id is %r" % md.get("instance-id"))
    ud = check_schema(d, vm)
    if ud is not None:
        check_user(vm, ud, state)
    if os.path.exists(d + "/network-config"):
        check_network(d, vm, first)


def main():
    n = 0
    for line in open(sys.argv[1]):
        d, fleet, vm, state, first = line.split()
        try:
            check_vm(d, fleet, vm, state, first == "1")
        except Exception as e:  # a missing key or file is a finding, not a crash
            bad(vm, "%s: %s" % (type(e).__name__, e))
        n += 1
    print("cloudinit-batch: %d VMs checked, %d problems" % (n, problems),
          file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
