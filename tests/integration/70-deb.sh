#!/bin/sh
# 70-deb: herd's Debian package.
#  - `make deb` builds it with dpkg-buildpackage and leaves the results in
#    build/deb/, nothing in the checkout's parent folder;
#  - lintian (pedantic) reports no error (E:) on the source and binaries;
#  - the version is common/version.h's in the package, its changelog,
#    `herd --version` and the man page; Depends names the package of every
#    shared library the binary needs (shlibs); the binary carries
#    dpkg-buildflags' hardening (PIE, RELRO, BIND_NOW, fortified calls: the
#    Makefile honours CPPFLAGS and LDFLAGS) and no RPATH;
#  - every file `make install DESTDIR=... PREFIX=/usr` installs is in the
#    package;
#  - unpacked into a scratch root (dpkg -x), the files work with this
#    machine's libraries: herd --version, man -w (MANPATH), validate;
#  - when the tree has no shell completion or systemd units yet, a copy of
#    the tree with stand-ins (doc/herd.bash-completion, doc/_herd,
#    doc/herd-gc.service, doc/herd-gc.timer) proves they are packaged where
#    Debian looks, @BINDIR@ filled in, the units registered by
#    dh_installsystemd;
#  - as root, installed on this machine with dpkg -i: herd --version,
#    man -w herd, validate, dpkg -L; then dpkg --purge (also on failure)
#    leaves nothing.  Skipped, counted, when a herd from elsewhere (or the
#    package) is already there: it is never replaced.
# Exit 0 pass, 77 skip (missing tools), 1 fail.
here=$(cd "$(dirname "$0")/.." && pwd)
top=$(cd "$here/.." && pwd)
T=70-deb

# ---- counted checks, reported the way tests/run-suite.sh reads them -------
npass=0 nfail=0 cleanup=":"
ok() { echo "ok - $1"; npass=$((npass + 1)); }
bad() { echo "not ok - $1" >&2; nfail=$((nfail + 1)); }
check() { # NAME CMD...: ok NAME when CMD succeeds
	_c_name=$1; shift
	if "$@"; then ok "$_c_name"; else bad "$_c_name"; fi
}
note() { [ -n "${HERD_TEST_REPORT:-}" ] && echo "$*" >>"$HERD_TEST_REPORT"; return 0; }
skip_check() { echo "skip - $1: $2"; note "skip $1: $2"; }
skip_test() { echo "$T: skip: $*" >&2; note "skip $*"; exit 77; }
fail() { # fatal: MSG [LOG]
	echo "$T: FAIL: $1" >&2
	[ -n "${2:-}" ] && [ -f "$2" ] && tail -n 30 "$2" | sed 's/^/  /' >&2
	exit 1
}
at_exit() { cleanup="$*; $cleanup"; }
finish() {
	_f_rc=$?
	eval "$cleanup"
	note "checks $npass $nfail"
	exit "$_f_rc"
}
trap finish EXIT
trap 'exit 130' INT TERM HUP

for t in dpkg-buildpackage dh fakeroot lintian man readelf ldd dpkg-deb make cc; do
	command -v "$t" >/dev/null 2>&1 || skip_test "missing $t (make deps)"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/herd-70-deb.XXXXXX") || fail "mktemp"
at_exit "rm -rf '$tmp'"
V=$(sed -n 's/^#define HERD_VERSION "\(.*\)"$/\1/p' "$top/common/version.h")
[ -n "$V" ] || fail "no HERD_VERSION in common/version.h"
arch=$(dpkg --print-architecture)
deb=$top/build/deb/herd_${V}_$arch.deb
changes=$top/build/deb/herd_${V}_$arch.changes

# ---- build ---------------------------------------------------------------
parent_debs() { ls -d "$top"/../herd_* "$top"/../herd-dbgsym_* 2>/dev/null; }
before=$(parent_debs)
s=$(date +%s)
make -C "$top" deb >"$tmp/build.log" 2>&1 || fail "make deb" "$tmp/build.log"
echo "make deb: $(( $(date +%s) - s ))s"
check "make deb leaves build/deb/herd_${V}_$arch.deb" [ -f "$deb" ]
[ -f "$deb" ] || fail "no $deb" "$tmp/build.log"
check "nothing new in the checkout's parent folder" [ "$(parent_debs)" = "$before" ]

