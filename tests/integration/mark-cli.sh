#!/bin/bash
# shiftmount mark / unmark / show: what is written, what is refused (and
# that a refusal changes nothing), and bind taking the origin from a mark.
. "$SM_SRC/tests/lib/lib.sh"
chmod 755 "$SM_TMP"
FS=$(scratch_fs tmpfs 16)
export SHIFTMOUNT_REGISTRY=$SM_TMP/registry SHIFTMOUNT_CONFIG=/dev/null
D=$FS/d
mkdir -p "$D/a" "$D/b"
touch "$D/file"
xattr() { getfattr --only-values -n trusted.shiftmount "$1" 2>/dev/null; }

out=$(shiftmount mark --origin 100000 --by 200000 --by @alice --name group "$D/a")
is "mark prints the path and the mark" "$out" "$D/a: v1 origin-uid=100000 origin-gid=100000 range=65536 by=200000,@alice name=group"
is "the xattr holds the v1 text" "$(xattr "$D/a")" "v1 origin-uid=100000 origin-gid=100000 range=65536 by=200000,@alice name=group"
is "the name is registered" "$(readlink "$SHIFTMOUNT_REGISTRY/group")" "$D/a"
ok "marking again replaces it" shiftmount mark --origin-uid 5 --origin-gid 6 --range 10 "$D/a"
is "  with the new values" "$(xattr "$D/a")" "v1 origin-uid=5 origin-gid=6 range=10"
is "  and says nothing else on stdout" "$(shiftmount mark --origin-uid 5 --origin-gid 6 --range 10 "$D/a" 2>/dev/null)" \
	"$D/a: v1 origin-uid=5 origin-gid=6 range=10"
ok "  and drops the old name" test ! -e "$SHIFTMOUNT_REGISTRY/group"
echo "origin = 7000" >"$SM_TMP/conf"
SHIFTMOUNT_CONFIG=$SM_TMP/conf shiftmount mark "$D/b" >/dev/null
is "no --origin: the site config's origin" "$(xattr "$D/b")" "v1 origin-uid=7000 origin-gid=7000 range=65536"

before=$(xattr "$D/a")
for bad in "--origin x" "--origin 1 --origin-uid 2" "--range 0" "--by alice" "--by @Bad" \
	"--by 1 --by 1" "--name a/b" "--name .x" "--origin 4294967294 --range 2" "--colour red"; do
	# shellcheck disable=SC2086
	out=$(shiftmount mark $bad "$D/a" 2>&1)
	rc=$?
	is "mark $bad: exit 2" "$rc" "2"
	like "mark $bad: says what is wrong" "$out" "^shiftmount: "
done
is "refused marks left the old mark alone" "$(xattr "$D/a")" "$before"
out=$(shiftmount mark --origin 1 "$D/file" 2>&1; echo "rc=$?")
like "mark a file: exit 2, not a directory" "$out" "not a directory.*rc=2"
out=$(shiftmount mark --origin 1 "$D/nope" 2>&1; echo "rc=$?")
like "mark a missing path: exit 2" "$out" "No such file or directory.*rc=2"
out=$(setpriv --reuid 1000 --regid 1000 --clear-groups --inh-caps=-all shiftmount mark --origin 1 "$D/b" 2>&1; echo "rc=$?")
like "mark without privilege: exit 1, says who may" "$out" "only root of the initial user namespace.*rc=1"
is "  and the mark is unchanged" "$(xattr "$D/b")" "v1 origin-uid=7000 origin-gid=7000 range=65536"
if mount -t proc -o ro proc "$SM_TMP/proc" 2>/dev/null || { mkdir -p "$SM_TMP/proc" && mount -t proc proc "$SM_TMP/proc"; }; then
	out=$(shiftmount mark --origin 1 "$SM_TMP/proc" 2>&1; echo "rc=$?")
	like "mark on a filesystem without trusted xattrs: exit 1 with a hint" "$out" "no trusted.\* xattrs.*rc=1"
	umount "$SM_TMP/proc"
else
	skip "cannot mount a proc instance to test a filesystem without trusted xattrs"
fi
ok "a name already in use by another marked directory is refused" \
	sh -c "shiftmount mark --by @alice --name dup '$D/a' >/dev/null 2>&1 && ! shiftmount mark --by @bob --name dup '$D/b' 2>/dev/null"
is "  and b's mark is unchanged" "$(xattr "$D/b")" "v1 origin-uid=7000 origin-gid=7000 range=65536"

out=$(shiftmount show "$D/a")
like "show DIR prints the mark" "$out" "mark $D/a"$'\n'"  origin 0:0 range 65536  by @alice  name dup"
setfattr -n trusted.shiftmount -v "v1 origin-uid=1" "$D/b"
like "show flags an invalid mark" "$(shiftmount show "$D/b")" "mark $D/b: invalid mark"
like "show --json has the marks" "$(shiftmount show --json "$D/a")" '"marks"'

