#!/bin/bash
# Every refusal of shiftmountd's policy, each as the attack a tenant would
# try: refused with a reason, nothing mounted, no fd leaked, daemon alive.
. "$SM_SRC/tests/integration/daemon-lib.sh"
daemon_setup

D=$FS/data
mkdir -p "$D" "$FS/dst"
marked_dir "$D/open" --origin 100000
marked_dir "$D/alice" --origin 100000 --by 200000 --name alice-only
marked_dir "$D/bob" --origin 100000 --by @bob
# A named mark without --by, as shiftmount mark made them before it refused
# to: the daemon must still refuse it by name.
mkdir -p "$D/noby" && chown 100000:100000 "$D/noby"
setfattr -n trusted.shiftmount -v "v1 origin-uid=100000 origin-gid=100000 range=65536 name=noby" "$D/noby"
mkdir -p "$REG" && ln -s "$D/noby" "$REG/noby"
marked_dir "$D/small" --origin 100000 --range 10
mkdir -p "$D/plain" "$D/open/sub" "$D/forged" "$D/bad" "$D/acl/inner"
ln -s "$D/open" "$D/link"
touch "$D/file"
varlink-raw --bind-socket "$D/sock"
setfattr -n user.shiftmount -v "v1 origin-uid=0 origin-gid=0 range=65536" "$D/forged"
setfattr -n trusted.shiftmount -v "v1 origin-uid=0 origin-gid=0" "$D/bad"
marked_dir "$D/acl/inner" --origin 100000
chmod 755 "$D/acl"
setfacl -m u:200000:--- "$D/acl"

T() { tenant 200000 sh -c "$TENANT_TRY" sh "$@"; }
REQ="shiftmount request"
MOUNT='{"method":"io.shiftmount.Delegate.Mount","parameters":'

refused "unmarked directory" "not marked shiftable.*NotMarked" T $REQ "$D/plain" "$FS/dst"
refused "subdirectory of a marked directory" "marks are not inherited" \
	T $REQ "$D/open/sub" "$FS/dst"
refused "--by for another root" "allows only by=200000; the caller's namespace root is host uid 300000" \
	tenant 300000 sh -c "$TENANT_TRY" sh $REQ "$D/alice" "$FS/dst"
refused "@USER whose subuid range does not hold the map" "allows only by=@bob.*host uid 200000" \
	T $REQ "$D/bob" "$FS/dst"
refused "map spilling out of bob's range into alice's" "not a container's: its uid map \"0 300000 65536,65536 200000 10\"" \
	userns-run --uid-map "0 300000 65536" --uid-map "65536 200000 10" --gid-map "0 300000 65536" \
	--mountns -- sh -c "$TENANT_TRY" sh $REQ "$D/bob" "$FS/dst"
refused "caller not root in its namespace" "lacks CAP_SYS_ADMIN" \
	userns-run --mountns --as 1000 -- sh -c "$TENANT_TRY" sh $REQ "$D/open" "$FS/dst"
refused "caller in the initial namespace" "initial user namespace" $REQ "$D/open" "$FS/dst"
refused "caller's mount namespace not its own" "mount namespace is not owned" \
	userns-run -- $REQ "$D/open" "$FS/dst"
refused "symlink in SRC" "goes through a symlink" T $REQ "$D/link" "$FS/dst"
refused ".. in SRC" 'contains ".."' T $REQ "$D/plain/../open" "$FS/dst"
refused "/proc magic link in SRC" "symlink or a /proc magic link" \
	T sh -c 'exec shiftmount request /proc/$$/root'"$D/open $FS/dst"
refused "/proc/self/fd link in SRC" "symlink or a /proc magic link" \
	T sh -c 'exec 7<'"$D/open"'; exec shiftmount request /proc/self/fd/7 '"$FS/dst"
refused "SRC a regular file" "is a regular file, not a directory" \
	T varlink-raw --fd "opath:$D/file" "$SOCK" "$MOUNT"'{"fd":0,"path":"'"$D/file"'"}}'
