#!/bin/bash
# shiftfs-fuse killed with SIGKILL in the middle of writes: what was
# fsync()ed is on the source, the mount reports ENOTCONN, umount cleans up.
. "$(dirname "$0")/../lib/lib.sh"

skip_all_unless_root
if ! command -v python3 >/dev/null; then
	skip "needs python3"
	done_testing
	exit
fi

src=$(scratch_fs ext4 64) || { skip "no ext4 scratch fs"; done_testing; exit; }
dst=$SM_TMP/dst
mkdir "$dst"
shiftfs-fuse -f -o map=b:0:0:65536 "$src" "$dst" &
fpid=$!
at_exit "kill -9 $fpid"
wait_for "the FUSE mount" 30 grep -q " $dst .* fuse.shiftfs-fuse " /proc/self/mountinfo
ok "mounted" grep -q " $dst .* fuse.shiftfs-fuse " /proc/self/mountinfo

# Writes 1 MiB blocks of a known pattern; after 8 of them fsync()s and says
# so, then keeps writing until the mount dies under it.
python3 - "$dst/data" "$SM_TMP/synced" <<'EOF' &
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
block = lambda i: bytes([i % 251]) * (1 << 20)
for i in range(8):
    os.write(fd, block(i))
os.fsync(fd)
open(sys.argv[2], "w").write("synced\n")
i = 8
try:
    while i < 400:
        os.write(fd, block(i)); i += 1
except OSError:
    pass
EOF
wpid=$!
wait_for "the writer to fsync" 30 test -s "$SM_TMP/synced"
ok "the writer fsync()ed 8 MiB" test -s "$SM_TMP/synced"
kill -9 $fpid
wait $fpid 2>/dev/null
wait $wpid 2>/dev/null

ok "the fsync()ed data is intact on the source" python3 - "$src/data" <<'EOF'
import sys
with open(sys.argv[1], "rb") as f:
    for i in range(8):
        b = f.read(1 << 20)
        assert b == bytes([i % 251]) * (1 << 20), "block %d differs" % i
EOF
like "the dead mount reports ENOTCONN" "$(stat "$dst" 2>&1)" "Transport endpoint is not connected"
like "shiftmount show still lists it" "$(shiftmount show 2>&1)" "$dst"
ok "umount cleans it up" umount "$dst"
ok "... and it is gone from the mount table" sh -c "! grep -q ' $dst ' /proc/self/mountinfo"
ok "the directory is usable again" touch "$dst/after"
done_testing