# ---- lintian ---------------------------------------------------------------
s=$(date +%s)
lintian -I --pedantic "$changes" >"$tmp/lintian" 2>"$tmp/lintian.err"
lrc=$?
grep -v 'running with root privileges' "$tmp/lintian.err" >>"$tmp/lintian"
tags() { grep -c "^$1: " "$tmp/lintian"; }
nE=$(tags E) nW=$(tags W) nI=$(tags I) nP=$(tags P)
echo "lintian ($(( $(date +%s) - s ))s): $nE errors, $nW warnings, $nI info, $nP pedantic"
sed 's/^/  /' "$tmp/lintian"
check "lintian: no errors" [ "$nE" -eq 0 ]
# Exit 1 with errors is counted above; anything else is lintian failing.
check "lintian ran (exit $lrc)" [ "$lrc" -eq 0 -o "$nE" -gt 0 ]

# ---- control fields, version, hardening ------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
check "package version is version.h's ($V)" [ "$(field Version)" = "$V" ]
root=$tmp/root
dpkg-deb -x "$deb" "$root" || fail "dpkg-deb -x"
bin=$root/usr/bin/herd
[ -x "$bin" ] || fail "no usr/bin/herd in the package"

depends=$(field Depends)
echo "Depends: $depends"
# The package that owns a library file (usr-merged paths either way).
owner() {
	for _o_p in "$1" "$(readlink -f "$1")" "/usr$1" "${1#/usr}"; do
		_o=$(dpkg -S "$_o_p" 2>/dev/null | sed -n '1s/:.*//p')
		[ -n "$_o" ] && { echo "$_o"; return 0; }
	done
	return 1
}
ldd "$bin" >"$tmp/ldd" 2>&1
check "every shared library resolves on this machine" sh -c "! grep -q 'not found' '$tmp/ldd'"
nlibs=0
for lib in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	path=$(awk -v l="$lib" '$1 == l { print $3 }' "$tmp/ldd")
	pkg=$(owner "$path") || { bad "no package owns $lib ($path)"; continue; }
	case ", $depends," in
	*", $pkg "*|*", $pkg,"*) nlibs=$((nlibs + 1)) ;;
	*) bad "Depends lacks $pkg (for $lib)" ;;
	esac
done
check "Depends names the package of each of the $nlibs shared libraries" [ "$nlibs" -ge 6 ]

readelf -dW "$bin" >"$tmp/dyn"
readelf -lW "$bin" >"$tmp/seg"
check "no RPATH or RUNPATH" sh -c "! grep -Eq 'RPATH|RUNPATH' '$tmp/dyn'"
check "PIE" grep -q 'Elf file type is DYN' "$tmp/seg"
check "RELRO" grep -q GNU_RELRO "$tmp/seg"
check "BIND_NOW (LDFLAGS from dpkg-buildflags)" grep -q 'BIND_NOW' "$tmp/dyn"
# __snprintf_chk and the like (not __stack_chk_fail: that is CFLAGS').
check "fortified calls (CPPFLAGS from dpkg-buildflags)" sh -c "nm -D '$bin' | grep -Eq ' __[a-z0-9_]+_chk(@|\$)'"

# ---- the unpacked files run with this machine's libraries -----------------
check "scratch root: herd --version prints $V" [ "$("$bin" --version)" = "herd $V" ]
check "scratch root: man -w herd" \
    [ "$(MANPATH=$root/usr/share/man man -w herd)" = "$root/usr/share/man/man1/herd.1.gz" ]
check "scratch root: the man page renders" \
    sh -c "MANPATH='$root/usr/share/man' MANPAGER=cat man herd 2>/dev/null | grep -q 'fleet file'"
"$bin" -f "$top/examples/quickstart.yaml" validate >"$tmp/out" 2>&1
check "scratch root: validate examples/quickstart.yaml" grep -q '^ok: 3 VMs' "$tmp/out"
"$bin" -f "$root/usr/share/doc/herd/examples/quickstart.yaml" validate >"$tmp/out" 2>&1
check "scratch root: validate the packaged example" grep -q '^ok: 3 VMs' "$tmp/out"
check "the packaged changelog is $V's" \
    sh -c "zcat '$root/usr/share/doc/herd/changelog.gz' | head -n 1 | grep -qF 'herd ($V)'"
