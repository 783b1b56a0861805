#!/bin/bash
# POSIX behaviour through a shifted mount, written from the documented
# behaviour that pjdfstest and xfstests' vfs tests check: chown/chmod rules,
# sticky directories, setgid inheritance and clearing, ACL and file
# capability translation, O_TMPFILE, hard links, rename edge cases, EXDEV.
# The same table runs on both backends; the kernel's idmapped mount is the
# reference the FUSE backend must match.  (The 20 conformance behaviours
# are tests/integration/conformance.sh and tests/helpers/conformance.c; this covers the rest.)
. "$(dirname "$0")/../lib/lib.sh"

skip_all_unless_root
if ! command -v python3 >/dev/null; then
	skip "needs python3 (renameat2, O_TMPFILE)"
	done_testing
	exit
fi
chmod 755 "$SM_TMP" # the tenant must reach the mounts below it

userns-run --map-root 200000 --pidfile "$SM_TMP/a.pid" -- sleep 600 &
at_exit "kill $!"
wait_for "the user namespace's pid file" 20 test -s "$SM_TMP/a.pid"
A=$(cat "$SM_TMP/a.pid")

# Small syscalls the shell has no command for; prints "ok" or the errno name.
cat >"$SM_TMP/sys.py" <<'EOF'
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
def res(r):
    print("ok" if r == 0 else errno.errorcode[ctypes.get_errno()])
cmd = sys.argv[1]
try:
    if cmd == "rename2":   # FLAGS OLD NEW  (1 noreplace, 2 exchange)
        res(libc.renameat2(-100, sys.argv[3].encode(), -100, sys.argv[4].encode(),
                           int(sys.argv[2])))
    elif cmd == "rename":
        os.rename(sys.argv[2], sys.argv[3]); print("ok")
    elif cmd == "link":
        os.link(sys.argv[2], sys.argv[3]); print("ok")
    elif cmd == "tmpfile":  # DIR NAME MODE: O_TMPFILE then linkat it as NAME
        fd = os.open(sys.argv[2], os.O_TMPFILE | os.O_WRONLY, int(sys.argv[4], 8))
        os.write(fd, b"tmp")
        res(libc.linkat(-100, ("/proc/self/fd/%d" % fd).encode(), -100,
                        os.path.join(sys.argv[2], sys.argv[3]).encode(), 0x400))
    elif cmd == "create":   # PATH MODE (octal), no umask games
        os.close(os.open(sys.argv[2], os.O_CREAT | os.O_EXCL | os.O_WRONLY, int(sys.argv[3], 8)))
        print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])
EOF
sys() { python3 "$SM_TMP/sys.py" "$@"; }
as() { # UID[:GID] CMD...: run as that interior id in tenant A's namespace
	local who=$1
	shift
	userns-run --map-root 200000 --as "$who" -- "$@"
}
err_of() { "$@" 2>&1 >/dev/null | head -n1; }
mode() { stat -c %a "$1"; }

