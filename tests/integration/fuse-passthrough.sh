#!/bin/bash
# Passthrough I/O (FUSE_PASSTHROUGH, docs/fuse.md): as root of the initial
# user namespace shiftfs-fuse answers regular-file opens with a backing file,
# so the kernel reads, writes and maps the source file itself and no READ or
# WRITE request reaches the daemon.  What must keep working beside it:
# O_DIRECT (direct I/O on the source itself), mmap, O_TMPFILE, copy_file_range, flock and
# POSIX locks, a file open for reading while another open writes it,
# executing a file, and the switches that turn it off (-o nopassthrough,
# -o writeback).  The requests are counted from the daemon's -d log.
. "$(dirname "$0")/../lib/lib.sh"

skip_all_unless_root
if ! command -v python3 >/dev/null; then
	skip "needs python3"
	done_testing
	exit
fi

src=$(scratch_fs ext4 128) || { skip "no ext4 scratch fs"; done_testing; exit; }
chown 100000:100000 "$src"

mounted() { grep -q " $1 .* fuse.shiftfs-fuse " /proc/self/mountinfo; } # DIR
start() { # NAME [OPTS]: $SM_TMP/NAME served with -d into $SM_TMP/NAME.log
	local d=$SM_TMP/$1
	mkdir -p "$d"
	shiftfs-fuse -d -o "map=b:100000:0:65536${2:+,$2}" "$src" "$d" 2>"$d.log" &
	at_exit "kill -9 $!; umount -l '$d' 2>/dev/null"
	wait_for "the $1 mount" 30 mounted "$d"
}
requests() { grep -c "opcode: $2 " "$SM_TMP/$1.log"; } # NAME OPCODE: how many so far
features() { getfattr --absolute-names -n user.shiftmount.fuse --only-values "$1" 2>&1; }

start pt
d=$SM_TMP/pt
like "the mount says it uses passthrough" "$(features "$d")" "^passthrough=on killpriv_v2=on writeback=off"

dd if=/dev/urandom of="$SM_TMP/pattern" bs=1M count=4 status=none
ok "a 4 MiB write through the mount" dd if="$SM_TMP/pattern" of="$d/data" bs=1M status=none
ok "  is on the source" cmp "$SM_TMP/pattern" "$src/data"
is "  stored with the mapped owner" "$(owner "$src/data")" "100000:100000"
ok "  reads back through the mount" cmp "$SM_TMP/pattern" "$d/data"
is "  and shiftfs-fuse saw no WRITE request" "$(requests pt WRITE)" 0
is "  nor READ request" "$(requests pt READ)" 0

# One backing id per inode, made at its first open and dropped at the last
# release; the kernel opens the source anew for each open with the
# opener's flags, so a writer after a reader writes through passthrough.
cat "$d/data" >/dev/null
ok "a writer after a reader has closed" dd if=/dev/zero of="$d/data" bs=64k count=1 conv=notrunc status=none
is "  still no WRITE request" "$(requests pt WRITE)" 0
is "  the source has it" "$(head -c 65536 "$src/data" | tr -d '\0' | wc -c)" 0

# A reader holds the file while a writer opens it: one backing id for both
# (the kernel refuses two).
python3 - "$d/data" "$src/data" <<'EOF'
import os, sys
r = os.open(sys.argv[1], os.O_RDONLY)
w = os.open(sys.argv[1], os.O_WRONLY)
os.pwrite(w, b"written beside a reader", 0)
os.close(w)
assert os.pread(r, 23, 0) == b"written beside a reader", "the reader sees the write"
os.close(r)
assert open(sys.argv[2], "rb").read(23) == b"written beside a reader", "on the source"
EOF
is "a writer beside an open reader: its data seen by the reader and on the source" $? 0

# mmap both ways.
python3 - "$d/data" "$src/data" <<'EOF'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 1 << 20)
m[0:12] = b"through mmap"
m.flush()
assert open(sys.argv[2], "rb").read(12) == b"through mmap", "an mmap write is on the source"
with open(sys.argv[2], "r+b") as f:
    f.seek(4096); f.write(b"from the source"); f.flush()
assert m[4096:4111] == b"from the source", "a write on the source shows in the mapping"
m.close(); os.close(fd)
EOF
is "mmap through the mount: writes reach the source, the source's writes show" $? 0

# O_DIRECT: the kernel's own open of the source has it (ext4 takes it), so
# it is direct I/O on the source file, with no request to shiftfs-fuse.
ok "an O_DIRECT write" dd if="$SM_TMP/pattern" of="$d/direct" bs=64k count=16 oflag=direct status=none
ok "  an O_DIRECT read of it" dd if="$d/direct" of="$SM_TMP/back" bs=64k iflag=direct status=none
ok "  the data is on the source and read back" \
	sh -c "head -c 1048576 '$SM_TMP/pattern' | cmp - '$src/direct' && cmp '$src/direct' '$SM_TMP/back'"
