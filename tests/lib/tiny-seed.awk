# The tiny guest's reader of a NoCloud user-data (#cloud-config), for
# busybox awk: it takes the login users, their authorized keys and the SSH
# host key, nothing else.  Part of tests/lib/tiny-guest.sh (built into the
# guest's initramfs; the build's cache key hashes this file too).
#
#	awk -v out=DIR -f tiny-seed.awk user-data
#
# writes into DIR (which must exist):
#	users		"ID NAME" per named entry of users:, in order
#	keys.ID		that user's ssh_authorized_keys, one per line
#	host_ed25519	ssh_keys: ed25519_private (OpenSSH format)
#	host_ed25519.pub	ssh_keys: ed25519_public
#
# It understands the block YAML herd emits (lists at the key's indent or
# deeper, literal block scalars for the private key, plain, 'single' and
# "double" quoted scalars, comments) and flow lists ([a, "b"], even over
# several lines), which hand-written user-data uses.  It does not check the
# YAML: what it cannot read it skips.  Names are not checked either; the
# caller does (they become file names and /etc/passwd entries).
BEGIN {
	depth = 0	# the stack: ind[1..depth], name[], item[]
	items = 0	# every list item gets its own number: "#N"
	blk = 0		# inside a block scalar: its path, the parent's indent
	flow = ""	# an unfinished flow list: the text so far, its path
}

function path(   p, j) {
	p = ""
	for (j = 1; j <= depth; j++)
		p = p (j > 1 ? "/" : "") name[j]
	return p
}

function push(i, n, is_item) {
	depth++
	ind[depth] = i; name[depth] = n; item[depth] = is_item
}

# A key at indent i ends every entry at i or deeper; a list item ends the
# deeper ones and its previous sibling, but not the key it belongs to,
# which may sit at the same indent ("users:" then "- name: x").
function pop_for(i, is_item) {
	while (depth > 0 && (ind[depth] > i ||
	    (ind[depth] == i && (!is_item || item[depth]))))
		depth--
}

function unquote(v,   o, j, c, q) {
	q = substr(v, 1, 1)
	o = ""
	for (j = 2; j <= length(v); j++) {
		c = substr(v, j, 1)
		if (q == "'" && c == "'") {
			if (substr(v, j + 1, 1) != "'")
				break
			j++
		} else if (q == "\"" && c == "\\") {
			j++
			c = substr(v, j, 1)
			if (c == "n")
				c = "\n"
			else if (c == "t")
				c = "\t"
		} else if (q == "\"" && c == "\"") {
			break
		}
		o = o c
	}
	return o
}

