#!/bin/bash
# What a container root gets from shiftmountd: by path and by name, origin
# from the mark, two tenants sharing one image, -o ro, -r, and the
# introspection that generic Varlink tools use.
. "$SM_SRC/tests/integration/daemon-lib.sh"
daemon_setup

D=$FS/data
marked_dir "$D/group" --origin 100000 --by @alice --by @bob --name group
marked_dir "$D/split" --origin-uid 100000 --origin-gid 150000
chown 100000:150000 "$D/split"
mkdir -p "$FS/dst2"

# By path: the container root's writes land at the origin.
out=$(tenant 200000 sh -c "shiftmount request -v '$D/group' '$FS/dst' &&
	touch '$FS/dst/by-path' && mkdir '$FS/dst/dir' && stat -c '%u:%g' '$FS/dst/by-path' &&
	grep ' $FS/dst ' /proc/self/mountinfo" 2>&1)
like "by path: attached, idmapped, nosuid,nodev" "$out" "idmapped"
is "by path: the tenant sees its own root as owner" "$(echo "$out" | grep -cx 0:0)" "1"
is "by path: root's file lands at 100000 on disk" "$(owner "$D/group/by-path")" "100000:100000"
is "by path: root's directory lands at 100000 on disk" "$(owner "$D/group/dir")" "100000:100000"
like "request -v says what the daemon made" "$out" "origin 100000:100000 range 65536, uid map .100000 200000 65536."
is "nothing of it is left on the host" "$(grep -c " $FS/dst " /proc/self/mountinfo)" "0"

# By name: the tenant names the mark, never the path.
out=$(tenant 200000 sh -c "shiftmount request --name group '$FS/dst' && touch '$FS/dst/by-name' &&
	ls '$FS/dst'" 2>&1)
like "by name: the marked directory is attached" "$out" "by-path"
is "by name: root's file lands at 100000" "$(owner "$D/group/by-name")" "100000:100000"

# Origin from the mark, uid and gid apart.
tenant 200000 sh -c "shiftmount request '$D/split' '$FS/dst' && touch '$FS/dst/f' && chown 5:7 '$FS/dst/f'"
is "origin-uid/origin-gid from the mark (interior 5:7)" "$(owner "$D/split/f")" "100005:150007"

# A marked directory owned by disk 0:0 at origin 100000: granted, and the
# answer says why creating files at its top will fail.
mkdir -p "$D/rootowned" && shiftmount mark --origin 100000 --by @alice "$D/rootowned" >/dev/null 2>&1
out=$(tenant 200000 sh -c "shiftmount request '$D/rootowned' '$FS/dst' && echo GRANTED" 2>&1)
like "request, source owned outside the map: granted" "$out" "GRANTED"
like "  ... with the daemon's warning: owner, map, fixes" "$out" \
	"shiftmount: warning: .*rootowned is owned on disk by uid 0 and gid 0, outside the uid map \(disk 100000-165535\).*fix: chown 100000:100000 "

# Two tenants, disjoint maps, one image: both write at the origin.
tenant 200000 sh -c "shiftmount request --name group '$FS/dst' && echo a >'$FS/dst/from-alice'"
tenant 300000 sh -c "shiftmount request --name group '$FS/dst' && echo b >'$FS/dst/from-bob' &&
	cat '$FS/dst/from-alice' && stat -c %u:%g '$FS/dst/from-alice'" >"$SM_TMP/bob.out" 2>&1
is "tenant alice (host 200000) writes at 100000" "$(owner "$D/group/from-alice")" "100000:100000"
is "tenant bob (host 300000) writes at 100000" "$(owner "$D/group/from-bob")" "100000:100000"
is "bob reads alice's file as his own root's" "$(tr '\n' ' ' <"$SM_TMP/bob.out")" "a 0:0 "

# -o ro and -o noexec
out=$(tenant 200000 sh -c "shiftmount request -o ro,noexec '$D/group' '$FS/dst' &&
	grep ' $FS/dst ' /proc/self/mountinfo | cut -d' ' -f6 &&
	touch '$FS/dst/nope'" 2>&1)
like "-o ro,noexec: the mount is ro,nosuid,nodev,noexec" "$out" "ro,nosuid,nodev,noexec"
like "-o ro: a write fails with EROFS" "$out" "Read-only file system"

# -r: submounts come along, shifted too.
mkdir -p "$D/tree" && chown 100000:100000 "$D/tree" && shiftmount mark --origin 100000 "$D/tree" >/dev/null
mkdir -p "$D/tree/sub"
mount -t tmpfs -o mode=755,uid=100000,gid=100000 tmpfs "$D/tree/sub"
at_exit "umount -l '$D/tree/sub'"
# Every submount needs its own mark, the same as the top's.
shiftmount mark --origin 100000 "$D/tree/sub" >/dev/null
touch "$D/tree/sub/in-submount"
out=$(tenant 200000 sh -c "shiftmount request -r '$D/tree' '$FS/dst' && ls '$FS/dst/sub' &&
	touch '$FS/dst/sub/new' && grep -c ' $FS/dst' /proc/self/mountinfo" 2>&1)
like "-r: the submount's files are there" "$out" "in-submount"
is "-r: written in the submount at the origin" "$(owner "$D/tree/sub/new")" "100000:100000"
is "-r: two mounts attached (tree and submount)" "$(echo "$out" | tail -n1)" "2"
out=$(tenant 200000 shiftmount request "$D/tree" "$FS/dst" 2>&1)
like "without -r a tree with (locked) submounts is refused by the kernel" "$out" \
	"refused: Invalid argument.*MountFailed"

# Introspection for generic Varlink tools.
out=$(varlink-raw "$SOCK" '{"method":"org.varlink.service.GetInfo"}')
like "GetInfo lists the interfaces" "$out" '"interfaces":\["org.varlink.service","io.shiftmount.Delegate"\]'
out=$(varlink-raw "$SOCK" '{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"io.shiftmount.Delegate"}}')
like "GetInterfaceDescription describes Mount" "$out" 'method Mount\('
out=$(varlink-raw "$SOCK" '{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"com.example.Nope"}}')
like "GetInterfaceDescription of an unknown interface" "$out" 'InterfaceNotFound.*com.example.Nope'
out=$(varlink-raw "$SOCK" '{"method":"org.varlink.service.GetInfo","oneway":true}'; echo "rc=$?")
is "a oneway call gets no answer" "$out" "rc=3"

# shiftmount show lists the marks.
out=$(shiftmount show "$D/group")
like "show DIR shows its mark" "$out" "mark $D/group"$'\n'"  origin 100000:100000 range 65536  by @alice,@bob  name group"
out=$(shiftmount show --json)
like "show --json lists registered marks" "$out" '"name":"group"|"name": "group"'

ok "the log has an allowed decision with who and what" \
	grep -q "pid=[0-9]* uid=300000 userns=[0-9]*: Mount name=group: allowed: origin 100000:100000 range 65536" "$DLOG"

# Socket activation: LISTEN_FDS/LISTEN_PID, fd 3.
daemon_stop
run_daemon varlink-raw --listen "$SOCK" "$SM_BUILD/bin/shiftmountd" --registry "$REG" \
	--subuid "$SUBUID" --subgid "$SUBUID" --config /dev/null
tenant 200000 sh -c "shiftmount request --name group '$FS/dst' && touch '$FS/dst/activated'"
is "socket-activated daemon serves a request" "$(owner "$D/group/activated")" "100000:100000"
ok "socket activation logged" grep -q "listening on the socket-activated fd" "$DLOG"
kill -TERM $DPID
wait $DPID
is "socket-activated daemon exits 0 on SIGTERM" "$?" "0"
done_testing
