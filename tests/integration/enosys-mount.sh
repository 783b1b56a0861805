#!/bin/bash
# A kernel without the mount API's idmapping (mount_setattr or open_tree
# answering ENOSYS, through tests/helpers/enosys): `shiftmount bind
# --backend=kernel` fails with a clear message and mounts nothing;
# --backend=auto falls back to FUSE where that backend exists, with the right
# owner on disk.  And audit without getxattrat still sees capabilities.
. "$SM_SRC/tests/lib/lib.sh"

# Mount points under our scratch directory (the host's whole table changes
# with whatever else runs on the machine).
local_mounts() { cut -d' ' -f5 /proc/self/mountinfo | grep "^$SM_TMP" | sort | tr '\n' ' '; }

command -v enosys >/dev/null || { skip "enosys helper not built"; done_testing; exit; }
shiftmount bind --help >/dev/null 2>&1 || { skip "shiftmount bind not built"; done_testing; exit; }
if ! enosys mount_setattr -- true; then
	skip "seccomp filters cannot be installed here"
	done_testing
	exit
fi

fs=$(scratch_fs tmpfs 16) || { skip "no tmpfs"; done_testing; exit; }
src=$fs/src dst=$fs/dst
chmod 755 "$SM_TMP" "$fs"
mkdir -p "$src" "$dst"
map=b:0:200000:65536

# Does this build have a working FUSE backend at all (no ENOSYS)?
fuse=0
if shiftmount bind --backend=fuse --map "$map" "$src" "$dst" >/dev/null 2>&1; then
	fuse=1
	umount "$dst" 2>/dev/null || umount -l "$dst"
fi

for sc in mount_setattr open_tree; do
	sig=$(local_mounts)
	out=$(enosys $sc -- shiftmount bind --backend=kernel --map "$map" "$src" "$dst" 2>&1)
	is "$sc ENOSYS, --backend=kernel: exit 1" "$?" 1
	like "$sc ENOSYS, --backend=kernel: says why" "$out" "^shiftmount: .*: Function not implemented"
	like "$sc ENOSYS, --backend=kernel: hints at the FUSE backend" "$out" "hint: .*--backend=fuse"
	is "$sc ENOSYS, --backend=kernel: nothing mounted" "$(local_mounts)" "$sig"

	out=$(enosys $sc -- shiftmount bind --backend=auto --map "$map" "$src" "$dst" 2>&1)
	rc=$?
	if [ $fuse = 1 ]; then
		is "$sc ENOSYS, --backend=auto: falls back to FUSE (exit 0)" "$rc" 0
		like "$sc ENOSYS, --backend=auto: a FUSE mount" "$(findmnt -n -o FSTYPE "$dst")" "^fuse"
		userns-run -- sh -c "echo x >'$dst/by-tenant-$sc'"
		is "$sc ENOSYS, --backend=auto: the tenant's file is 0:0 on disk" \
			"$(owner "$src/by-tenant-$sc")" "0:0"
		umount "$dst" 2>/dev/null || umount -l "$dst"
	else
		is "$sc ENOSYS, --backend=auto without a FUSE backend: exit 1" "$rc" 1
		like "$sc ENOSYS, --backend=auto: a clear message" "$out" "^shiftmount: "
		is "$sc ENOSYS, --backend=auto: nothing mounted" "$(local_mounts)" "$sig"
	fi
done

# audit falls back from getxattrat to /proc/self/fd/N/NAME.
cp /bin/true "$src/capped"
if setcap cap_net_raw+ep "$src/capped" 2>/dev/null; then
	out=$(enosys getxattrat -- shiftmount audit "$src" 2>&1)
	like "getxattrat ENOSYS: audit still finds the capability" "$out" "$src/capped: capability "
else
	skip "setcap unavailable"
fi

done_testing
