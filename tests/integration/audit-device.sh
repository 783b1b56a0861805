#!/bin/bash
# shiftmount audit and device nodes: made on the host side inside a tenant's
# tree they are found, and --fix leaves them (reported, never deleted).
# A tenant cannot make one through its shifted mount.
. "$SM_SRC/tests/lib/lib.sh"

fs=$(scratch_fs tmpfs 16) || { skip "no tmpfs"; done_testing; exit; }
src=$fs/src dst=$fs/dst
chmod 755 "$SM_TMP" "$fs"
mkdir -p "$src/dev" "$dst"

mknod "$src/dev/mem" c 1 1
mknod -m 660 "$src/dev/sda" b 8 0
mkfifo "$src/dev/fifo"
out=$(shiftmount audit "$src" 2>&1)
is "audit exits 1" "$?" 1
like "the char device is found" "$out" "$src/dev/mem: device \(char-device, owner 0:0, mode 0644, device 1:1\)"
like "the block device is found" "$out" "$src/dev/sda: device \(block-device, owner 0:0, mode 0660, device 8:0\)"
is "a fifo is not a device" "$(grep -c fifo <<<"$out")" 0
out=$(shiftmount audit --json "$src" 2>&1)
like "--json gives rdev" "$out" '"rdev":"8:0"'

out=$(shiftmount audit --fix "$src" 2>&1)
is "--fix still exits 1: devices are not fixed" "$?" 1
is "--fix does not claim to fix devices" "$(grep -c 'fixed:' <<<"$out")" 0
ok "the char device is still there" test -c "$src/dev/mem"
ok "the block device is still there" test -b "$src/dev/sda"

if shiftmount bind --map b:0:200000:65536 "$src" "$dst"; then
	at_exit "umount -l '$dst'"
	out=$(userns-run -- mknod "$dst/dev/null2" c 1 3 2>&1)
	not_ok_expected "the tenant cannot mknod through the shifted mount" test -e "$src/dev/null2"
	like "it is refused with EPERM" "$out" "Operation not permitted"
else
	skip "cannot make an idmapped mount on tmpfs"
	skip "cannot make an idmapped mount on tmpfs"
fi

rm -f "$src/dev/mem" "$src/dev/sda"
shiftmount audit "$src" >/dev/null 2>&1
is "without them the tree is clean" "$?" 0

done_testing