function scalar(v) {
	if (v ~ /^["']/)
		return unquote(v)
	sub(/[ \t]+#.*$/, "", v)
	sub(/[ \t]+$/, "", v)
	return v
}

# Where the quoted scalar starting at v's first character ends (the index
# of its closing quote, or length(v)).
function quote_end(v,   j, c, q) {
	q = substr(v, 1, 1)
	for (j = 2; j <= length(v); j++) {
		c = substr(v, j, 1)
		if (q == "\"" && c == "\\")
			j++
		else if (c == q && q == "'" && substr(v, j + 1, 1) == "'")
			j++
		else if (c == q)
			return j
	}
	return length(v)
}

# A whole flow list "[a, 'b', ...]": each item under p as a list item.
function flow_list(v, p,   j, c, e, s) {
	v = substr(v, 2)
	while (v != "") {
		sub(/^[ \t]+/, "", v)
		c = substr(v, 1, 1)
		if (c == "]" || c == "")
			break
		if (c == ",") {
			v = substr(v, 2)
			continue
		}
		if (c == "'" || c == "\"") {
			e = quote_end(v)
			s = unquote(substr(v, 1, e))
		} else {
			e = match(v, /[],]/)
			e = e ? e - 1 : length(v)
			s = scalar(substr(v, 1, e))
		}
		emit(p "/#" (++items), s)
		v = substr(v, e + 1)
	}
}

# Does v hold the closing bracket of a flow list (outside quotes)?
function flow_closed(v,   j, c) {
	for (j = 1; j <= length(v); j++) {
		c = substr(v, j, 1)
		if (c == "'" || c == "\"") {
			j += quote_end(substr(v, j)) - 1
		} else if (c == "]") {
			return 1
		}
	}
	return 0
}

function emit(p, v,   a) {
	split(p, a, "/")
	if (p ~ /^users\/#[0-9]+\/name$/)
		print substr(a[2], 2) " " v > (out "/users")
	else if (p ~ /^users\/#[0-9]+\/ssh[_-]authorized[_-]keys(\/#[0-9]+)?$/)
		print v > (out "/keys." substr(a[2], 2))
	else if (p == "ssh_keys/ed25519_private")
		printf "%s%s", v, (v ~ /\n$/ ? "" : "\n") > (out "/host_ed25519")
	else if (p == "ssh_keys/ed25519_public")
		print v > (out "/host_ed25519.pub")
}

# The value v of the entry (key or list item) whose path is p and whose
# line starts at indent i.
function value(i, p, v) {
	if (v ~ /^[|>]/) {
		blk = 1; blk_path = p; blk_min = i; blk_ind = -1
		blk_val = ""; blk_blank = 0
	} else if (v ~ /^\[/) {
		if (flow_closed(v))
			flow_list(v, p)
		else {
			flow = v; flow_path = p
		}
	} else if (v != "" && v !~ /^#/) {
		emit(p, scalar(v))
	}
}

function entry(i, s,   n, k, v, p) {
	if (s ~ /^-( |$)/) {
		pop_for(i, 1)
		push(i, "#" (++items), 1)
		s = substr(s, 2)
		n = match(s, /[^ ]/)
		if (n)
			entry(i + n, substr(s, n))
		return
	}
	if (match(s, /^[A-Za-z0-9_.-]+:( |$)/) ||
	    match(s, /^"[^"]*":( |$)/) || match(s, /^'[^']*':( |$)/)) {
		k = substr(s, 1, RLENGTH)
		sub(/:( )?$/, "", k)
		if (k ~ /^["']/)
			k = unquote(k)
		v = substr(s, RLENGTH + 1)
		sub(/^[ \t]+/, "", v)
		pop_for(i, 0)
		p = path()
		p = p (p == "" ? "" : "/") k
		if (v == "" || v ~ /^#/ || v ~ /^[|>[]/)
			push(i, k, 0)
		value(i, p, v)
		return
	}
	# A scalar list item ("- ssh-ed25519 AAAA...").
	if (depth > 0 && item[depth])
		value(ind[depth], path(), s)
}

# The key of a block scalar or flow list stays on the stack: the next
# line, at its indent or less, ends it.
function block_end() {
	emit(blk_path, blk_val)
	blk = 0
}

{
	sub(/\r$/, "")
	line = $0
	if (flow != "") {
		flow = flow " " line
		if (flow_closed(flow)) {
			flow_list(flow, flow_path)
			flow = ""
		}
		next
	}
	i = match(line, /[^ ]/)
	if (blk) {
		if (i == 0) {
			blk_blank++
			next
		}
		if (i - 1 > blk_min) {
			if (blk_ind < 0)
				blk_ind = i - 1
			while (blk_blank > 0) {
				blk_val = blk_val "\n"
				blk_blank--
			}
			blk_val = blk_val substr(line, (i - 1 < blk_ind ? i : blk_ind + 1)) "\n"
			next
		}
		block_end()
	}
	if (i == 0)
		next
	s = substr(line, i)
	if (s ~ /^#/ || s ~ /^---/ || s ~ /^\.\.\./ || s ~ /^%/)
		next
	entry(i - 1, s)
}

END {
	if (blk)
		block_end()
	if (flow != "")
		flow_list(flow, flow_path)
}