refused "SRC a socket" "is a socket, not a directory" \
	T varlink-raw --fd "opath:$D/sock" "$SOCK" "$MOUNT"'{"fd":0,"path":"'"$D/sock"'"}}'
refused "SRC a device" "is a character device, not a directory" \
	T varlink-raw --fd "opath:/dev/null" "$SOCK" "$MOUNT"'{"fd":0,"path":"/dev/null"}}'
refused "SRC a symlink fd" "is a symlink, not a directory" \
	T varlink-raw --fd "opath-nofollow:$D/link" "$SOCK" "$MOUNT"'{"fd":0,"path":"'"$D/link"'"}}'
refused "passed fd not O_PATH" "must be an O_PATH fd" \
	T varlink-raw --fd "rdonly:$D/open" "$SOCK" "$MOUNT"'{"fd":0,"path":"'"$D/open"'"}}'
refused "passed fd a socket" "must be an O_PATH fd" \
	T varlink-raw --fd "socket:" "$SOCK" "$MOUNT"'{"fd":0,"path":"'"$D/open"'"}}'
refused "more fds than expected" "expected exactly 1 fd with this call, got 2" \
	T varlink-raw --fd "opath:$D/open" --fd "opath:$D/open" "$SOCK" "$MOUNT"'{"fd":0,"path":"'"$D/open"'"}}'
refused "an fd with a by-name call" "expected exactly 0 fds with this call, got 1" \
	T varlink-raw --fd "opath:$D/open" "$SOCK" "$MOUNT"'{"name":"alice-only"}}'
refused "fd of one directory, path of another" "is not the directory" \
	T varlink-raw --fd "opath:$D/open" "$SOCK" "$MOUNT"'{"fd":0,"path":"'"$D/acl/inner"'"}}'
refused "no fd at all for a by-path call" "expected exactly 1 fd with this call, got 0" \
	T varlink-raw "$SOCK" "$MOUNT"'{"fd":0,"path":"'"$D/open"'"}}'
refused "forged mark: user.shiftmount" "a user.shiftmount xattr is not a mark" \
	T $REQ "$D/forged" "$FS/dst"
refused "forged mark: malformed trusted.shiftmount" "invalid trusted.shiftmount.*required" \
	T $REQ "$D/bad" "$FS/dst"
refused "ACL denying search" "Permission denied" T $REQ "$D/acl/inner" "$FS/dst"
refused "another tenant's namespace as a parameter" \
	'parameter \\"userns\\" is not accepted: the target is always the caller' \
	T varlink-raw --fd "opath:$D/open" "$SOCK" "$MOUNT"'{"fd":0,"path":"'"$D/open"'","userns":"/proc/1/ns/user"}}'
refused "unknown name" 'no mark named .nosuch. is registered' T $REQ --name nosuch "$FS/dst"
refused "by name, mark without --by" "has no --by list" T $REQ --name noby "$FS/dst"
refused "by name, --by for another root" "allows only by=200000" \
	tenant 300000 sh -c "$TENANT_TRY" sh $REQ --name alice-only "$FS/dst"
refused "registry entry for an unmarked directory" "stale is not marked shiftable" \
	sh -c "mkdir -p '$REG' && ln -sfn '$D/plain' '$REG/stale' && exec userns-run --map-root 200000 --mountns -- shiftmount request --name stale '$FS/dst'"
refused "registry entry for a directory marked without that name" "carries no mark of that name" \
	sh -c "ln -sfn '$D/open' '$REG/stale2' && exec userns-run --map-root 200000 --mountns -- shiftmount request --name stale2 '$FS/dst'"
refused "unknown method" 'MethodNotFound.*io.shiftmount.Delegate.Unmount' \
	T varlink-raw "$SOCK" '{"method":"io.shiftmount.Delegate.Unmount"}' 

