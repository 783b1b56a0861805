# shellcheck shell=bash
# Shared by the reconfigure-*.sh tests (sourced, not a test itself): what a
# live map change must keep, checked the same way on either backend.
#
#   live_swap BACKEND IMG DST LABEL
#       IMG is a directory owned 100000:100000 on disk.  Binds it for
#       container A (host 200000) at origin 100000, then, while a process
#       keeps a file open and another its cwd inside, changes the origin to
#       300000 and checks the old and the new side.  Leaves DST mounted with
#       the new map.
#   swap_race BACKEND IMG DST LABEL [SWAPS]
#       SWAPS (100) map changes, back and forth, while stat-watch stats one
#       file in a tight loop: every stat must show the owner of one map or
#       the other, never the disk's (unshifted) owner, never ENOENT.
#   mount_state DST      map, flags and mount id of the mount at DST

. "$SM_SRC/tests/lib/private-ns.sh"
. "$SM_SRC/tests/lib/lib.sh"
chmod 755 "$SM_TMP" # container processes must reach the mounts

# Container A: root = host 200000.  A fresh namespace with the same map has
# the same host ids, which is all a mount's map looks at.
userns-run --pidfile "$SM_TMP/a.pid" -- sleep 900 &
wait_for "container A's pid file" 20 test -s "$SM_TMP/a.pid"
A=$(cat "$SM_TMP/a.pid")
at_exit "kill $A"
in_a() { userns-run "$@"; }

# The top mount at DST: its id and options (mountinfo), its map and flags
# (shiftmount show), one line.
mount_state() { # DST
	local mi
	mi=$(awk -v d="$1" '$5 == d { l = $1 " " $6 } END { print l }' /proc/self/mountinfo)
	echo "$mi | $(shiftmount show "$1" 2>&1 | grep -E '^  (flags|ids|uids|gids|backend) ' | tr -s ' ' | tr '\n' ';')"
}

# The shiftfs-fuse process serving DST with MAP, if any.
fuse_pid() { # DST MAP
	local p
	for p in $(pgrep -x shiftfs-fuse); do
		tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -q -- "map=$2[, ].* $1 \?$" && echo "$p"
	done
}
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

