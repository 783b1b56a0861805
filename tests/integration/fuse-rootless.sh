#!/bin/bash
# The rootless case: no privilege over the initial user namespace.  A user's
# own namespace (0 -> host 200000, as from /etc/subuid) shifts a tree its
# range owns for a nested id range, with shiftfs-fuse mounted from inside
# (FUSE is mountable in a non-initial user namespace).
. "$(dirname "$0")/../lib/lib.sh"

skip_all_unless_root "needs root to make the test's user namespace"
chmod 755 "$SM_TMP"
src=$(scratch_fs tmpfs 16) || { skip "no scratch fs"; done_testing; exit; }
chown 200000:200000 "$src" # owned by the user's namespace root
dst=$SM_TMP/dst
mkdir "$dst"
chown 200000:200000 "$dst"
bin=$(command -v shiftfs-fuse)
# The namespace, with its own mount namespace, as a container runtime makes it.
userns-run --map-root 200000 --mountns --pidfile "$SM_TMP/ns.pid" -- sleep 600 &
at_exit "kill $!"
wait_for "the user namespace's pid file" 20 test -s "$SM_TMP/ns.pid"
NS=$(cat "$SM_TMP/ns.pid")

# Inside: disk (namespace) ids 0-999 <-> ids 1000-1999 seen through the
# mount, so namespace uid 1000 (a nested container's root, say) writes as
# namespace uid 0.  Run as the namespace's root, host uid 200000.
script="
	$bin -o map=b:0:1000:1000\$DEVOPT '$src' '$dst' || { echo mount-failed; exit 1; }
	echo uid=\$(id -u) map=\$(awk '{print \$2}' /proc/self/uid_map)
	echo features=\$(getfattr --absolute-names -n user.shiftmount.fuse --only-values '$dst' 2>&1)
	setpriv --reuid=1000 --regid=1000 --clear-groups touch '$dst/made' && echo made
	echo through=\$(stat -c %u:%g '$dst/made')
	echo disk=\$(stat -c %u:%g '$src/made')
	setpriv --reuid=2000 --regid=2000 --clear-groups touch '$dst/unmapped' 2>&1 | grep -q 'Value too large' && echo eoverflow
	umount '$dst' && echo unmounted
"
if nsenter -t "$NS" -U -m -- sh -c 'exec 3<>/dev/fuse' 2>/dev/null; then
	out=$(DEVOPT= nsenter -t "$NS" -U -m -- sh -c "$script" 2>&1)
else
	# /dev/fuse is usually 0666.  Here it is not: open it with root's
	# rights but already inside the namespace (FUSE requires the device to
	# be opened in the namespace that mounts), then drop to the namespace's
	# root, host uid 200000, and hand it over with -o fuse_fd.
	diag "/dev/fuse is not open to the namespace; it is handed over as fd 9"
	out=$(DEVOPT=,fuse_fd=9 python3 - "$NS" "$script" 2>&1 <<'EOF'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
ns = sys.argv[1]
u = os.open("/proc/%s/ns/user" % ns, os.O_RDONLY)
m = os.open("/proc/%s/ns/mnt" % ns, os.O_RDONLY)
assert libc.setns(u, 0x10000000) == 0, "setns user"
fd = os.open("/dev/fuse", os.O_RDWR)  # opened inside the namespace
assert libc.setns(m, 0x00020000) == 0, "setns mnt"
os.dup2(fd, 9)
os.setgroups([])
os.setresgid(0, 0, 0)
os.setresuid(0, 0, 0)  # the namespace's root: host uid 200000
os.execvp("sh", ["sh", "-c", sys.argv[2]])
EOF
)
fi
diag "$(echo "$out" | tr '\n' ' ')"
like "mounted by the root of a namespace whose root is host uid 200000" "$out" "uid=0 map=200000"
like "passthrough is off: the kernel wants CAP_SYS_ADMIN in the initial namespace" "$out" \
	"features=passthrough=off killpriv_v2=on writeback=off idmap=off cache=auto [^(]*\(no passthrough: no CAP_SYS_ADMIN in the initial user namespace\)"
like "namespace uid 1000 creates through the mount" "$out" "made"
like "... it sees its own ids" "$out" "through=1000:1000"
like "... stored as namespace uid 0" "$out" "disk=0:0"
is "... which is the user's host id" "$(owner "$src/made")" "200000:200000"
like "an id outside the map gets EOVERFLOW" "$out" "eoverflow"
like "umount from inside" "$out" "unmounted"
ok "nothing is left mounted outside" sh -c "! grep -q ' $dst ' /proc/self/mountinfo"
done_testing
