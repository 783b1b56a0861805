#!/bin/bash
# A tenant root attacking shiftmountd and what it hands out: unlocking the
# granted mount's nosuid/nodev, smuggling an unmarked directory into a -r
# request, marks forged on filesystems the tenant mounts itself, a nested
# namespace borrowing its parent's grant, fd floods, a trickling client, and
# control characters for the admin's log.
. "$SM_SRC/tests/integration/daemon-lib.sh"
daemon_setup

D=$FS/data
mkdir -p "$D" "$FS/dst" "$FS/x"
marked_dir "$D/img" --origin 100000
marked_dir "$D/alice" --origin 100000 --by 200000
marked_dir "$D/grp" --origin 100000 --by @alice --name grp
for d in img grp; do
	mknod "$D/$d/null" c 1 3 && chown 100000:100000 "$D/$d/null" && chmod 666 "$D/$d/null"
done
mkdir -p "$D/img/sub" "$D/secret"
chown 100000:100000 "$D/img/sub"
echo secret >"$D/secret/file"
chown -R 100005:100005 "$D/secret"
chmod 600 "$D/secret/file"

T() { tenant 200000 sh -c "$TENANT_TRY" sh "$@"; }
# As T, after SETUP (the tenant's own mounts, which may stay) has run.
TM() { # SETUP CMD...
	local setup=$1
	shift
	tenant 200000 sh -c "$setup"' || exit 9; try=$1; shift; exec sh -c "$try" sh "$@"' \
		sh "$TENANT_TRY" "$@"
}
REQ="shiftmount request"
MOUNT='{"method":"io.shiftmount.Delegate.Mount","parameters":'

