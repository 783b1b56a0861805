#!/bin/bash
# An idmappable shiftfs-fuse (issue 14 part 5, docs/fuse.md "Idmapped mounts
# of a shiftfs-fuse mount"): with -o idmap it negotiates FUSE_ALLOW_IDMAP,
# and its mount can be idmapped by the kernel (`shiftmount bind
# --backend=kernel`, mount_setattr MOUNT_ATTR_IDMAP).  Two maps then compose:
#
#   disk n  --shiftfs-fuse map b:0:100000--> A 100000+n
#           --idmapped mount b:100000:200000--> B 200000+n  = id n of a
#           user namespace mapped at 200000 (a container's root is n = 0).
#
# A process of that namespace works through B: what it makes, chowns, its
# ACLs and file capabilities land on disk with its interior ids; the
# kernel's permission checks still refuse what they must.  Without -o idmap
# nothing changes: the kernel refuses the idmapped mount, with a hint.
. "$(dirname "$0")/../lib/private-ns.sh"
. "$(dirname "$0")/../lib/lib.sh"

skip_all_unless_root
for t in setfacl getfacl setcap getcap getfattr setpriv; do
	if ! command -v $t >/dev/null; then
		skip "needs $t"
		done_testing
		exit
	fi
done
chmod 755 "$SM_TMP" # the namespace's processes (host 200000+) reach B below it

features() { getfattr --absolute-names -n user.shiftmount.fuse --only-values "$1" 2>&1; }
fstype_of() { findmnt -n -o FSTYPE --mountpoint "$1"; } # DIR
fuse_mount() { # SRC DIR [OPTS]: shiftfs-fuse SRC on DIR (unmounted at exit)
	mkdir -p "$2"
	shiftfs-fuse -o "map=b:0:100000:65536${3:+,$3}" "$1" "$2" || return
	at_exit "umount -l '$2'"
}
in_ns() { userns-run --map-root 200000 -- sh -c "$1"; } # SCRIPT, as root of the namespace