# A FUSE server answers xattr reads itself: a tenant running one could
# forge a mark.  bindfs (root here) stands in for that server, showing the
# real trusted.shiftmount of a marked directory.
if command -v bindfs >/dev/null && mkdir -p "$D/fuse" &&
	bindfs -o allow_other "$D/open" "$D/fuse" 2>/dev/null; then
	at_exit "umount -l '$D/fuse'"
	refused "mark seen through a FUSE filesystem" "on a FUSE filesystem.*marks there are not honoured" \
		T $REQ "$D/fuse" "$FS/dst"
	# A FUSE server that never answers (stopped) must not wedge the daemon:
	# it inspects sources in a child that it kills after 5 seconds.
	mkdir -p "$D/hang"
	bindfs -f -o allow_other "$D/open" "$D/hang" 2>/dev/null &
	fusepid=$!
	at_exit "umount -l '$D/hang'"
	if poll 30 grep -q " $D/hang " /proc/self/mountinfo; then
		stop_fuse_server "$fusepid"
		at_exit "kill -CONT $fusepid"
		refused "a FUSE server that never answers" "inspecting the source timed out" \
			T $REQ "$D/hang" "$FS/dst"
		kill -CONT "$fusepid"
	else
		skip "could not start a second bindfs to stop"
	fi
else
	skip "bindfs cannot mount here: no FUSE test of mark forgery"
fi

# Unmark while mounted: the mount already handed out stays (like an open
# file after a chmod); every later request is refused.
marked_dir "$D/shared" --origin 100000
mkdir -m 1777 "$SM_TMP/sync"
mkfifo -m 666 "$SM_TMP/sync/unmarked"
tenant 200000 sh -c "
	$REQ '$D/shared' '$FS/dst' || exit 1
	touch '$SM_TMP/sync/mounted'
	read -r _ <'$SM_TMP/sync/unmarked'
	touch '$FS/dst/after-unmark' && echo WROTE
	$REQ '$D/shared' '$FS/dst'; echo rc=\$?" >"$SM_TMP/unmark.out" 2>&1 &
bg=$!
wait_for "the tenant's mount before the unmark" 30 test -e "$SM_TMP/sync/mounted"
ok "unmark while a tenant has it mounted" shiftmount unmark "$D/shared"
# The fifo the tenant waits on (bounded: a tenant that failed never opens it).
timeout 30 sh -c 'echo go >"$1"' _ "$SM_TMP/sync/unmarked"
wait $bg
out=$(cat "$SM_TMP/unmark.out")
like "unmark while mounted: the existing mount keeps working" "$out" "WROTE"
is "unmark while mounted: written at the origin" "$(owner "$D/shared/after-unmark")" "100000:100000"
like "unmark while mounted: a new request is refused" "$out" "not marked shiftable.*rc=1"

# What a tenant gets is nosuid and nodev: a device node and a setuid binary
# placed in the image (by the admin) are inert through the mount.
marked_dir "$D/img" --origin 100000
mknod "$D/img/null" c 1 3 && chown 100000:100000 "$D/img/null" && chmod 666 "$D/img/null"
cp /usr/bin/id "$D/img/id" && chown 100000:100000 "$D/img/id" && chmod 4755 "$D/img/id"
out=$(tenant 200000 sh -c "
	$REQ '$D/img' '$FS/dst' || exit 1
	grep ' $FS/dst ' /proc/self/mountinfo | cut -d' ' -f6
	echo x >'$FS/dst/null' 2>/dev/null && echo DEV-OPENED || echo DEV-DENIED
	mknod '$FS/dst/null2' c 1 3 2>/dev/null && echo MKNOD-OK || echo MKNOD-DENIED
	stat -c '%U %A' '$FS/dst/id'
	setpriv --reuid 1000 --regid 1000 --clear-groups '$FS/dst/id' -u" 2>&1)
like "granted mount is nosuid,nodev" "$out" "nosuid,nodev"
like "nodev: a device node on it cannot be opened" "$out" "DEV-DENIED"
like "nodev: mknod through it fails" "$out" "MKNOD-DENIED"
like "the setuid binary shows as the container root's, setuid" "$out" "root -rwsr-xr-x"
is "nosuid: running it as uid 1000 stays uid 1000" "$(echo "$out" | tail -n1)" "1000"

ok "daemon logged a refusal with who and why" \
	grep -q 'pid=[0-9]* uid=300000 userns=[0-9]*: Mount path=.*: refused: the mark allows only' "$DLOG"
daemon_stop
done_testing