check "the man page says herd $V" grep -q "^\.TH HERD 1 .*\"herd $V\"" "$top/doc/herd.1"
check "DEP-5 copyright" grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' \
    "$root/usr/share/doc/herd/copyright"

# ---- everything `make install` installs is packaged ------------------------
# A path as the package has it: man pages compressed, units under
# /lib/systemd/system (debian/rules says why).
debpath() {
	sed -e 's|^\./||' -e 's|^usr/lib/systemd/|lib/systemd/|' -e 's|\.gz$||'
}
dpkg-deb --fsys-tarfile "$deb" | tar -t | debpath | sort >"$tmp/deb.list"
make -s -C "$top" install DESTDIR="$tmp/stage" PREFIX=/usr >"$tmp/install.log" 2>&1 ||
    fail "make install DESTDIR=... PREFIX=/usr" "$tmp/install.log"
(cd "$tmp/stage" && find . ! -type d) | debpath | sort >"$tmp/install.list"
missing=$(comm -23 "$tmp/install.list" "$tmp/deb.list")
[ -z "$missing" ] || echo "not packaged: $missing" >&2
check "the package holds all $(wc -l <"$tmp/install.list") files make install installs" \
    [ -z "$missing" -a -s "$tmp/install.list" ]
check "make install put herd in PREFIX/bin" [ -x "$tmp/stage/usr/bin/herd" ]