is "  with no WRITE or READ request" "$(requests pt WRITE) $(requests pt READ)" "0 0"
like "  a misaligned O_DIRECT write is refused, as on the source" \
	"$(python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_DIRECT)
try:
    os.pwrite(fd, b"x" * 100, 1); print("written")
except OSError as e:
    print(os.strerror(e.errno))' "$d/direct")" "Invalid argument"

python3 - "$d" <<'EOF'
import os, sys
d = sys.argv[1]
a = os.open(d + "/data", os.O_RDONLY)
b = os.open(d + "/copy", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
n = 0
while n < 4 << 20:
    k = os.copy_file_range(a, b, (4 << 20) - n)
    assert k > 0, "copy_file_range made progress"
    n += k
os.close(a); os.close(b)
EOF
is "copy_file_range through the mount" $?:"$(cmp "$src/data" "$src/copy" && echo same)" 0:same

python3 - "$d/tmpdir" "$src/tmpdir" <<'EOF'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
os.mkdir(sys.argv[1])
fd = os.open(sys.argv[1], os.O_TMPFILE | os.O_RDWR, 0o600)
os.write(fd, b"unnamed")
assert os.pread(fd, 7, 0) == b"unnamed", "read back"
assert libc.linkat(-100, b"/proc/self/fd/%d" % fd, -100, (sys.argv[1] + "/named").encode(),
                   0x400) == 0, "linkat(AT_SYMLINK_FOLLOW)"
os.close(fd)
assert open(sys.argv[2] + "/named", "rb").read() == b"unnamed", "on the source"
EOF
is "O_TMPFILE: written, read back, linked, on the source" $? 0

# flock() is taken on the source file; POSIX locks by the kernel, per mount.
exec 7<"$d/data"
flock -n 7
not_ok_expected "a flock() through the mount is seen on the source" flock -n "$src/data" true
exec 7<&-
# (The kernel's RELEASE, which drops it, is asynchronous to the close.)
wait_for "the flock() to go when its holder closes" 10 flock -n "$src/data" true
python3 - "$d/data" "$SM_TMP/locked" <<'EOF' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").write("locked\n")
time.sleep(60)
EOF
holder=$!
at_exit "kill $holder 2>/dev/null"
wait_for "a process to take a POSIX lock through the mount" 20 test -s "$SM_TMP/locked"
is "  another process cannot take it" "$(python3 -c '
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB); print("taken")
except OSError as e:
    print("refused")' "$d/data")" refused
kill $holder

cp /bin/true "$src/true" && chmod 755 "$src/true"
ok "a program runs from the mount (exec maps it through passthrough)" "$d/true"

# A source the kernel takes no backing file from (overlayfs: stacked one
# deeper than we allow, ELOOP): its files are served through the page cache
# as without passthrough, so a shared mapping works (direct_io refuses it).
ovl=$SM_TMP/ovl
mkdir -p "$ovl/l" "$ovl/o" "$ovl/d"
echo "from the lower layer" >"$ovl/l/f"
if mount -t overlay overlay -o "lowerdir=$ovl/l,upperdir=$src/ovl-u,workdir=$src/ovl-w" "$ovl/o" 2>/dev/null ||
	{ mkdir -p "$src/ovl-u" "$src/ovl-w" &&
		mount -t overlay overlay -o "lowerdir=$ovl/l,upperdir=$src/ovl-u,workdir=$src/ovl-w" "$ovl/o"; }; then
	at_exit "umount -l '$ovl/o'"
	shiftfs-fuse -f -o map=b:0:0:65536 "$ovl/o" "$ovl/d" 2>"$SM_TMP/ovl.log" &
	at_exit "kill -9 $!; umount -l '$ovl/d' 2>/dev/null"
	wait_for "the mount of an overlayfs source" 30 mounted "$ovl/d"
	is "a shared mapping of a file of an overlayfs source" "$(python3 -c '
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
try:
    print(mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ)[:20].decode())
except OSError as e:
    print(os.strerror(e.errno))' "$ovl/d/f")" "from the lower layer"
else
	skip "no overlayfs to make a source of"
fi

# Off: everything through shiftfs-fuse again.
start np nopassthrough
like "-o nopassthrough: the mount says so" "$(features "$SM_TMP/np")" "^passthrough=off killpriv_v2=on .*-o nopassthrough"
ok "  a write through it" dd if="$SM_TMP/pattern" of="$SM_TMP/np/data2" bs=1M status=none
ok "  reads back" cmp "$SM_TMP/pattern" "$SM_TMP/np/data2"
like "  as WRITE requests" "$(requests np WRITE)" "^[1-9]"
start wb writeback
like "-o writeback: no passthrough beside the writeback cache" "$(features "$SM_TMP/wb")" \
	"^passthrough=off killpriv_v2=on writeback=on .*-o writeback"
start nk nokillpriv
like "-o nokillpriv: the kernel clears setuid bits itself" "$(features "$SM_TMP/nk")" \
	"^passthrough=on killpriv_v2=off"
not_ok_expected "the features attribute cannot be set" setfattr -n user.shiftmount.fuse -v x "$d"

done_testing
