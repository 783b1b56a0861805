#!/bin/bash
# shiftmount-oci-hook under rootless podman, run by a real unprivileged user
# with /etc/subuid and /etc/subgid entries: the runtime is root only in its
# own user namespace, so the hook asks shiftmountd, from inside the
# container's namespaces as its root, and the daemon's policy decides: a
# root and a volume marked --by @USER are granted (writes land at the
# marks' origins), an unmarked volume and another user's are refused, and
# so is everything once the daemon is gone; nothing is left mounted, in the
# host's table or in podman's surviving namespace.
. "$SM_SRC/tests/integration/oci-lib.sh"
oci_user
daemon_prepare 96 || { echo "Bail out! no tmpfs"; exit 1; }
oci_prepare runc
echo "$OCI_USER:200000:65536" >"$SUBUID"
cp "$SUBUID" "$SUBGID"
start_daemon
PM_USER=$OCI_USER
at_exit stop_user_procs
podman_setup --socket "$SOCK"

shiftmount mark --origin 0 --by "@$OCI_USER" "$IMG" >/dev/null 2>&1
RVOL=$FS/rootless-vol
mkdir -p "$RVOL" "$FS/unmarked" "$FS/others"
chown 100000:100000 "$RVOL" "$FS/others"
shiftmount mark --origin 100000 --by "@$OCI_USER" "$RVOL" >/dev/null 2>&1
shiftmount mark --origin 100000 --by @nobody "$FS/others" >/dev/null 2>&1
before=$(manifest "$IMG")
sig0=$(mountinfo_sig)

# 0:1:65536 maps the container onto the user's subordinate ids (podman's
# namespace has the user at 0 and 200000... at 1...): host 200000.
# (podman warns that / is not a shared mount: the test's namespace is private.)
out=$(pm_run 1 -- /bin/busybox stat -c %u:%g /etc/passwd 2>/dev/null)
is "rootless podman, no annotation: container root sees the image as nobody" "$out" "65534:65534"

out=$(pm_run 1 org.shiftmount.rootfs=true "org.shiftmount.volumes=$RVOL:/data" -- \
	/bin/busybox sh -c 'id -u; stat -c %u:%g /etc/passwd; echo r >/data/from-rootless
		mkdir /data/dir; echo r >/etc/from-rootless; grep -E " /(data)? " /proc/self/mountinfo' 2>&1)
like "rootless: container root, sees the image as 0:0" "$out" $'^0\n0:0\n'
like "rootless: the root is idmapped, nosuid, nodev (the daemon's)" "$out" " / rw,nosuid,nodev,.*idmapped"
like "rootless: /data is idmapped, nosuid, nodev" "$out" " /data rw,nosuid,nodev,.*idmapped"
is "rootless: the volume writes land at the mark's origin" \
	"$(owner "$RVOL/from-rootless") $(owner "$RVOL/dir")" "100000:100000 100000:100000"
is "rootless: the root write lands 0:0" "$(owner "$IMG/etc/from-rootless")" "0:0"
like "shiftmountd granted both to the user's container root" \
	"$(grep -c "uid=200000 .*allowed" "$DLOG")" "^2$"
is "rootless: nothing left in the host's mount table" "$(mountinfo_sig)" "$sig0"
is "rootless: no container left" "$(oci_containers | grep -c .)" 0
is "rootless: the image is unchanged but for the file written" \
	"$(manifest "$IMG" | grep -v -E '\./etc/from-rootless( |$)')" "$before"

oci_refused "rootless, an unmarked volume" "shiftmountd refused: $FS/unmarked is not marked" \
	pm_run 1 org.shiftmount.rootfs=true "org.shiftmount.volumes=$RVOL:/data;$FS/unmarked:/cache" -- \
	/bin/busybox true
oci_refused "rootless, a volume marked for another user" "shiftmountd refused: .*PermissionDenied" \
	pm_run 1 "org.shiftmount.volumes=$FS/others:/data" -- /bin/busybox true
# 0:0:65536 puts the user's own uid (podman's 0) into the container's map.
oci_refused "rootless, a map beyond the user's subordinate ids" "shiftmountd refused" \
	pm_run 0 "org.shiftmount.volumes=$RVOL:/data" -- /bin/busybox true
oci_refused "rootless, malformed annotation" 'org.shiftmount.rootfs: "1": must be' \
	pm_run 1 org.shiftmount.rootfs=1 -- /bin/busybox true
daemon_stop
oci_refused "rootless, shiftmountd not running" "connecting to shiftmountd at $SOCK" \
	pm_run 1 "org.shiftmount.volumes=$RVOL:/data" -- /bin/busybox true

# The clean-up at exit, done here to check it: no process of the user, no
# user, /etc as it was.
pm rm -fa >/dev/null 2>&1
stop_user_procs
ok "podman's pause process is gone" no_user_procs || ps -o pid,ruid,euid,suid,fsuid,stat,args -p "$(user_procs | tr '\n' ,)0" | sed 's/^/#   /' 
ok "the test's user is removed" oci_user_remove
etc_restore
ok "/etc's account files are as they were" etc_unchanged
done_testing