# ---- completion and units: packaged where Debian looks --------------------
bashc=usr/share/bash-completion/completions/herd
zshc=usr/share/zsh/vendor-completions/_herd
# pieces NAME DEB LIST: check that the package DEB holds each piece of LIST
# (bash, zsh, units) where Debian looks, the units filled in and
# registered by dh_installsystemd (installed, not enabled: debian/rules).
pieces() {
	_p_d=$tmp/pieces-$1
	mkdir "$_p_d" && dpkg-deb -x "$2" "$_p_d/root" && dpkg-deb -e "$2" "$_p_d/ctl" ||
	    fail "unpack $2"
	_p_units=$_p_d/root/lib/systemd/system
	for _p in $3; do
		case $_p in
		bash) check "bash completion packaged as /$bashc" [ -s "$_p_d/root/$bashc" ] ;;
		zsh) check "zsh completion packaged as /$zshc" [ -s "$_p_d/root/$zshc" ] ;;
		units)
			check "the gc service and timer in /lib/systemd/system" \
			    [ -f "$_p_units/herd-gc.service" -a -f "$_p_units/herd-gc.timer" ]
			check "the units run /usr/bin/herd (@BINDIR@ filled in)" \
			    sh -c "grep -q '^ExecStart=/usr/bin/herd ' '$_p_units/herd-gc.service' &&
			        ! grep -q '@BINDIR@' '$_p_units'/*"
			check "dh_installsystemd registers the timer, does not enable it" \
			    sh -c "grep -q \"update-state 'herd-gc.timer'\" '$_p_d/ctl/postinst' &&
			        grep -q \"debian-installed 'herd-gc.timer'\" '$_p_d/ctl/postinst'"
			check "purge forgets the timer's state" \
			    grep -q "deb-systemd-helper purge 'herd-gc.timer'" "$_p_d/ctl/postrm" ;;
		esac
	done
}
has() { grep -qx "$1" "$tmp/deb.list"; }
present="" standins=""
if has "$bashc"; then present="$present bash"; else standins="$standins bash"; fi
if has "$zshc"; then present="$present zsh"; else standins="$standins zsh"; fi
if has lib/systemd/system/herd-gc.timer; then present="$present units"; else standins="$standins units"; fi
[ -z "$present" ] || pieces tree "$deb" "$present"
if [ -n "$standins" ]; then
	echo "stand-ins for what the tree lacks:$standins"
	copy=$tmp/copy
	mkdir "$copy" && (cd "$top" && tar -cf - --exclude=./build --exclude=./.git .) |
	    tar -xf - -C "$copy" || fail "copy the tree"
	for p in $standins; do
		case $p in
		bash) echo 'complete -W "validate plan apply" herd' >"$copy/doc/herd.bash-completion" ;;
		zsh) printf '#compdef herd\n_arguments "1:verb:(validate plan apply)"\n' >"$copy/doc/_herd" ;;
		units)
			printf '[Unit]\nDescription=stand-in\n\n[Service]\nType=oneshot\nExecStart=@BINDIR@/herd gc\n' \
			    >"$copy/doc/herd-gc.service"
			printf '[Unit]\nDescription=stand-in\n\n[Timer]\nOnCalendar=hourly\n\n[Install]\nWantedBy=timers.target\n' \
			    >"$copy/doc/herd-gc.timer" ;;
		esac
	done
	s=$(date +%s)
	make -C "$copy" deb >"$tmp/standin.log" 2>&1 || fail "make deb with stand-ins" "$tmp/standin.log"
	echo "make deb of a copy with stand-ins, outside git: $(( $(date +%s) - s ))s"
	pieces stand-ins "$copy/build/deb/herd_${V}_$arch.deb" "$standins"
fi

# ---- installed on this machine ---------------------------------------------
# dpkg -i only when nothing the package ships is already there: a herd
# installed by other means (make install PREFIX=/usr, another package
# version) is never replaced, and the purge at the end removes only ours.
machine_install() {
	[ "$(id -u)" -eq 0 ] || { skip_check "install on this machine" "not root"; return; }
	# Two runs at once (a developer's and make check's) take turns.
	exec 9>/run/lock/herd-test-70-deb.lock && flock -w 900 9 ||
	    { bad "install on this machine: lock"; return; }
	st=$(dpkg-query -W -f='${Status} ${Version}' herd 2>/dev/null)
	case $st in
	''|*not-installed*) ;;
	*) skip_check "install on this machine" "package herd is there already ($st): not replacing it"; return ;;
	esac
	dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./|/|' | grep -v '/$' >"$tmp/files"
	while read -r f; do
		if [ -e "$f" ] || [ -L "$f" ]; then
			skip_check "install on this machine" "$f exists and is not from the package: not replacing it"
			return
		fi
	done <"$tmp/files"

	at_exit "dpkg --purge herd >/dev/null 2>&1"
	# --path-include: a dpkg.cfg path-exclude (Docker images drop man pages)
	# must not hide what the package ships.
	dpkg -i --path-include='*' "$deb" >"$tmp/dpkg.log" 2>&1 ||
	    { bad "dpkg -i $deb"; sed 's/^/  /' "$tmp/dpkg.log" >&2; return; }
	ok "dpkg -i (its Depends are satisfied here)"
	P=/usr/sbin:/usr/bin:/sbin:/bin
	check "installed: herd is /usr/bin/herd" [ "$(PATH=$P command -v herd)" = /usr/bin/herd ]
	check "installed: herd --version prints $V" [ "$(PATH=$P herd --version)" = "herd $V" ]
	check "installed: man -w herd" [ "$(env -u MANPATH PATH=$P man -w herd)" = /usr/share/man/man1/herd.1.gz ]
	(cd "$top" && PATH=$P herd -f examples/quickstart.yaml validate) >"$tmp/out" 2>&1
	check "installed: herd -f examples/quickstart.yaml validate" grep -q '^ok: 3 VMs' "$tmp/out"
	dpkg -L herd >"$tmp/dpkg-L"
	check "dpkg -L herd lists /usr/bin/herd" grep -qx /usr/bin/herd "$tmp/dpkg-L"
	check "dpkg -L herd lists the man page" grep -qx /usr/share/man/man1/herd.1.gz "$tmp/dpkg-L"
	sed 's|^/||' "$tmp/dpkg-L" | debpath | sort >"$tmp/dpkg-L.list"
	missing=$(comm -23 "$tmp/install.list" "$tmp/dpkg-L.list")
	[ -z "$missing" ] || echo "dpkg -L herd lacks: $missing" >&2
	check "dpkg -L herd lists all that make install installs" [ -z "$missing" ]

	dpkg --purge herd >"$tmp/dpkg.log" 2>&1
	check "dpkg --purge herd" [ $? -eq 0 ]
	left=""
	while read -r f; do
		{ [ -e "$f" ] || [ -L "$f" ]; } && left="$left $f"
	done <"$tmp/files"
	check "nothing of the package is left${left:+:$left}" [ -z "$left" ]
	check "dpkg forgot herd" sh -c "! dpkg-query -W -f='\${Status}' herd 2>/dev/null | grep -q ' installed'"
}
machine_install

echo "$T: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]
