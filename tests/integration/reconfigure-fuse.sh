#!/bin/bash
# shiftmount reconfigure on the FUSE backend: a new shiftfs-fuse instance
# goes beneath the old one, the old one is detached and exits once its last
# user (an open file, a cwd) is gone; open files keep the old map, new
# lookups see the new one, and 100 swaps under a tight stat loop never show
# the unshifted owner or ENOENT.  The new instance is given the old one's
# options (-o idmap, cache=, threads=, ...).
. "$SM_SRC/tests/integration/reconfigure-lib.sh"

# Exactly one live shiftfs-fuse process serves DST.
one_instance() { # DST
	local p n=0
	for p in $(pgrep -x shiftfs-fuse); do
		tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -q " $1 \?$" && ! gone "$p" && n=$((n + 1))
	done
	[ $n = 1 ]
}

for fs in ext4 tmpfs; do
	dir=$(scratch_fs $fs) || { ok "$fs: a scratch filesystem" false; continue; }
	live_swap fuse "$dir/img" "$SM_TMP/dst-$fs" "fuse on $fs"
	swap_race fuse "$dir/race" "$SM_TMP/race-$fs" "fuse on $fs"
	# Every instance but the one serving DST exits (the last old one
	# once its last request is answered).
	wait_for "fuse on $fs: after 100 swaps only one shiftfs-fuse serving DST" 30 \
		one_instance "$SM_TMP/race-$fs"

	# A new instance that cannot start: exit 1, the old one serves on.
	d=$SM_TMP/race-$fs
	state=$(mount_state "$d")
	sig=$(mountinfo_sig)
	out=$(SHIFTFS_FUSE=$SM_TMP/no-such-shiftfs-fuse shiftmount reconfigure --map b:100000:400000:65536 "$d" 2>&1)
	is "fuse on $fs: no shiftfs-fuse to start: exit 1" "$?" 1
	like "fuse on $fs:   says so" "$out" "starting shiftfs-fuse: No such file or directory"
	is "fuse on $fs:   the mount unchanged (id, flags, map)" "$(mount_state "$d")" "$state"
	is "fuse on $fs:   the mount table unchanged" "$(mountinfo_sig)" "$sig"
	ok "fuse on $fs:   and it still serves" stat "$d/watched"

	# The new instance serves as the old one did: the options it was
	# started with beyond map and flags go along (user.shiftmount.options);
	# the map and the flags are the ones asked for.
	src=$dir/opts d=$SM_TMP/opts-$fs
	mkdir -p "$src" "$d"
	echo hi >"$src/f"
	opts=nopassthrough,nokillpriv,idmap,handles=always,threads=3,cache=never,attr_timeout=0.5
	shiftfs-fuse -o "map=b:0:100000:65536,$opts" -- "$src" "$d"
	at_exit "umount -l '$d' 2>/dev/null"
	carried=$(getfattr --absolute-names --only-values -n user.shiftmount.options "$d" 2>&1)
	is "fuse on $fs: the options it was started with, in user.shiftmount.options" "$carried" "$opts"
	shiftmount reconfigure --map b:0:200000:65536 "$d"
	is "fuse on $fs:   reconfigure --map: exit 0" "$?" 0
	is "fuse on $fs:   the new map" "$(stat -c %u "$d/f")" 200000
	is "fuse on $fs:   the new instance was started with the same options" \
		"$(getfattr --absolute-names --only-values -n user.shiftmount.options "$d" 2>&1)" "$opts"
	like "fuse on $fs:   and serves by them (shiftmount show -v)" "$(shiftmount show -v "$d")" \
		"features +passthrough=off killpriv_v2=off writeback=off idmap=on cache=never entry_timeout=0 attr_timeout=0.5 "
	wait_for "fuse on $fs:   the old instance to exit, one shiftfs-fuse serving DST" 30 \
		one_instance "$d"
	umount "$d"

	# A read-only image mount made read-write: the options go along, the
	# cache by use does not (cache=image was the default of ro, not asked).
	shiftfs-fuse -o "map=b:0:100000:65536,ro,idmap,threads=2" -- "$src" "$d"
	like "fuse on $fs: -o ro,idmap,threads=2: cache=image" "$(shiftmount show -v "$d")" "idmap=on cache=image"
	shiftmount reconfigure -o rw "$d"
	is "fuse on $fs:   reconfigure -o rw: exit 0" "$?" 0
	ok "fuse on $fs:   writable" sh -c "echo rw >>'$d/f'"
	is "fuse on $fs:   options carried" \
		"$(getfattr --absolute-names --only-values -n user.shiftmount.options "$d" 2>&1)" "idmap,threads=2"
	like "fuse on $fs:   cache by use: auto for rw" "$(shiftmount show -v "$d")" "idmap=on cache=auto "
	umount "$d"

	# The source directory's own user.shiftmount.options, which an older
	# instance passed through and a tenant may have set, is not believed:
	# it is listed (the served one never is), and the new instance gets
	# the defaults, not what was planted.
	setfattr -n user.shiftmount.options -v "idmap,allow_other" "$src"
	shiftfs-fuse -o "map=b:0:100000:65536,cache=never" -- "$src" "$d"
	ok "fuse on $fs: an options xattr on the source directory shows in the listing" \
		sh -c "getfattr --absolute-names -d -m - '$d' | grep -q shiftmount.options"
	shiftmount reconfigure --map b:0:200000:65536 "$d"
	is "fuse on $fs:   reconfigure --map: exit 0" "$?" 0
	like "fuse on $fs:   neither planted nor served options were carried: defaults" \
		"$(shiftmount show -v "$d")" "idmap=off cache=auto "
	umount "$d"
	setfattr -x user.shiftmount.options "$src"
done

done_testing