# The granted mount's flags are locked: its root cannot remount it suid,dev
# (mount(2) MS_REMOUNT|MS_BIND) nor clear them with mount_setattr(2), so the
# image's device node stays unopenable.
for how in "path:$D/img" "name:grp" "path-r:$D/img" "path-ro:$D/img"; do
	case $how in
	path:*) args="${how#path:}" ;;
	path-r:*) args="-r ${how#path-r:}" ;;
	path-ro:*) args="-o ro ${how#path-ro:}" ;;
	name:*) args="--name ${how#name:}" ;;
	esac
	out=$(tenant 200000 sh -c "$REQ $args '$FS/dst' || exit 1
		mount -o remount,bind,suid,dev,rw '$FS/dst' 2>/dev/null && echo REMOUNTED || echo REMOUNT-DENIED
		mount-setattr '$FS/dst'
		mount-setattr -r '$FS/dst'
		grep ' $FS/dst ' /proc/self/mountinfo | cut -d' ' -f6
		echo x >'$FS/dst/null' 2>/dev/null && echo DEV-OPENED || echo DEV-DENIED" 2>&1)
	like "$how: remount suid,dev refused" "$out" "REMOUNT-DENIED"
	like "$how: mount_setattr clearing nosuid,nodev refused (EPERM)" "$out" \
		"refused: Operation not permitted.*refused: Operation not permitted"
	like "$how: the idmapping cannot be taken off" "$out" "idmap refused: .*idmap refused: "
	ok "$how:   ... not once" test "${out/idmap cleared/}" = "$out"
	like "$how: still nosuid,nodev" "$out" "nosuid,nodev"
	like "$how: the device node stays closed" "$out" "DEV-DENIED"
done
like "-o ro stays ro" "$out" "ro,nosuid,nodev"

# Nothing outside the marked tree is reachable through the grant: ".."
# leaves it into the tenant's own tree, and a file handle of a directory
# outside it does not open through it.
chmod 755 "$D/secret"
for r in "" "-r"; do
	out=$(tenant 200000 sh -c "$REQ $r '$D/img' '$FS/dst' || exit 1
		ls '$FS/dst/..'; open-by-handle '$FS/dst' '$D/secret'; open-by-handle '$FS/dst' '$D'" 2>&1)
	like "${r:-plain}: .. of the mount is the tenant's $FS, not $D" "$out" "dst"
	ok "${r:-plain}:   ... (no secret there)" test "${out/secret/}" = "$out"
	like "${r:-plain}: handles of directories outside the marked tree do not open through it" \
		"$out" "refused: .*refused: "
	ok "${r:-plain}:   ... neither of them" test "${out/opened/}" = "$out"
done
chmod 700 "$D/secret"

# -r clones what is mounted under the source in the tenant's namespace:
# a bind of a directory it may not shift must not ride along.
refused "-r with an unmarked directory bind-mounted under the marked one" \
	"submount /sub under .*img is not marked like it" \
	TM "mount --bind '$D/secret' '$D/img/sub'" $REQ -r "$D/img" "$FS/dst"
marked_dir "$D/other" --origin 300000
refused "-r with a directory marked with another origin bind-mounted under it" \
	"submount /sub under .*img is not marked like it" \
	TM "mount --bind '$D/other' '$D/img/sub'" $REQ -r "$D/img" "$FS/dst"
refused "-r with the tenant's own tmpfs under it" "submount /sub under .*img is not marked" \
	TM "mount -t tmpfs t '$D/img/sub'" $REQ -r "$D/img" "$FS/dst"
out=$(tenant 200000 sh -c "mount --bind '$D/secret' '$D/img/sub' && $REQ '$D/img' '$FS/dst' && ls '$FS/dst/sub' | wc -l" 2>&1)
is "without -r the bound directory is not in the clone" "$(echo "$out" | tail -n1)" "0"

# A bind mount of a marked directory's subdirectory: the mark is read from
# the directory itself, and the subdirectory has none.
refused "bind mount of a marked directory's subdirectory" "not marked shiftable" \
	TM "mount --bind '$D/img/sub' '$FS/x'" $REQ "$FS/x" "$FS/dst"

# A tenant hides the marked directory under its own mount: what it names
# is what is checked, and its tmpfs carries no mark.
refused "marked directory covered by the tenant's tmpfs" "not marked shiftable" \
	TM "mount -t tmpfs t '$D/img'" $REQ "$D/img" "$FS/dst"
# Marks on filesystems the tenant mounts: trusted.* needs CAP_SYS_ADMIN in
# the initial namespace, on its tmpfs as anywhere.
out=$(tenant 200000 sh -c "mount -t tmpfs t '$FS/x' && setfattr -n trusted.shiftmount \
	-v 'v1 origin-uid=0 origin-gid=0 range=65536' '$FS/x' 2>&1; echo rc=\$?")
like "the tenant cannot set trusted.shiftmount on its own tmpfs" "$out" "rc=1"
refused "the tenant's own tmpfs" "not marked shiftable" \
	TM "mount -t tmpfs t '$FS/x'" $REQ "$FS/x" "$FS/dst"
# An overlay the tenant mounts over a marked lower directory: the marked
# directory is only its lower layer, and overlayfs reads trusted.* with the
# tenant's credentials.
mkdir -p "$SM_TMP/ovl" && chmod 777 "$SM_TMP/ovl"
refused "the tenant's overlay with a marked lower directory" "refused" \
	TM "mount -t tmpfs t '$SM_TMP/ovl' && mkdir '$SM_TMP/ovl/u' '$SM_TMP/ovl/w' '$SM_TMP/ovl/m' &&
	mount -t overlay o -o 'lowerdir=$D/img,upperdir=$SM_TMP/ovl/u,workdir=$SM_TMP/ovl/w' '$SM_TMP/ovl/m'" \
	$REQ "$SM_TMP/ovl/m" "$FS/dst"
refused "the tenant's read-only overlay (lower layers only, the top one marked)" "not marked shiftable" \
	TM "mount -t tmpfs t '$SM_TMP/ovl' && mkdir '$SM_TMP/ovl/l' '$SM_TMP/ovl/m' &&
	mount -t overlay o -o 'lowerdir=$D/img:$SM_TMP/ovl/l' '$SM_TMP/ovl/m'" $REQ "$SM_TMP/ovl/m" "$FS/dst"

# A namespace nested in a tenant's: the daemon sees its map in host ids.
refused "nested namespace: its root is host 201000, not 200000" \
	"allows only by=200000; the caller's namespace root is host uid 201000" \
	T userns-run --uid-map "0 1000 100" --gid-map "0 1000 100" --mountns -- $REQ "$D/alice" "$FS/dst"
out=$(T userns-run --uid-map "0 1000 100" --gid-map "0 1000 100" --mountns -- \
	sh -c "$REQ -v '$D/grp' '$FS/dst' && touch '$FS/dst/nested'" 2>&1)
like "nested namespace inside alice's range may use an @alice mark" "$out" "uid map .100000 201000 100."
is "  ... its root's file lands at the origin" "$(owner "$D/grp/nested")" "100000:100000"

# fds beyond what the codec takes are closed, also past the control buffer
# (MSG_CTRUNC: the kernel drops what does not fit).
args=()
for _ in $(seq 40); do args+=(--fd "opath:$D/img"); done
refused "40 fds with one call" "ProtocolError.*too many file descriptors" \
	varlink-raw "${args[@]}" "$SOCK" "$MOUNT"'{"fd":0,"path":"'"$D/img"'"}}'

# A client trickling one byte a second is closed after 5 s without a whole
# message; meanwhile everyone else is served.  (The trickle's pace is the
# thing under test.)
fds0=$(idle_fds)
varlink-raw --no-nul --trickle 1000 "$SOCK" '{"method":"org.varlink.service.GetInfo","parameters":{}}' \
	>"$SM_TMP/trickle.out" 2>&1 &
trickler=$!
wait_for "the daemon to hold the trickling client's connection" 30 holds_clients 1
ok "a trickling client does not hold up others" daemon_alive
ok "  ... (the trickler was still connected meanwhile)" kill -0 $trickler
wait $trickler
is "the trickling client was cut off without an answer" "$?" "3"
ok "  ... and the daemon logged why" grep -q "no whole message in 5 s: closing" "$DLOG"
is "  ... no fd leaked" "$(wait_fds "$fds0")" "$fds0"

# One tenant's stuck requests do not hold up another's: 40 requests for a
# directory on a FUSE filesystem whose server is stopped (each would take
# the 5 s inspection timeout) from one container; meanwhile another
# container's request is answered at once.  Mount calls run in workers, at
# most 4 per container.
mkdir -p "$D/hang"
bindfs -f -o allow_other "$D/img" "$D/hang" 2>/dev/null &
fusepid=$!
if poll 30 grep -q " $D/hang " /proc/self/mountinfo; then
	at_exit "umount -l '$D/hang' 2>/dev/null"
	stop_fuse_server "$fusepid"
	at_exit "kill -CONT $fusepid 2>/dev/null"
	fds0=$(idle_fds)
	sig0=$(mountinfo_sig)
	tenant 200000 sh -c "for i in \$(seq 40); do $REQ '$D/hang' '$FS/dst' >/dev/null 2>&1 & done; wait" &
	hog=$!
	# In place: the daemon holds the stuck requests' connections (each
	# stuck worker is refused after 5 s, so a few may be gone already).
	wait_for "the daemon to hold the stuck container's connections (36 of 40)" 60 holds_clients 36
	t0=$(date +%s%N)
	out=$(tenant 300000 sh -c "$REQ '$D/img' '$FS/dst' && echo GRANTED" 2>&1)
	t1=$(date +%s%N)
	like "another container's request is granted while one is stuck" "$out" "GRANTED"
	ok "  ... within 3 s ($(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 3000
	ok "  ... and introspection is answered" daemon_alive
	ok "  ... (20 or more stuck connections were still open meanwhile)" holds_clients 20
	# (The kernel cannot idmap this FUSE mount; either refusal will do, at once.)
	t0=$(date +%s%N)
	out=$(tenant 200000 sh -c "timeout 3 mount --bind '$D/hang' '$D/img/sub' && $REQ -r '$D/img' '$FS/dst'" 2>&1)
	t1=$(date +%s%N)
	like "-r with the stopped FUSE filesystem bind-mounted under the marked directory: refused" \
		"$out" "request .*img: refused"
	ok "  ... without waiting on the FUSE server" test $(((t1 - t0) / 1000000)) -lt 3000
	kill -CONT "$fusepid"
	wait $hog
	is "the stuck requests: no fd leaked" "$(wait_fds "$fds0")" "$fds0"
	is "the stuck requests: nothing mounted" "$(mountinfo_sig)" "$sig0"
	ok "  ... they were refused" grep -q "hang: refused" "$DLOG"
else
	skip "bindfs cannot mount here: no stuck-request test"
fi

# A client that sends 600 calls and reads none of the answers: once its
# socket is full its connection is closed, and others are answered at once
# (a blocking send used to hold the loop 2 s an answer).
fds0=$(idle_fds)
m='{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"io.shiftmount.Delegate"}}'
for _ in $(seq 600); do printf '%s\0' "$m"; done >"$SM_TMP/many"
closed0=$(grep -c "cannot send the answer.*closing" "$DLOG")
deaf_closed() { [ "$(grep -c "cannot send the answer.*closing" "$DLOG")" -gt "$closed0" ]; }
deaf_in_place() { holds_clients 1 || deaf_closed; }
varlink-raw --no-nul --stall 4 "$SOCK" - <"$SM_TMP/many" &
deaf=$!
wait_for "the daemon to take the deaf client's connection" 30 deaf_in_place
t0=$(date +%s%N)
ok "a client that never reads its answers does not hold up others" daemon_alive
t1=$(date +%s%N)
ok "  ... answered within 1 s ($(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 1000
wait_for "the daemon to close the deaf client's connection" 30 deaf_closed
kill "$deaf" 2>/dev/null
wait "$deaf" 2>/dev/null
is "  ... no fd leaked" "$(wait_fds "$fds0")" "$fds0"

# One container holding connections open gets at most 64 of them; the
# others are still served.  Each holder connects and says nothing, held
# until it is killed (the daemon would close it after 10 s idle; the stall
# is the thing under test).
fds0=$(idle_fds)
flood_refused() { grep -q "refused a connection: 64 open from its principal" "$DLOG"; }
tenant 200000 sh -c "for i in \$(seq 70); do varlink-raw --no-nul --stall 9 '$SOCK' '' & done; wait" &
flood=$!
wait_for "the daemon to hold the flooding container's 64 connections" 30 holds_clients 64
wait_for "a container's 65th open connection to be refused" 30 flood_refused
out=$(tenant 300000 sh -c "$REQ '$D/img' '$FS/dst' && echo GRANTED" 2>&1)
like "  ... while another container is served" "$out" "GRANTED"
ok "  ... (the flood's 64 connections were still open meanwhile)" holds_clients 64
pkill -f "varlink-raw --no-nul --stall 9 $SOCK"
wait $flood
is "  ... no fd leaked once they are gone" "$(wait_fds "$fds0")" "$fds0"

# H3: connections whose connecting process is gone cannot be identified
# (its namespaces are unreadable); counted by uid they gave a container one
# quota per uid it owns, 65536 of them.  70 connections, each made by a
# process of another uid of one container that exits at once, its child
# holding the connection; the daemon is stopped meanwhile, so every one
# waits to be accepted until its connector is gone.
mkdir -p -m 1777 "$SM_TMP/pub"
: >"$SM_TMP/pub/h3.ready" && chmod 666 "$SM_TMP/pub/h3.ready"
fds0=$(idle_fds)
kill -STOP "$DPID"
tenant 200000 sh -c "for i in \$(seq 1 70); do setpriv --reuid \$i --regid \$i --clear-groups \
	varlink-raw --orphan --ready '$SM_TMP/pub/h3.ready' --no-nul --stall 20 '$SOCK' '{' & done; wait" &
flood=$!
h3_ready() { [ "$(wc -l <"$SM_TMP/pub/h3.ready" 2>/dev/null)" = 70 ]; }
wait_for "H3: 70 connections made, each connector gone" 30 h3_ready
kill -CONT "$DPID"
h3_closed() { [ "$(grep -c "closed a connection: cannot identify its peer" "$DLOG")" -ge 70 ]; }
wait_for "H3: the daemon closed all 70 unidentifiable connections" 30 h3_closed
is "H3:   ... and holds none of them (fds back to idle)" "$(wait_fds "$fds0")" "$fds0"
out=$(tenant 300000 sh -c "$REQ '$D/img' '$FS/dst' && echo GRANTED" 2>&1)
like "H3:   ... another container is served while the attacker's holders live" "$out" "GRANTED"
ok "H3:   ... the holders are indeed still alive" pgrep -f "varlink-raw --orphan --ready $SM_TMP/pub/h3.ready"
pkill -f "varlink-raw --orphan --ready $SM_TMP/pub/h3.ready"
wait $flood

# A rootless user's namespaces (created by uid 1000, not root) share one
# quota of 64 connections, however many namespaces it makes.
fds0=$(idle_fds)
before=$(grep -c "refused a connection: 64 open from its principal" "$DLOG")
rootless=()
for _ in 1 2; do
	setpriv --reuid 1000 --regid 1000 --clear-groups unshare -U sh -c \
		"for i in \$(seq 40); do varlink-raw --no-nul --stall 20 '$SOCK' '{' & done; wait" &
	rootless+=($!)
done
h3_capped() { [ "$(grep -c "refused a connection: 64 open from its principal" "$DLOG")" -ge $((before + 16)) ]; }
wait_for "uid 1000's two namespaces together refused past 64 connections" 30 h3_capped
out=$(tenant 300000 sh -c "$REQ '$D/img' '$FS/dst' && echo GRANTED" 2>&1)
like "  ... while a container is served" "$out" "GRANTED"
pkill -f "varlink-raw --no-nul --stall 20 $SOCK"
wait "${rootless[@]}"
is "  ... no fd leaked once they are gone" "$(wait_fds "$fds0")" "$fds0"

# H4: by name the clone is made in the daemon's namespace, where the host's
# over-mounts are not locked: a non-recursive clone would show the tenant
# what a mount on a subdirectory hides.
mkdir -p "$D/grp/hidden" && echo SECRET >"$D/grp/hidden/SECRET"
mount -t tmpfs -o size=1m tmpfs "$D/grp/hidden"
refused "H4: by name, no -r, a host mount over a subdirectory" \
	"under \"grp\" is mounted over on the host; without -r" \
	T sh -c "$REQ --name grp '$FS/dst' && cat '$FS/dst/hidden/SECRET'"
ok "H4:   ... the host path is not told to the tenant, only logged" \
	grep -q "Mount name=grp: .*/grp/hidden is mounted over" "$DLOG"
refused "H4: by name, -r: the over-mount is not marked" "submount .*hidden under grp is not marked" \
	T sh -c "$REQ -r --name grp '$FS/dst' && cat '$FS/dst/hidden/SECRET'"
umount "$D/grp/hidden"
out=$(T sh -c "$REQ --name grp '$FS/dst' && cat '$FS/dst/hidden/SECRET'" 2>&1)
like "H4:   ... without the over-mount the same request is granted" "$out" "SECRET"

# A connection handed to another process: the log names who sent the call
# as well as who connected.
out=$(T varlink-raw --handoff --fd "opath:$D/img" "$SOCK" "$MOUNT"'{"fd":0,"path":"'"$D/img"'"}}' 2>&1)
like "a call sent on a handed-over connection is answered" "$out" '"parameters"'
like "  ... and logged with its sender beside who connected" \
	"$(grep -F "Mount path=$D/img: allowed" "$DLOG" | tail -n 1)" \
	"pid=[0-9]+ uid=200000 userns=[0-9]+ \(sent by pid=[0-9]+ uid=200000\): Mount path="

# Registered paths are resolved without following any symlink: whoever can
# write a parent directory of one could otherwise point the name elsewhere
# (only the mark-name check would be left; here the symlink leads back to
# the same marked directory, so that check passes and cannot be what
# refuses).
mkdir -p "$D/reg/real/dir" && chown 100000:100000 "$D/reg/real/dir"
shiftmount mark --origin 100000 --by @alice --name viasym "$D/reg/real/dir" >/dev/null 2>&1
mv "$D/reg/real" "$D/reg/moved" && ln -s moved "$D/reg/real"
refused "a registered path with a symlink in a parent directory" \
	"registered as .viasym. passes through a symlink now" T $REQ --name viasym "$FS/dst"
rm "$D/reg/real" && mv "$D/reg/moved" "$D/reg/real"
out=$(T sh -c "$REQ --name viasym '$FS/dst' && echo GRANTED" 2>&1)
like "  ... and granted once the path is real again" "$out" "GRANTED"

# Whoever may write the registry may point a name anywhere: a registry
# writable by others than root is not honoured.
chmod 777 "$REG"
refused "by name, registry writable by everyone" "writable by others than root: names are not honoured" \
	T $REQ --name grp "$FS/dst"
chmod 755 "$REG"

# A tenant cannot enter another tenant's user namespace: its /proc/PID/ns
# is not even open to it, and setns needs CAP_SYS_ADMIN over the target.
userns-run --map-root 300000 --mountns --pidfile "$SM_TMP/other.pid" -- sleep 5 &
other=$!
wait_for "the other tenant's namespace (its pid file)" 30 test -s "$SM_TMP/other.pid"
opid=$(cat "$SM_TMP/other.pid")
out=$(tenant 200000 nsenter --user --target "$opid" true 2>&1; echo "rc=$?")
like "a tenant cannot join another tenant's user namespace" "$out" "Permission denied.*rc=1"
kill "$other" 2>/dev/null
wait "$other" 2>/dev/null

# Tenants' strings reach the admin's log escaped: no forged lines, no
# terminal escapes.
refused "a path with a newline and an escape sequence" "does not resolve" \
	T varlink-raw --fd "opath:$D/img" "$SOCK" "$MOUNT"'{"fd":0,"path":"/nope\n\u001b[31mshiftmountd: FORGED"}}'
ok "the log holds no raw escape character" sh -c "! grep -q \$'\\x1b' '$DLOG'"
ok "the log holds no forged line" sh -c "! grep -q '^.\\[31mshiftmountd: FORGED' '$DLOG' && ! grep -q '^shiftmountd: FORGED' '$DLOG'"
ok "the path is logged with \\x escapes" grep -qF '/nope\x0a\x1b[31mshiftmountd: FORGED' "$DLOG"

# H1: a host user's own namespace is not a container.  `unshare -Ur` makes
# a user namespace whose root is the user's own uid, and that root owns its
# mount namespace: were it taken for a container's root, any local user
# could write a setuid-root file through a mark with origin 0.
mkdir -p "$D/open0" "$D/anyroot"
# An origin-0 mark without --by, as shiftmount mark wrote them before it
# asked for --anyone-as-disk-root.
setfattr -n trusted.shiftmount -v "v1 origin-uid=0 origin-gid=0 range=65536" "$D/open0"
shiftmount mark --anyone-as-disk-root "$D/anyroot" >/dev/null 2>&1
SELF() { setpriv --reuid 1000 --regid 1000 --clear-groups unshare -Urm sh -c "$TENANT_TRY" sh "$@"; }
# shellcheck disable=SC2016 # expanded by the tenant's shell
ROOTSH='shiftmount request "$1" "$2" && cp /bin/sh "$2/rootsh" && chmod 4755 "$2/rootsh"'
for dir in open0 anyroot img; do
	refused "H1: uid 1000's own namespace (map 0 1000 1) asks for $dir" \
		"not a container's: its uid map \"0 1000 1\"" SELF sh -c "$ROOTSH" sh "$D/$dir" "$FS/dst"
	ok "H1:   ... no setuid shell appeared in $dir" test ! -e "$D/$dir/rootsh"
done
refused "H1: a container root asks for an origin-0 mark made without --anyone-as-disk-root" \
	"origin 0:0 and no --by.*--anyone-as-disk-root" T $REQ "$D/open0" "$FS/dst"
out=$(tenant 200000 sh -c "$REQ '$D/anyroot' '$FS/dst' && echo hi >'$FS/dst/f' &&
	grep ' $FS/dst ' /proc/self/mountinfo | cut -d' ' -f6" 2>&1)
like "H1: the explicit grant is honoured for a container root (nosuid still locked)" "$out" "nosuid,nodev"
is "H1:   ... which writes as disk root, as the admin granted" "$(owner "$D/anyroot/f")" "0:0"

daemon_stop
done_testing
