#!/bin/bash
# shiftfs-fuse under real workloads' limits: a tree with more inodes than
# the soft open-file limit it was started with (it raises the soft limit to
# the hard one, and root the hard one to fs.nr_open where it may; a hard
# limit it cannot raise is fuse-handles.sh), and O_DIRECT
# I/O (fio, databases), which must not reach the source file with our
# unaligned buffers.
. "$(dirname "$0")/../lib/lib.sh"

skip_all_unless_root

src=$(scratch_fs ext4 128) || { skip "no ext4 scratch fs"; done_testing; exit; }
dst=$SM_TMP/dst
mkdir "$dst" "$src/many"
# 3000 files, three times the soft limit shiftfs-fuse is started with below.
(cd "$src/many" && seq -f 'f%05g' 1 3000 | xargs touch)
# Disk 100000.. is host 0.. through the mount: the tree belongs to the host's
# root there, and root's writes land at 100000.
chown -R 100000:100000 "$src"

prlimit --nofile=1000:5000 shiftfs-fuse -f -o map=b:100000:0:65536 "$src" "$dst" &
fpid=$!
at_exit "kill -9 $fpid"
wait_for "the FUSE mount" 30 grep -q " $dst .* fuse.shiftfs-fuse " /proc/self/mountinfo
ok "mounted under a soft open-file limit of 1000" grep -q " $dst .* fuse.shiftfs-fuse " /proc/self/mountinfo

# stat every file (find -printf asks for the owner): each becomes a node.
out=$(find "$dst/many" -type f -printf '%U\n' 2>&1 | sort | uniq -c | sed 's/^ *//')
is "3000 files stat through the mount, all with the mapped owner" "$out" "3000 0"
ok "the mount still answers after that" stat "$dst/many/f03000"

dd if=/dev/urandom of="$SM_TMP/pattern" bs=64k count=4 status=none
ok "an O_DIRECT write through the mount succeeds" dd if="$SM_TMP/pattern" of="$dst/direct" bs=64k oflag=direct status=none
is "  the data is on the source" "$(cmp "$SM_TMP/pattern" "$src/direct" && echo same)" "same"
is "  owned by the mapped disk id" "$(owner "$src/direct")" "100000:100000"
ok "an O_DIRECT read through the mount succeeds" \
	dd if="$dst/direct" of="$SM_TMP/back" bs=64k iflag=direct status=none
is "  and reads the same data" "$(cmp "$SM_TMP/pattern" "$SM_TMP/back" && echo same)" "same"

umount "$dst"
wait_for "the FUSE server to exit" 30 sh -c "! kill -0 $fpid"
ok "umount stops shiftfs-fuse" sh -c "! kill -0 $fpid 2>/dev/null"
done_testing
