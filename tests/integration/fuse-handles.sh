#!/bin/bash
# shiftfs-fuse on a tree with more inodes than it may hold open files.  The
# kernel keeps a whole tree's inodes while memory allows, and the open-file
# limit cannot always be raised (root without CAP_SYS_RESOURCE, as in many
# containers): past half its limit the inode table keeps file handles instead
# of fds and reopens inodes per request.  Everything a user does must work
# the same on those inodes, and an inode number given again to a new file
# must not bring back the old file.
. "$(dirname "$0")/../lib/lib.sh"

skip_all_unless_root

# Open files of process $1, not counting libfuse's splice pipes, which each
# worker thread makes on its first read.
nonpipe_fds() { find /proc/$1/fd -mindepth 1 -lname 'pipe:*' -prune -o -print | wc -l; }

N=1500     # files in the tree
LIMIT=256  # open files shiftfs-fuse may have: the table's budget is 128

for fs in ext4 xfs btrfs tmpfs; do
	src=$(scratch_fs $fs 320) || { ok "a $fs scratch filesystem" false; continue; }
	dst=$(mktemp -d "$SM_TMP/dst.XXXX")
	mkdir "$src/many"
	(cd "$src/many" && seq -f 'f%05g' 1 $N | xargs touch)
	chown -R 100000:100000 "$src"

	# Without CAP_SYS_RESOURCE it cannot raise its hard limit, as in a
	# container.  cache=never: every access is a lookup, so the stale-inode
	# check below really asks the table.
	setpriv --bounding-set=-sys_resource prlimit --nofile=$LIMIT:$LIMIT \
		shiftfs-fuse -f -o map=b:100000:0:65536,cache=never "$src" "$dst" &
	fpid=$!
	at_exit "kill -9 $fpid"
	wait_for "$fs: mounted with a hard open-file limit of $LIMIT" 30 grep -q " $dst .* fuse.shiftfs-fuse " /proc/self/mountinfo
	is "$fs:   and it cannot raise it" "$(awk '/Max open files/ {print $5}' /proc/$fpid/limits)" "$LIMIT"

	out=$(find "$dst/many" -type f -printf '%U\n' 2>&1 | sort | uniq -c | sed 's/^ *//')
	is "$fs: $N files stat through the mount, all with the mapped owner" "$out" "$N 0"
	fds=$(nonpipe_fds $fpid)
	ok "$fs:   while shiftfs-fuse holds $fds open files, under its limit" test "$fds" -lt $LIMIT

	# The budget is spent: a file made now is a node with a handle.
	f=$dst/many/fresh
	ok "$fs: create and write a file past the budget" sh -c "echo data > '$f'"
	is "$fs:   read it back" "$(cat "$f")" "data"
	is "$fs:   on disk owned by the mapped id" "$(owner "$src/many/fresh")" "100000:100000"
	ok "$fs: write to an existing file" sh -c "echo more >> '$dst/many/f0$N'"
	ok "$fs: mkdir in the tree" mkdir "$dst/many/d"
	ok "$fs:   create in it" touch "$dst/many/d/x"
	is "$fs:   owned by container root on disk" "$(owner "$src/many/d/x")" "100000:100000"
	ok "$fs: rename a file past the budget" mv "$f" "$dst/many/moved"
	ok "$fs: chmod it" chmod 640 "$dst/many/moved"
	ok "$fs: chown it to a mapped id" chown 7:7 "$dst/many/moved"
	is "$fs:   mode and owner on disk" "$(stat -c '%a %u:%g' "$src/many/moved")" "640 100007:100007"
	ok "$fs: set an extended attribute" setfattr -n user.k -v v "$dst/many/moved"
	is "$fs:   read it back" "$(getfattr --only-values -n user.k "$dst/many/moved" 2>/dev/null)" "v"
	ok "$fs: hard link it" ln "$dst/many/moved" "$dst/many/link"
	is "$fs:   two names, one inode" "$(stat -c %h "$dst/many/moved")" "2"
	ok "$fs: make a symlink" ln -s target "$dst/many/sl"
	is "$fs:   read it back" "$(readlink "$dst/many/sl")" "target"
	ok "$fs: list a directory past the budget" ls "$dst/many/d"
	# Removed while open: still usable through the open file.
	out=$(python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
os.write(fd, b"0123456789")
os.unlink(sys.argv[1])
os.ftruncate(fd, 4)
print(os.fstat(fd).st_size, os.pread(fd, 10, 0).decode())' "$dst/many/opened" 2>&1)
	is "$fs: ftruncate and fstat a file removed while open" "$out" "4 0123"
	# Every request above reopened its inodes from handles: none of those
	# fds may stay open (the nodes made since hold handles, not fds).
	# The kernel sends RELEASE after close() returns, so the server closes
	# the last file's fd a moment later: wait for it, within a deadline.
	fds_back() { [ "$(nonpipe_fds $fpid)" -le "$fds" ]; }
	wait_for "$fs:   no fd left behind by those requests ($fds open before)" 10 fds_back

	# A file the mount knows (made now, past the budget: a handle), removed
	# and replaced behind its back: the new file may get the old inode
	# number, and must be seen as itself.  ext4 gives a freed number again
	# soon; a few tries make the case certain there.  The old inode is freed
	# only once the server has closed its fd of the write (RELEASE comes
	# after close() returns): wait for that before removing it, or a loaded
	# machine gives the new file another number.
	reused=0 bad=0
	for try in 1 2 3 4 5 6 7 8; do
		v=$dst/many/victim$try
		echo old >"$v"
		stat "$v" >/dev/null
		poll 10 fds_back || diag "$fs: try $try: the server still holds the write's fd"
		old_ino=$(stat -c %i "$src/many/victim$try")
		rm "$src/many/victim$try"
		echo replaced >"$src/many/victim$try"
		chown 100000:100000 "$src/many/victim$try"
		[ "$(stat -c %i "$src/many/victim$try")" = "$old_ino" ] && reused=$((reused + 1))
		[ "$(cat "$v" 2>&1)" = replaced ] || bad=$((bad + 1))
	done
	diag "$fs: the replacement had the old inode number in $reused of 8 tries"
	[ $fs = ext4 ] && ok "$fs:   the replacement had the old inode number at least once" test $reused -gt 0
	is "$fs: files replaced on the source read as the new ones" "$bad" "0"

	ok "$fs: rm -rf the tree through the mount" rm -rf "$dst/many"
	is "$fs:   the source is empty of it" "$(ls "$src" | grep -c many)" "0"

	ok "$fs: umount" umount "$dst"
	wait_for "$fs: umount stops shiftfs-fuse" 30 sh -c "! kill -0 $fpid"
done

# -o handles=: always holds every inode by handle, never by fd only.
src=$(scratch_fs ext4 128) || ok "an ext4 scratch filesystem" false
dst=$(mktemp -d "$SM_TMP/dst.XXXX")
mkdir "$src/many"
(cd "$src/many" && seq -f 'f%05g' 1 $N | xargs touch)
chown -R 100000:100000 "$src"
start() { # OPTS [WRAPPER...]: start shiftfs-fuse on $src at $dst, set fpid
	local opts=$1
	shift
	"$@" shiftfs-fuse -f -o "map=b:100000:0:65536,$opts" "$src" "$dst" >/dev/null 2>&1 &
	fpid=$!
	at_exit "kill -9 $fpid"
	poll 30 mounted
}
mounted() { grep -q " $dst .* fuse.shiftfs-fuse " /proc/self/mountinfo; }
stop() { umount "$dst"; poll 30 sh -c "! kill -0 $fpid"; }

start handles=always
ok "handles=always: mounted" mounted
base=$(nonpipe_fds $fpid)
out=$(find "$dst/many" -type f -printf '%U\n' 2>&1 | sort | uniq -c | sed 's/^ *//')
is "handles=always: $N files stat through the mount" "$out" "$N 0"
now=$(nonpipe_fds $fpid)
ok "handles=always:   with no more fds open than before ($base, now $now)" test "$now" -le "$base"
stop

start handles=never setpriv --bounding-set=-sys_resource prlimit --nofile=$LIMIT:$LIMIT
ok "handles=never: mounted under a hard limit of $LIMIT" mounted
like "handles=never: a walk past the limit fails as it says" \
	"$(find "$dst/many" -type f -printf '%U\n' 2>&1 | sort | uniq -c)" "Too many open files"
stop

# Without privilege over the filesystem (CAP_DAC_READ_SEARCH, or since
# Linux 6.10 CAP_SYS_ADMIN over its mount) no inode opens by handle.
err=$(timeout 10 setpriv --bounding-set=-dac_read_search,-sys_admin shiftfs-fuse -f \
	-o map=b:100000:0:65536,handles=always "$src" "$dst" 2>&1)
is "handles=always without the privilege: exit status 1" "$?" "1"
like "  says why" "$err" "handles=always: .*cannot hold its inodes by file handle"
ok "  and mounts nothing" sh -c "! grep -q ' $dst ' /proc/self/mountinfo"
done_testing
