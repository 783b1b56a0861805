#!/bin/bash
# shiftmount bind on bad input: exit 2, the offending token named, and the
# mount table unchanged; on a filesystem the kernel cannot idmap (a FUSE
# mount): exit 1 with the hint, nothing mounted.
. "$SM_SRC/tests/lib/private-ns.sh"
. "$SM_SRC/tests/lib/lib.sh"
chmod 755 "$SM_TMP"

userns-run --pidfile "$SM_TMP/a.pid" -- sleep 600 &
wait_for "the user namespace's pid file" 20 test -s "$SM_TMP/a.pid"
A=$(cat "$SM_TMP/a.pid")
at_exit "kill $A"

fs=$(scratch_fs tmpfs 16) || { skip "no tmpfs"; done_testing; exit; }
src=$fs/src dst=$SM_TMP/dst
mkdir -p "$src" "$dst"
printf 'origin = 100000\nbogus line\n' >"$SM_TMP/bad.conf"

# refuse WANT_STATUS REGEX DESC -- ARGS...: runs shiftmount bind ARGS and
# checks status, message and that the mount table did not change.
refuse() {
	local want=$1 re=$2 desc=$3 before out rc
	shift 4
	before=$(mountinfo_sig)
	out=$(shiftmount bind "$@" 2>&1)
	rc=$?
	is "$desc: exit $want" "$rc" "$want"
	like "$desc: message" "$out" "$re"
	is "$desc: mount table unchanged" "$(mountinfo_sig)" "$before"
}

refuse 2 '^shiftmount: --map: "b:0:100000:0": COUNT must be > 0$' "COUNT 0" -- \
	--map b:0:100000:0 "$src" "$dst"
refuse 2 '--map: "x:1:2:3": expected \[u:\|g:\|b:\]DISK:HOST:COUNT' "bad prefix" -- \
	--map x:1:2:3 "$src" "$dst"
refuse 2 '--map: "b:1:2": expected' "two fields" -- --map b:1:2 "$src" "$dst"
refuse 2 '--map: "u:1:2:3:4": too many fields' "four fields" -- --map u:1:2:3:4 "$src" "$dst"
refuse 2 '--map: "b:0:abc:1": HOST must be a number' "HOST not a number" -- \
	--map b:0:abc:1 "$src" "$dst"
refuse 2 '--map: "b:4294967290:0:10": DISK\+COUNT and HOST\+COUNT must not pass' \
	"extent past the last id" -- --map b:4294967290:0:10 "$src" "$dst"
refuse 2 '--map: "b:5:200000:10": overlaps another extent.s disk ids' "overlapping disk ids" -- \
	--map "b:0:100000:10 b:5:200000:10" "$src" "$dst"
refuse 2 '--map: "u:50:100000:10": overlaps another extent.s host ids' "overlapping host ids" -- \
	--map "b:0:100000:10" --map "u:50:100000:10" "$src" "$dst"
refuse 2 '--map: no gid extent' "uid extents only" -- --map u:0:100000:10 "$src" "$dst"
refuse 2 "SRC: \"$SM_TMP/nonexistent\": No such file or directory" "missing SRC" -- \
	--shift="$A" "$SM_TMP/nonexistent" "$dst"
refuse 2 "DST: \"$SM_TMP/nowhere\": No such file or directory" "missing DST" -- \
	--shift="$A" "$src" "$SM_TMP/nowhere"
refuse 2 '"--frobnicate": unknown option' "unknown option" -- --frobnicate "$src" "$dst"
refuse 2 '"-z": unknown option' "unknown short option in a cluster" -- -rz "$src" "$dst"
refuse 2 '--range: "0": must be a number from 1' "range 0" -- --shift="$A" --range 0 "$src" "$dst"
refuse 2 '--range: "lots": must be a number' "range not a number" -- \
	--shift="$A" --range lots "$src" "$dst"
refuse 2 '-o: "bogus": unknown option' "bad -o option" -- -o ro,bogus --shift="$A" "$src" "$dst"
refuse 2 '-o: "ro,,nodev": unknown option' "empty -o option" -- -o ro,,nodev --shift="$A" \
	"$src" "$dst"
refuse 2 '--shift: "notapid": must be a PID or a user-namespace file' "TARGET not a pid" -- \
	--shift=notapid "$src" "$dst"
refuse 2 '--shift: "/etc/hostname": not a user namespace' "TARGET a plain file" -- \
	--shift=/etc/hostname "$src" "$dst"
refuse 2 "--shift: \"/proc/$A/ns/mnt\": not a user namespace" "TARGET another namespace" -- \
	--shift=/proc/"$A"/ns/mnt "$src" "$dst"
refuse 2 '--shift: "999999999": no such process' "TARGET a missing pid" -- \
	--shift=999999999 "$src" "$dst"
refuse 2 "--shift: \"$$\": is the initial user namespace" "TARGET in the initial namespace" -- \
	--shift=$$ "$src" "$dst"