one_fs() { # TYPE
	local type=$1 src A B out before
	src=$(scratch_fs "$type" 64) || { skip "no $type scratch fs"; return; }
	A=$SM_TMP/$type-a B=$SM_TMP/$type-b
	chmod 755 "$src"
	mkdir "$src/other" "$src/sticky"
	chown 7:7 "$src/other"
	chmod 1777 "$src/sticky"
	echo seven >"$src/sticky/of7"
	chown 7:7 "$src/sticky/of7"
	chmod 644 "$src/sticky/of7"

	ok "$type: shiftfs-fuse -o idmap mounts" fuse_mount "$src" "$A" idmap
	like "$type: ... and says idmap=on (KILLPRIV_V2 left to the kernel)" "$(features "$A")" \
		"^passthrough=(on|off) killpriv_v2=off writeback=off idmap=on"
	mkdir -p "$B"
	ok "$type: shiftmount bind --backend=kernel of the shiftfs-fuse mount" \
		shiftmount bind --backend=kernel --map b:100000:200000:65536 "$A" "$B"
	at_exit "umount -l '$B'"
	is "$type: ... B is the same FUSE filesystem" "$(fstype_of "$B")" fuse.shiftfs-fuse
	like "$type: ... with the idmap mount option" "$(findmnt -n -o OPTIONS --mountpoint "$B")" "idmapped"
	is "$type: the source's root through B" "$(owner "$B")" "200000:200000"

	# The namespace's root makes, chowns, sets an ACL and a capability,
	# renames and unlinks through B.
	out=$(in_ns "cd '$B' && echo data >f && mkdir d && ln -s f s && ln f h && mkfifo p &&
		chown 5:6 f && chmod 640 f && setfacl -m u:9:rw f && setcap cap_net_raw+ep f &&
		mkdir other/byroot && echo x >other/fileroot &&
		mv h h2 && rm h2 && mv d d2 && echo done" 2>&1)
	is "$type: as the namespace's root through B: create, chown, chmod, ACL, capability, rename, unlink" "$out" done
	is "$type: f seen in the namespace" "$(in_ns "stat -c %u:%g '$B/f'")" "5:6"
	is "$type: f through B" "$(owner "$B/f")" "200005:200006"
	is "$type: f through A" "$(owner "$A/f")" "100005:100006"
	is "$type: f on disk" "$(owner "$src/f")" "5:6"
	is "$type: its mode" "$(stat -c %a "$src/f")" 660 # 640, group raised by the ACL mask
	for n in d2 s p other/byroot other/fileroot; do
		is "$type: $n, made by the namespace's root, on disk" "$(stat -c %u:%g "$src/$n")" "0:0"
		is "$type: ... and through A" "$(stat -c %u:%g "$A/$n")" "100000:100000"
	done
	is "$type: the symlink's target" "$(readlink "$src/s")" f
	is "$type: the hard link is gone again, f has one link" "$(stat -c %h "$src/f")" 1
	like "$type: the ACL names disk uid 9" "$(getfacl -n "$src/f" 2>/dev/null)" "user:9:rw-"
	like "$type: ... seen in the namespace as its uid 9" \
		"$(in_ns "getfacl -n '$B/f'" 2>/dev/null)" "user:9:rw-"
	like "$type: the file capability is on disk" "$(getcap "$src/f")" "cap_net_raw=ep"
	# The namespace's root is disk 0: a v2 capability (no root id).
	like "$type: ... for disk root (v2, no rootid)" \
		"$(getfattr --absolute-names -n security.capability -e hex "$src/f" 2>&1)" \
		"security.capability=0x01000002"
	like "$type: ... seen in the namespace" "$(in_ns "getcap '$B/f'")" "cap_net_raw=ep"

	# What the kernel's checks (default_permissions, through the idmap) must
	# still refuse: the requests carry no ids, so it is all theirs.
	out=$(in_ns "cd '$B' && setpriv --reuid 8 --regid 8 --clear-groups sh -c '
		rm -f sticky/of7 2>/dev/null && echo unlinked; { echo more >>sticky/of7; } 2>/dev/null && echo wrote
		touch other/no 2>/dev/null && echo created; mv sticky/of7 sticky/x 2>/dev/null && echo renamed
		echo end'")
	is "$type: uid 8 of the namespace cannot unlink, write, create or rename where it must not" \
		"$out" end
	is "$type: ... of7 is unchanged on disk" "$(cat "$src/sticky/of7"):$(owner "$src/sticky/of7")" "seven:7:7"
	ok "$type: uid 7 of the namespace (of7's owner) may unlink it through B" \
		in_ns "cd '$B' && setpriv --reuid 7 --regid 7 --clear-groups rm sticky/of7"
	not_ok_expected "$type: ... it is gone on disk" test -e "$src/sticky/of7"

	# Through A (not idmapped) on the same connection: unchanged for callers.
	mkdir "$src/own5" && chown 5:5 "$src/own5"
	ok "$type: through A, host uid 100005 creates in its directory" \
		setpriv --reuid 100005 --regid 100005 --clear-groups sh -c "echo a >'$A/own5/new'"
	is "$type: ... stored as disk 5" "$(owner "$src/own5/new")" "5:5"
	not_ok_expected "$type: ... host uid 100008 cannot unlink it" \
		setpriv --reuid 100008 --regid 100008 --clear-groups rm -f "$A/own5/new"
	not_ok_expected "$type: ... host root (outside the map) cannot create through A" \
		sh -c "echo r >'$A/root-made'"
	out=$(setpriv --reuid 100005 --regid 100005 --clear-groups sh -c "
		mv '$A/own5/new' '$A/own5/renamed' && ln '$A/own5/renamed' '$A/own5/link' &&
		rm '$A/own5/link' && echo ok" 2>&1)
	is "$type: ... rename, link and unlink through A as its owner" "$out" ok

	# auto picks the kernel backend for an idmappable shiftfs-fuse SRC.
	mkdir -p "$SM_TMP/$type-auto"
	ok "$type: shiftmount bind (auto) of the -o idmap mount" \
		shiftmount bind --map b:100000:200000:65536 "$A" "$SM_TMP/$type-auto"
	at_exit "umount -l '$SM_TMP/$type-auto'"
	is "$type: ... idmapped by the kernel (owners as B's)" "$(owner "$SM_TMP/$type-auto/f")" "200005:200006"
	is "$type: ... one shiftfs-fuse process, not a second one on top" \
		"$(pgrep -c -f "shiftfs-fuse .*$SM_TMP/$type-auto")" 0

	# Without -o idmap (the default, and -o noidmap): not idmappable.
	local C=$SM_TMP/$type-c D=$SM_TMP/$type-d
	ok "$type: shiftfs-fuse without -o idmap mounts" fuse_mount "$src" "$C"
	like "$type: ... idmap=off, KILLPRIV_V2 as before" "$(features "$C")" "killpriv_v2=on writeback=off idmap=off"
	mkdir -p "$D"
	before=$(mountinfo_sig)
	out=$(shiftmount bind --backend=kernel --map b:100000:200000:65536 "$C" "$D" 2>&1)
	is "$type: ... --backend=kernel of it: exit 1" "$?" 1
	like "$type: ... with the hint to mount it with -o idmap" "$out" \
		"hint: a FUSE filesystem can be idmapped only when its server allows it \(Linux 6.12\+\): mount a shiftfs-fuse SRC with 'shiftfs-fuse -o idmap'"
	is "$type: ... nothing mounted" "$(mountinfo_sig)" "$before"
	umount "$C"
	ok "$type: -o idmap,noidmap mounts" fuse_mount "$src" "$C" idmap,noidmap
	like "$type: ... idmap=off" "$(features "$C")" "idmap=off"
	out=$(shiftmount bind --backend=kernel --map b:100000:200000:65536 "$C" "$D" 2>&1)
	is "$type: ... not idmappable: exit 1" "$?" 1
	umount "$C"
}

one_fs ext4
one_fs tmpfs
done_testing