for backend in kernel fuse; do
	diag "backend: $backend"
	src=$(scratch_fs tmpfs 64) || { skip "$backend: no scratch fs"; continue; }
	chown 100000:100000 "$src"
	mkdir "$src/pub" && chown 100000:100000 "$src/pub" && chmod 1777 "$src/pub"
	d=$SM_TMP/$backend-m other=$SM_TMP/$backend-o
	mkdir -p "$d" "$other"
	if ! ok "$backend: bind" shiftmount bind --backend=$backend --shift=$A --origin 100000 \
		"$src" "$d"; then
		continue
	fi
	at_exit "umount -l '$d'"
	b=$backend

	# chown/chmod permission rules
	as 1000 touch "$d/pub/c1"
	like "$b: an owner cannot give a file away" "$(err_of as 1000 chown 1001 "$d/pub/c1")" \
		"Operation not permitted"
	ok "$b: an owner may chgrp to its own group" as 1000 chgrp 1000 "$d/pub/c1"
	like "$b: a non-owner cannot chmod" "$(err_of as 1001 chmod 777 "$d/pub/c1")" \
		"Operation not permitted"
	ok "$b: root of the namespace may chown" as 0 chown 1001:1001 "$d/pub/c1"
	is "$b: ... stored as 101001" "$(owner "$src/pub/c1")" "101001:101001"

	# sticky directory
	as 1000 touch "$d/pub/s1"
	like "$b: sticky: another user cannot unlink" "$(err_of as 1001 rm -f "$d/pub/s1")" \
		"Operation not permitted"
	is "$b: sticky: another user cannot rename" "$(as 1001 python3 "$SM_TMP/sys.py" rename \
		"$d/pub/s1" "$d/pub/s2")" "EPERM"
	is "$b: sticky: the owner can rename" "$(as 1000 python3 "$SM_TMP/sys.py" rename \
		"$d/pub/s1" "$d/pub/s2")" "ok"
	ok "$b: sticky: the owner can unlink" as 1000 rm "$d/pub/s2"

	# setgid directories
	as 0 mkdir "$d/sg"
	as 0 chgrp 2000 "$d/sg"
	as 0 chmod 2777 "$d/sg"
	as 1000 touch "$d/sg/f"
	is "$b: setgid dir: a new file takes the directory's group" "$(owner "$src/sg/f")" \
		"101000:102000"
	as 1000 mkdir "$d/sg/sub"
	is "$b: setgid dir: a new directory takes the group" "$(owner "$src/sg/sub")" \
		"101000:102000"
	like "$b: setgid dir: ... and the setgid bit" "$(stat -c %A "$d/sg/sub")" "^d.....s"
	as 1000 python3 "$SM_TMP/sys.py" create "$d/sg/nonmember" 2755 >/dev/null
	is "$b: setgid stripped from a non-member's new file" "$(mode "$src/sg/nonmember")" "755"
	as 1000:2000 python3 "$SM_TMP/sys.py" create "$d/sg/member" 2755 >/dev/null
	is "$b: setgid kept for a member's new file" "$(mode "$src/sg/member")" "2755"

	# setuid/setgid cleared by write and by chown
	as 1000 touch "$d/pub/w"
	as 1000 chmod 6755 "$d/pub/w"
	is "$b: setuid+setgid set by the owner" "$(mode "$d/pub/w")" "6755"
	as 1000 sh -c "echo data >> '$d/pub/w'"
	is "$b: a write clears setuid and setgid" "$(mode "$src/pub/w")" "755"
	is "$b: ... and the mount shows it" "$(mode "$d/pub/w")" "755"
	as 1000 chmod 6755 "$d/pub/w"
	as 0 chown 1001 "$d/pub/w"
	is "$b: chown clears setuid and setgid" "$(mode "$src/pub/w")" "755"

	# POSIX ACLs translated both ways
	as 0 touch "$d/acl"
	ok "$b: setfacl through the mount" as 0 setfacl -m u:1000:rw,g:2000:r "$d/acl"
	like "$b: ACL stored with disk ids" "$(getfacl -n "$src/acl" 2>/dev/null | tr '\n' ' ')" \
		"user:101000:rw-.*group:102000:r--"
	like "$b: ACL read back with interior ids" \
		"$(as 0 getfacl -n "$d/acl" 2>/dev/null | tr '\n' ' ')" "user:1000:rw-.*group:2000:r--"
	like "$b: ACL seen from the host with host ids" \
		"$(getfacl -n "$d/acl" 2>/dev/null | tr '\n' ' ')" "user:201000:rw-.*group:202000:r--"
	ok "$b: the ACL grants access" as 1000 sh -c "echo x > '$d/acl'"
	as 0 mkdir "$d/dacl"
	as 0 chmod 777 "$d/dacl"
	as 0 setfacl -d -m u::rwx,g::rwx,o::rwx "$d/dacl"
	as 1000 sh -c "umask 077; touch '$d/dacl/f'"
	is "$b: a default ACL overrides the umask" "$(mode "$src/dacl/f")" "666"
	as 1000 sh -c "umask 077; touch '$d/pub/um'"
	is "$b: without one the umask applies" "$(mode "$src/pub/um")" "600"

	# file capabilities (v3 rootid)
	as 0 touch "$d/cap"
	if as 0 setcap cap_net_raw+ep "$d/cap" 2>/dev/null; then
		like "$b: fscaps stored with the disk rootid" "$(getcap -n "$src/cap")" \
			"cap_net_raw=ep.*rootid=100000"
		like "$b: fscaps read inside as the namespace's own" "$(as 0 getcap "$d/cap")" \
			"cap_net_raw=ep$"
		like "$b: fscaps seen from the host with the host rootid" "$(getcap -n "$d/cap")" \
			"rootid=200000"
	else
		skip "$b: setcap through the mount failed"
		skip "$b: fscaps"
		skip "$b: fscaps"
	fi

	# O_TMPFILE + linkat in a setgid directory
	r=$(as 1000 python3 "$SM_TMP/sys.py" tmpfile "$d/sg" tmpf 0644)
	if [ "$r" = EOPNOTSUPP ]; then
		skip "$b: O_TMPFILE unsupported"
		skip "$b: O_TMPFILE unsupported"
	else
		is "$b: O_TMPFILE + linkat" "$r" "ok"
		is "$b: ... owner and setgid-inherited group" "$(owner "$src/sg/tmpf")" "101000:102000"
	fi

	# hard links: one inode, one set of attributes through both names
	as 0 touch "$d/hl1"
	as 0 ln "$d/hl1" "$d/hl2"
	as 0 chmod 600 "$d/hl1"
	is "$b: hard link: chmod through one name shows through the other" "$(mode "$d/hl2")" "600"
	as 0 chown 1000 "$d/hl2"
	is "$b: hard link: chown likewise" "$(stat -c %u "$d/hl1")" "201000"
	is "$b: hard link: link count" "$(stat -c %h "$d/hl1")" "2"
	as 0 rm "$d/hl2"
	is "$b: hard link: count after unlink" "$(stat -c %h "$d/hl1")" "1"

	# rename edge cases
	as 0 sh -c "echo one > '$d/r1'; echo two > '$d/r2'; mkdir '$d/rd' '$d/rd2'; touch '$d/rd2/x'"
	is "$b: RENAME_NOREPLACE onto an existing name" \
		"$(as 0 python3 "$SM_TMP/sys.py" rename2 1 "$d/r1" "$d/r2")" "EEXIST"
	is "$b: RENAME_EXCHANGE" "$(as 0 python3 "$SM_TMP/sys.py" rename2 2 "$d/r1" "$d/r2")" "ok"
	is "$b: ... swapped the contents" "$(cat "$d/r1")$(cat "$d/r2")" "twoone"
	is "$b: RENAME_NOREPLACE to a new name" \
		"$(as 0 python3 "$SM_TMP/sys.py" rename2 1 "$d/r1" "$d/r3")" "ok"
	is "$b: a directory onto a non-empty one" \
		"$(as 0 python3 "$SM_TMP/sys.py" rename "$d/rd" "$d/rd2")" "ENOTEMPTY"
	is "$b: a file onto a directory" \
		"$(as 0 python3 "$SM_TMP/sys.py" rename "$d/r2" "$d/rd")" "EISDIR"
	is "$b: a directory into itself" \
		"$(as 0 python3 "$SM_TMP/sys.py" rename "$d/rd" "$d/rd/in")" "EINVAL"

	# EXDEV across mounts (another mount of the same tree included)
	shiftmount bind --backend=$backend --shift=$A --origin 100000 "$src" "$other" &&
		at_exit "umount -l '$other'"
	is "$b: rename to another mount of the same tree" \
		"$(as 0 python3 "$SM_TMP/sys.py" rename "$d/r3" "$other/r3")" "EXDEV"
	is "$b: link to another mount of the same tree" \
		"$(as 0 python3 "$SM_TMP/sys.py" link "$d/r3" "$other/r4")" "EXDEV"
	is "$b: rename out of the mount" "$(sys rename "$d/r3" "$SM_TMP/out")" "EXDEV"
	umount "$other"
	ok "$b: umount" umount "$d"
done
done_testing
