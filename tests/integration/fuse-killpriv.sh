#!/bin/bash
# setuid/setgid bits and file capabilities killed on write, truncate and
# chown, through both backends, against what the filesystem itself does
# (the same cases on a plain directory are the expected results).  With
# FUSE_HANDLE_KILLPRIV_V2 shiftfs-fuse does this instead of the kernel's
# FUSE client (docs/fuse.md); with -o nokillpriv the kernel does; either way
# the result must be the native one.  Cases: writes (buffered, O_DIRECT,
# O_TRUNC) and truncates by the owner (no CAP_FSETID) and by root, chown and
# chgrp by root and by the owner, chown(f, -1, -1) (which also must change
# ctime, as pjdfstest's chown/00.t checks), on 06755 and 02745 files and on
# files with a capability.
. "$(dirname "$0")/../lib/lib.sh"

skip_all_unless_root
for c in python3 setcap getcap setpriv; do
	if ! command -v $c >/dev/null; then
		skip "needs $c"
		done_testing
		exit
	fi
done
chmod 755 "$SM_TMP" # the user must reach the directories below it

U=1000 # the user, host id; disk id 101000 below the mounts
# The user runs the system's python3, not one of root's on $PATH it cannot reach.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
user() { setpriv --reuid=$U --regid=$U --clear-groups --inh-caps=-all -- "$@"; }

cat >"$SM_TMP/ctime.py" <<'EOF'
# FILE: chown(FILE, -1, -1) once the clock has passed its ctime (inode
# times are coarse), then whether ctime changed.
import os, sys, time
f = sys.argv[1]
c = os.stat(f).st_ctime_ns
deadline = time.time() + 5
while time.time_ns() < c + 20_000_000 and time.time() < deadline:
    time.sleep(0.005)  # the poll interval, not a synchronisation
os.chown(f, -1, -1)
print("ctime changed" if os.stat(f).st_ctime_ns > c else "ctime unchanged")
EOF

# One case in directory DIR: a fresh file of the user's with MODE (and a
# capability when CAP=cap), then ACTION by WHO; prints mode and capability.
one() { # DIR NAME MODE CAP WHO ACTION...
	local f=$1/$2 mode=$3 cap=$4 who=$5 out
	shift 5
	rm -f "$f"
	user sh -c "echo data >'$f'" || { echo "cannot create"; return; }
	chmod "$mode" "$f"
	[ "$cap" = cap ] && setcap cap_net_raw+ep "$f"
	if [ "$who" = user ]; then
		out=$(user "$@" 2>&1)
	else
		out=$("$@" 2>&1)
	fi
	echo "$(stat -c %a "$f") $(getcap "$f" | grep -q cap_net_raw && echo cap || echo nocap)${out:+ $out}"
}

cases() { # DIR: every case, one line each
	local d=$1 f
	for f in 6755 2745; do
		echo "write by owner $f: $(one "$d" w$f $f - user sh -c "printf x >>'$d/w$f'")"
		echo "write by root $f: $(one "$d" r$f $f - root sh -c "printf x >>'$d/r$f'")"
		echo "O_DIRECT write by owner $f: $(one "$d" d$f $f - user dd if=/dev/zero of="$d/d$f" bs=4096 count=1 oflag=direct conv=notrunc status=none)"
		echo "truncate by owner $f: $(one "$d" t$f $f - user truncate -s 2 "$d/t$f")"
		echo "truncate by root $f: $(one "$d" tr$f $f - root truncate -s 2 "$d/tr$f")"
		echo "O_TRUNC open by owner $f: $(one "$d" o$f $f - user sh -c ": >'$d/o$f'")"
		echo "chown by root $f: $(one "$d" c$f $f - root chown $U:$U "$d/c$f")"
		echo "chgrp by owner $f: $(one "$d" g$f $f - user chgrp $U "$d/g$f")"
		echo "chown -1 -1 by owner $f: $(one "$d" n$f $f - user "$PY" "$SM_TMP/ctime.py" "$d/n$f")"
	done
	echo "write by root, capability: $(one "$d" wc 755 cap root sh -c "printf x >>'$d/wc'")"
	echo "truncate by root, capability: $(one "$d" tc 755 cap root truncate -s 2 "$d/tc")"
	echo "chown by root, capability: $(one "$d" cc 755 cap root chown $U:$U "$d/cc")"
	echo "chown -1 -1 by root, capability: $(one "$d" nc 755 cap root "$PY" "$SM_TMP/ctime.py" "$d/nc")"
}

native=$(scratch_fs tmpfs 16) || { skip "no scratch fs"; done_testing; exit; }
chown $U:$U "$native"
cases "$native" >"$SM_TMP/res.native"
diag "native results:"
sed 's/^/#   /' "$SM_TMP/res.native"
# The rule itself, so the reference cannot be wrong unnoticed.
like "native: a write by the owner kills setuid and setgid" "$(grep '^write by owner 6755:' "$SM_TMP/res.native")" ": 755 nocap$"
like "native: a write by root keeps them" "$(grep '^write by root 6755:' "$SM_TMP/res.native")" ": 6755 nocap$"
like "native: a write kills a capability" "$(grep '^write by root, capability:' "$SM_TMP/res.native")" ": 755 nocap$"
like "native: chown(-1, -1) changes ctime" "$(grep '^chown -1 -1 by owner 2745:' "$SM_TMP/res.native")" "ctime changed$"

# The third: shiftfs-fuse without passthrough, so the writes come to it as
# WRITE requests it must kill the bits for (as for rootless mounts).
fuse_bin=${SHIFTFS_FUSE:-$SM_BUILD/bin/shiftfs-fuse}
printf '#!/bin/sh\nexec %s -o nopassthrough "$@"\n' "$fuse_bin" >"$SM_TMP/fuse-nopt"
chmod 755 "$SM_TMP/fuse-nopt"

for backend in kernel fuse fuse-nopassthrough; do
	src=$(scratch_fs tmpfs 16) || { skip "$backend: no scratch fs"; continue; }
	chown $((100000 + U)):$((100000 + U)) "$src"
	d=$SM_TMP/$backend
	mkdir "$d"
	case $backend in
	fuse-nopassthrough) ok "$backend: bind" env SHIFTFS_FUSE="$SM_TMP/fuse-nopt" \
		shiftmount bind --backend=fuse --map b:100000:0:65536 "$src" "$d" || continue ;;
	*) ok "$backend: bind" shiftmount bind --backend=$backend --map b:100000:0:65536 "$src" "$d" || continue ;;
	esac
	at_exit "umount -l '$d'"
	[ $backend != kernel ] && diag "$backend: $(getfattr --absolute-names -n user.shiftmount.fuse --only-values "$d" 2>&1)"
	cases "$d" >"$SM_TMP/res.$backend"
	while IFS= read -r want; do
		name=${want%%:*}
		got=$(grep -F "$name:" "$SM_TMP/res.$backend" | head -n1)
		is "$backend: $name" "${got#*: }" "${want#*: }"
	done <"$SM_TMP/res.native"
	umount "$d"
done

done_testing