live_swap() { # BACKEND IMG DST LABEL
	local be=$1 img=$2 dst=$3 t=$4 fifo out oldpid=
	mkdir -p "$img/sub" "$dst"
	chown 100000:100000 "$img" "$img/sub"
	ok "$t: bind --shift=A --origin 100000 (backend $be)" \
		shiftmount bind --backend="$be" --shift="$A" --origin 100000 "$img" "$dst" || return 1
	at_exit "umount -l '$dst'"
	ok "$t: container root writes before" in_a -- sh -c "echo one >'$dst/old-file'"
	is "$t:   lands at the old origin on disk" "$(owner "$img/old-file")" "100000:100000"
	[ "$be" = fuse ] && oldpid=$(fuse_pid "$dst" "b:100000:200000:65536")

	# A writer with the file open, and a shell with its cwd in sub/, both
	# in container A.  Each says "ready" on a fifo once in place, then
	# waits for "go" on another, sent after the swap.  The test holds every
	# fifo open read-write, so no open blocks and nothing written is lost.
	fifo=$SM_TMP/fifo.$RANDOM
	mkfifo -m 666 "$fifo.ready" "$fifo.go" "$fifo.cwd"
	local rfd gfd cfd
	exec {rfd}<>"$fifo.ready" {gfd}<>"$fifo.go" {cfd}<>"$fifo.cwd"
	in_a -- sh -c "exec 3>>'$dst/old-file' && echo ready >'$fifo.ready' && read x <'$fifo.go' &&
		echo two >&3 && stat -L -c %u:%g /proc/self/fd/3" >"$SM_TMP/writer.out" 2>&1 &
	local wpid=$!
	in_a -- sh -c "cd '$dst/sub' && echo ready >'$fifo.ready' && read x <'$fifo.cwd' &&
		touch via-cwd && stat -c %u:%g ." >"$SM_TMP/cwd.out" 2>&1 &
	local cpid=$!
	local r1= r2=
	read -r -t 30 -u $rfd r1
	read -r -t 30 -u $rfd r2
	is "$t: the writer and the shell are in place" "$r1 $r2" "ready ready"

	# The data moves to origin 300000: its top directory first, so that
	# the container's root can create in it through the new map.
	chown 300000:300000 "$img"
	local before
	before=$(mount_state "$dst")
	ok "$t: reconfigure --shift=A --origin 300000 while in use" \
		shiftmount reconfigure --shift="$A" --origin 300000 "$dst"
	local after
	after=$(mount_state "$dst")
	like "$t:   show reports the new map at once" "$after" "disk 300000-365535 <-> host 200000-265535"
	ok "$t:   the mount is a new one (mount id changed)" test "${before%% *}" != "${after%% *}"

	echo go >&$gfd
	echo go >&$cfd
	wait $wpid
	is "$t: the open file took a write after the swap" "$?" 0
	# Seen from the container: its root (0:0) through the old map; the new
	# map leaves disk 100000 out (65534).
	is "$t:   and still shows the old map's owner (container root)" "$(cat "$SM_TMP/writer.out")" "0:0"
	is "$t:   the file has both lines" "$(cat "$img/old-file")" "one"$'\n'"two"
	wait $cpid
	is "$t: the shell with its cwd inside created a file after the swap" "$?" 0
	is "$t:   its cwd still shows the old map's owner" "$(cat "$SM_TMP/cwd.out")" "0:0"
	is "$t:   the file it made through the old mount is at the old origin" \
		"$(owner "$img/sub/via-cwd")" "100000:100000"

	ok "$t: container root writes after the swap" in_a -- sh -c "echo new >'$dst/new-file'"
	is "$t:   lands at the new origin on disk" "$(owner "$img/new-file")" "300000:300000"
	is "$t:   the old file stays at the old origin on disk" "$(owner "$img/old-file")" "100000:100000"
	is "$t:   through the new map the old file is nobody's" "$(in_a -- stat -c %u "$dst/old-file")" "65534"
	is "$t:   the new file is the container root's" "$(in_a -- stat -c %u:%g "$dst/new-file")" "0:0"
	if [ "$be" = fuse ]; then
		ok "$t: the old shiftfs-fuse was found before the swap" test -n "$oldpid"
		wait_for "$t: the old shiftfs-fuse to exit once its last user is gone" 20 gone "${oldpid:-0}"
	fi
	exec {rfd}<&- {gfd}<&- {cfd}<&-
	rm -f "$fifo".*
}

swap_race() { # BACKEND IMG DST LABEL [SWAPS]
	local be=$1 img=$2 dst=$3 t=$4 n=${5:-100} i rc=0 out
	mkdir -p "$img" "$dst"
	touch "$img/watched"
	chown 100005:100005 "$img/watched"
	ok "$t: bind --map b:100000:200000:65536 (backend $be)" \
		shiftmount bind --backend="$be" --map b:100000:200000:65536 "$img" "$dst" 2>/dev/null || return 1
	at_exit "umount -l '$dst'"
	rm -f "$SM_TMP/ready" "$SM_TMP/stop"
	stat-watch "$dst/watched" "$SM_TMP/ready" "$SM_TMP/stop" 200005,300005 >"$SM_TMP/watch.out" &
	local spid=$!
	wait_for "$t: stat-watch running" 20 test -e "$SM_TMP/ready"
	for i in $(seq 1 "$n"); do
		local host=$((i % 2 ? 300000 : 200000))
		shiftmount reconfigure --map "b:100000:$host:65536" "$dst" >"$SM_TMP/swap.err" 2>&1 || {
			rc=1
			break
		}
	done
	touch "$SM_TMP/stop"
	wait $spid
	local wrc=$?
	out=$(cat "$SM_TMP/watch.out")
	is "$t: $n swaps, all done (stopped at $i)" "$rc" 0
	[ $rc = 0 ] || sed 's/^/#   /' "$SM_TMP/swap.err"
	is "$t: every stat during the swaps saw the file, owned 200005 or 300005 ($out)" "$wrc" 0
	like "$t:   it saw both maps" "$out" "seen=.*(200005:[1-9].*300005:[1-9]|300005:[1-9].*200005:[1-9])"
	like "$t:   thousands of stats" "$out" "stats=[0-9]{4,}"
	is "$t:   ends with the last map" "$(stat -c %u "$dst/watched")" $((n % 2 ? 300005 : 200005))
	is "$t:   one mount at DST, not a stack of them" \
		"$(awk -v d="$dst" '$5 == d' /proc/self/mountinfo | wc -l)" 1
}