ok "unmark" shiftmount unmark "$D/a"
is "  the xattr is gone" "$(xattr "$D/a")" ""
ok "  and the name too" test ! -e "$SHIFTMOUNT_REGISTRY/dup"
out=$(shiftmount unmark "$D/a" 2>&1; echo "rc=$?")
like "unmark an unmarked directory: exit 1" "$out" "not marked.*rc=1"
ok "unmark removes an invalid mark too" shiftmount unmark "$D/b"
out=$(shiftmount unmark 2>&1; echo "rc=$?")
like "unmark without DIR: exit 2" "$out" "rc=2"
# H1: a mark that lets any container root write as disk root is made only
# when the admin says so; a named mark needs --by (the daemon grants names
# only to --by); a refusal writes nothing.
mkdir -p "$D/c"
out=$(shiftmount mark "$D/c" 2>&1; echo "rc=$?")
like "mark with origin 0 and no --by: exit 2, names both fixes" "$out" \
	"origin 0:0 and no --by lets any container root write as disk root.*--by UID\|@USER.*--anyone-as-disk-root.*rc=2"
is "  and nothing was written" "$(xattr "$D/c")" ""
out=$(shiftmount mark --origin-uid 100000 --origin-gid 0 "$D/c" 2>&1; echo "rc=$?")
like "mark with origin-gid 0 and no --by: exit 2" "$out" "origin 100000:0 and no --by.*rc=2"
out=$(shiftmount mark --anyone-as-disk-root "$D/c" 2>/dev/null; echo "rc=$?")
like "mark --anyone-as-disk-root: recorded in the mark" "$out" \
	"$D/c: v1 origin-uid=0 origin-gid=0 range=65536 grant=anyone-as-disk-root"$'\n'"rc=0"
is "  the xattr carries the grant" "$(xattr "$D/c")" "v1 origin-uid=0 origin-gid=0 range=65536 grant=anyone-as-disk-root"
like "  and show says what it grants" "$(shiftmount show "$D/c")" "by anyone who can reach it, as disk root"
for bad in "--origin 100000" "--by @alice"; do
	# shellcheck disable=SC2086
	out=$(shiftmount mark --anyone-as-disk-root $bad "$D/c" 2>&1; echo "rc=$?")
	like "mark --anyone-as-disk-root $bad: exit 2" "$out" "only for a mark with origin 0 and no --by.*rc=2"
done
is "  and the mark is unchanged" "$(xattr "$D/c")" "v1 origin-uid=0 origin-gid=0 range=65536 grant=anyone-as-disk-root"
out=$(shiftmount mark --origin 100000 --name lonely "$D/c" 2>&1; echo "rc=$?")
like "mark --name without --by: exit 2 with a hint" "$out" "--name lonely: a named mark needs --by UID\|@USER.*rc=2"
ok "  nothing registered" test ! -e "$SHIFTMOUNT_REGISTRY/lonely"
is "  and the mark is unchanged" "$(xattr "$D/c")" "v1 origin-uid=0 origin-gid=0 range=65536 grant=anyone-as-disk-root"

# mark warns (exit 0) where a tenant could reach the unshifted tree or a
# setuid file in it would run: a world-searchable path, no nosuid.
out=$(shiftmount mark --origin 100000 "$D/c" 2>&1 >/dev/null; echo "rc=$?")
like "mark warns: reachable by unprivileged host users" "$out" "warning: $D/c is reachable by unprivileged host users"
like "mark warns: filesystem without nosuid" "$out" "warning: $D/c lies on a filesystem mounted without nosuid.*rc=0"
mkdir -p "$SM_TMP/priv" && chmod 700 "$SM_TMP/priv"
mount -t tmpfs -o nosuid,mode=755 tmpfs "$SM_TMP/priv"
chmod 700 "$SM_TMP/priv"
mkdir -p "$SM_TMP/priv/img"
out=$(shiftmount mark --origin 100000 "$SM_TMP/priv/img" 2>&1 >/dev/null; echo "rc=$?")
is "mark under a root-only directory on a nosuid filesystem: no warning" "$out" "rc=0"
umount "$SM_TMP/priv"

ok "mark --help" shiftmount mark --help
ok "unmark --help" shiftmount unmark --help
ok "request --help" shiftmount request --help

# bind --shift takes the origin from SRC's mark when no --origin* is given:
# a file on disk at 100000 shows, through the mount, as the target
# namespace's root (host 200000).
mkdir -p "$D/img" "$FS/dst"
touch "$D/img/f"
chown 100000:100000 "$D/img" "$D/img/f"
shiftmount mark --origin 100000 "$D/img" >/dev/null
userns-run --map-root 200000 --pidfile "$SM_TMP/ns.pid" -- sleep 30 &
nspid=$!
wait_for "the user namespace's pid file" 20 test -s "$SM_TMP/ns.pid"
if shiftmount bind --shift="$(cat "$SM_TMP/ns.pid")" "$D/img" "$FS/dst" 2>"$SM_TMP/bind.err"; then
	is "bind --shift: origin from the mark (disk 100000 shows as host 200000)" \
		"$(owner "$FS/dst/f")" "200000:200000"
	umount "$FS/dst"
else
	_tap 1 "bind --shift: origin from the mark"
	sed 's/^/#   /' "$SM_TMP/bind.err"
fi
kill "$(cat "$SM_TMP/ns.pid")" "$nspid" 2>/dev/null
wait "$nspid" 2>/dev/null
done_testing
