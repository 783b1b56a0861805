#!/bin/bash
# A full filesystem under a shifted mount: the tenant's write that does not
# fit fails with a clear ENOSPC, the files written before are intact and
# keep their shifted owners, the filesystem checks clean, and writing works
# again once space is freed.  Kernel backend, and FUSE where it is built.
. "$SM_SRC/tests/lib/lib.sh"

fs=$(scratch_fs ext4 24) || { skip "cannot make an ext4 loop image"; done_testing; exit; }
img=$fs.img
chmod 755 "$SM_TMP" "$fs"

backends=(kernel)
mkdir -p "$fs/probe-src" "$SM_TMP/probe-dst"
if shiftmount bind --backend=fuse --map b:100000:200000:65536 "$fs/probe-src" "$SM_TMP/probe-dst" >/dev/null 2>&1; then
	backends+=(fuse)
	umount "$SM_TMP/probe-dst" 2>/dev/null || umount -l "$SM_TMP/probe-dst"
fi
rmdir "$fs/probe-src"

for b in "${backends[@]}"; do
	src=$fs/src-$b dst=$SM_TMP/dst-$b
	mkdir -p "$src" "$dst"
	chown 100000:100000 "$src"
	if ! shiftmount bind --backend=$b --map b:100000:200000:65536 "$src" "$dst"; then
		_tap 1 "$b: shifted mount of the ext4 image"
		continue
	fi
	at_exit "umount -l '$dst'"

	# Earlier work of the tenant, then a write that cannot fit.
	out=$(userns-run -- sh -c "
		for i in 1 2 3 4 5; do head -c 100000 /dev/urandom >'$dst/keep-\$i' || exit 3; done
		mkdir '$dst/dir' && echo hello >'$dst/dir/note' || exit 4
		dd if=/dev/zero of='$dst/big' bs=1M count=64 2>&1; echo \"dd=\$?\"
		echo more >'$dst/after-full' 2>&1; echo \"echo=\$?\"
		sync" 2>&1)
	like "$b: the write past the end fails with ENOSPC" "$out" "No space left on device"
	like "$b: dd reports failure" "$out" "dd=1"
	sums=$(cd "$src" && md5sum keep-* dir/note)
	is "$b: the files written before are whole" "$(stat -c %s "$src"/keep-* | sort -u)" 100000
	is "$b: and owned by the shifted ids on disk" "$(stat -c %u:%g "$src"/keep-* "$src/dir" "$src/dir/note" | sort -u)" "100000:100000"
	is "$b: the partial file too" "$(owner "$src/big")" "100000:100000"
	df_avail=$(df --output=avail "$fs" | tail -n1 | tr -d ' ')
	diag "$b: $df_avail KiB left after the fill"

	# Free the space: the tenant can write again, and nothing changed.
	userns-run -- rm -f "$dst/big" "$dst/after-full"
	ok "$b: after freeing space the tenant writes again" userns-run -- sh -c "echo again >'$dst/again'"
	is "$b: with the shifted owner" "$(owner "$src/again")" "100000:100000"
	is "$b: earlier files unchanged" "$(cd "$src" && md5sum keep-* dir/note)" "$sums"
	umount "$dst" 2>/dev/null || umount -l "$dst"
done

# The filesystem itself is consistent.  A shiftfs-fuse server lets go of
# its fds on the image as it exits, a moment after its mount went: until
# then the image is busy.  And the filesystem lives on after the umount
# while anything still holds it (a mount detached lazily, a process on its
# way out): e2fsck must wait until the kernel has let it go, which
# /proc/fs/ext4/DEV says, or it reads a filesystem still in use.
dev=$(findmnt -no SOURCE "$fs")
dev=${dev#/dev/}
wait_for "the ext4 image to unmount" 30 umount "$fs"
wait_for "the kernel to let go of the filesystem on $dev" 30 test ! -e "/proc/fs/ext4/$dev"
out=$(e2fsck -fn "$img" 2>&1)
rc=$?
is "e2fsck finds the image clean" "$rc" 0
[ $rc = 0 ] || diag "$out"

done_testing