refuse 2 '--shift: needs a TARGET' "bare --shift as init root" -- --shift "$src" "$dst"
refuse 2 '--shift: needs a TARGET' "neither --shift nor --map as init root" -- "$src" "$dst"
refuse 2 '--map: cannot be combined with --shift' "--map with --shift" -- \
	--shift="$A" --map b:0:200000:10 "$src" "$dst"
refuse 2 '--map: cannot be combined with --origin' "--map with --origin" -- \
	--origin 5 --map b:0:200000:10 "$src" "$dst"
refuse 2 '--origin-ns: cannot be combined with --origin' "--origin-ns with --origin" -- \
	--shift="$A" --origin 5 --origin-ns /proc/"$A"/ns/user "$src" "$dst"
refuse 2 '--origin: "4294967000": ORIGIN\+RANGE-1 .* passes 4294967294' "origin overflow" -- \
	--shift="$A" --origin 4294967000 "$src" "$dst"
refuse 2 '--origin-gid: "4294967294": ORIGIN\+RANGE-1' "gid origin overflow" -- \
	--shift="$A" --origin-uid 0 --origin-gid 4294967294 "$src" "$dst"
refuse 2 '--origin: "-1": must be a number from 0 to 4294967294' "negative origin" -- \
	--shift="$A" --origin -1 "$src" "$dst"
refuse 2 '--origin-uid: "4294967295": must be a number' "origin past the last id" -- \
	--shift="$A" --origin-uid 4294967295 "$src" "$dst"
refuse 2 '--backend: "magic": must be auto, kernel or fuse' "bad backend" -- \
	--backend=magic --shift="$A" "$src" "$dst"
refuse 2 '"extra": unexpected argument' "three operands" -- --shift="$A" "$src" "$dst" extra
refuse 2 'DST missing' "one operand" -- --shift="$A" "$src"
refuse 2 '--origin: needs an argument' "option without its argument" -- "$src" "$dst" --origin
# The site config (a test copy): read when the options leave the origin open.
before=$(mountinfo_sig)
out=$(SHIFTMOUNT_CONFIG=$SM_TMP/bad.conf shiftmount bind --shift="$A" "$src" "$dst" 2>&1)
is "malformed SHIFTMOUNT_CONFIG: exit 2" "$?" 2
like "malformed SHIFTMOUNT_CONFIG: names file and line" "$out" \
	"$SM_TMP/bad.conf: line 2: expected KEY = VALUE"
is "malformed SHIFTMOUNT_CONFIG: mount table unchanged" "$(mountinfo_sig)" "$before"

# A FUSE filesystem as SRC: the kernel cannot idmap it.
fsrc=$SM_TMP/fuse-src fmnt=$SM_TMP/fuse-mnt
mkdir -p "$fsrc" "$fmnt"
if ! command -v bindfs >/dev/null || ! bindfs "$fsrc" "$fmnt" 2>/dev/null; then
	skip "bindfs cannot make a FUSE mount here"
else
	at_exit "umount -l '$fmnt'"
	before=$(mountinfo_sig)
	out=$(shiftmount bind --backend=kernel --shift="$A" --origin 100000 "$fmnt" "$dst" 2>&1)
	is "FUSE SRC, --backend=kernel: exit 1" "$?" 1
	like "... says why" "$out" "making the shifted mount: Invalid argument"
	like "... with the FUSE hint" "$out" \
		"hint: a FUSE filesystem can be idmapped only when its server allows it \(Linux 6.12\+\): mount a shiftfs-fuse SRC with 'shiftfs-fuse -o idmap', or use --backend=fuse"
	is "... nothing mounted" "$(mountinfo_sig)" "$before"
	# -r over a tree with a FUSE submount: the whole clone is refused.
	mkdir -p "$fs/tree/sub" && mount --bind "$fmnt" "$fs/tree/sub"
	at_exit "umount -l '$fs/tree/sub'"
	before=$(mountinfo_sig)
	out=$(shiftmount bind -r --backend=kernel --shift="$A" --origin 100000 "$fs/tree" "$dst" 2>&1)
	is "-r over a FUSE submount, --backend=kernel: exit 1" "$?" 1
	like "... with the hint" "$out" "hint: this filesystem cannot be idmapped by the kernel"
	is "... nothing mounted" "$(mountinfo_sig)" "$before"
	ok "... without -r the tree itself is shifted" \
		shiftmount bind --backend=kernel --shift="$A" --origin 100000 "$fs/tree" "$dst"
	umount "$dst"
	if [ ! -x "$SM_BUILD/bin/shiftfs-fuse" ]; then
		out=$(shiftmount bind --shift="$A" --origin 100000 "$fmnt" "$dst" 2>&1)
		is "FUSE SRC, auto, no FUSE backend built: exit 1" "$?" 1
		like "... says the kernel cannot and FUSE is missing" "$out" \
			"the kernel cannot idmap this filesystem and the FUSE backend is not available"
		is "... nothing mounted" "$(mountinfo_sig)" "$before"
	fi
fi

# No stray helper processes: every namespace helper was reaped.
is "no zombie or stray children of ours" "$(ps -o stat= --ppid $$ | grep -c Z)" "0"
ok "bind --help exits 0" shiftmount bind --help

done_testing
