#!/bin/bash
# shiftfs-fuse as a user runs it: its command line, `shiftmount bind
# --backend=fuse|auto`, `shiftmount show`, SIGTERM and umount.
. "$(dirname "$0")/../lib/lib.sh"

if [ "$(id -u)" != 0 ]; then
	skip "needs root"
	done_testing
	exit
fi

rc_of() { "$@" >/dev/null 2>&1; echo $?; }
err_of() { "$@" 2>&1 >/dev/null | head -n1; }
mounted() { grep -q " $1 .* fuse.shiftfs-fuse " /proc/self/mountinfo; }

src=$(scratch_fs tmpfs 16) || { skip "no scratch fs"; done_testing; exit; }
chown 100000:100000 "$src"
touch "$src/f" && chown 100005:100005 "$src/f"
dst=$SM_TMP/dst
mkdir "$dst"

like "--help" "$(shiftfs-fuse --help)" "^Usage: shiftfs-fuse"
like "--version" "$(shiftfs-fuse --version)" "^shiftfs-fuse [0-9]"

sig=$(mountinfo_sig)
is "no arguments: exit 2" "$(rc_of shiftfs-fuse)" 2
like "... says what is missing" "$(err_of shiftfs-fuse)" "need SRC and DST"
is "no map: exit 2" "$(rc_of shiftfs-fuse "$src" "$dst")" 2
like "... says so" "$(err_of shiftfs-fuse "$src" "$dst")" "map=SPEC or -o shift=TARGET"
is "a bad map: exit 2" "$(rc_of shiftfs-fuse -o map=b:1:2:0 "$src" "$dst")" 2
like "... names the entry" "$(err_of shiftfs-fuse -o map=b:1:2:0 "$src" "$dst")" \
	'map: "b:1:2:0"'
is "an unknown option: exit 2" "$(rc_of shiftfs-fuse -o map=b:0:0:1,frobnicate "$src" "$dst")" 2
is "map= with shift=: exit 2" "$(rc_of shiftfs-fuse -o map=b:0:0:1,shift=1 "$src" "$dst")" 2
is "origin without shift=: exit 2" \
	"$(rc_of shiftfs-fuse -o map=b:0:0:1,origin=5 "$src" "$dst")" 2
is "a missing SRC: exit 2" "$(rc_of shiftfs-fuse -o map=b:0:0:1 "$SM_TMP/nope" "$dst")" 2
is "a TARGET that is no process: exit 2" \
	"$(rc_of shiftfs-fuse -o shift=999999999 "$src" "$dst")" 2
is "bad input leaves the mount table as it was" "$(mountinfo_sig)" "$sig"

# shift= computes the map from a target namespace, as bind --shift does.
userns-run --map-root 200000 --pidfile "$SM_TMP/t.pid" -- sleep 600 &
at_exit "kill $!"
for _ in $(seq 50); do [ -s "$SM_TMP/t.pid" ] && break; sleep 0.1; done
T=$(cat "$SM_TMP/t.pid")
ok "shift=PID,origin=100000" shiftfs-fuse -o shift=$T,origin=100000 "$src" "$dst"
is "... daemonized with the mount working" "$(owner "$dst/f")" "200005:200005"
is "... serves its map to show" "$(getfattr --only-values -n user.shiftmount.map "$dst" 2>/dev/null)" \
	"b:100000:200000:65536"
ok "umount" umount "$dst"
# The daemon exits once it sees the unmount: poll for it, 5 s at most.
daemon_gone() {
	local _
	for _ in $(seq 50); do
		pgrep -f "^[^ ]*shiftfs-fuse -o shift=$T" >/dev/null || return 0
		sleep 0.1
	done
	echo "shiftfs-fuse -o shift=$T still running 5 s after its umount"
	return 1
}
ok "... and the daemon is gone" daemon_gone

# shiftmount bind --backend=fuse, show, SIGTERM.
ok "bind --backend=fuse" shiftmount bind --backend=fuse --map "b:100000:200000:65536" "$src" "$dst"
ok "... mounted with shiftfs-fuse" mounted "$dst"
out=$(shiftmount show)
like "show lists it with backend fuse" "$out" "$dst.*source +$src.*backend +fuse"
like "show gives its map" "$out" "disk 100000-165535 <-> host 200000-265535"
like "show --json too" "$(shiftmount show --json | tr -d ' \n')" \
	"\"target\":\"$dst\",\"source\":\"$src\",\"fstype\":\"fuse.shiftfs-fuse\",\"backend\":\"fuse\""
pkill -TERM -f "^[^ ]*shiftfs-fuse -o map=b:100000:200000:65536 -- $src $dst"
for _ in $(seq 50); do mounted "$dst" || break; sleep 0.1; done
ok "SIGTERM: the daemon unmounts and exits" sh -c "! grep -q ' $dst ' /proc/self/mountinfo"

# --backend=auto: the kernel where it can, shiftfs-fuse where it cannot
# (here: the source is itself a FUSE mount, which the kernel cannot idmap).
like "auto on tmpfs picks the kernel" \
	"$(shiftmount bind -v --map "b:100000:200000:65536" "$src" "$dst" 2>&1)" "backend: kernel"
umount "$dst"
lower=$SM_TMP/lower
mkdir "$lower"
shiftfs-fuse -o map=b:0:0:4294967294 "$src" "$lower"
at_exit "umount -l '$lower'"
like "auto on a FUSE filesystem falls back to shiftfs-fuse" \
	"$(shiftmount bind -v --map "b:100000:200000:65536" "$lower" "$dst" 2>&1)" "backend: fuse"
ok "... mounted with shiftfs-fuse" mounted "$dst"
is "... and shifts" "$(owner "$dst/f")" "200005:200005"
umount "$dst"
umount "$lower"
done_testing
