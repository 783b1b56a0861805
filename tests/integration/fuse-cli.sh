#!/bin/bash
# shiftfs-fuse as a user runs it: its command line, `shiftmount bind
# --backend=fuse|auto`, `shiftmount show`, SIGTERM and umount.
. "$(dirname "$0")/../lib/lib.sh"

skip_all_unless_root

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
wait_for "the user namespace's pid file" 20 test -s "$SM_TMP/t.pid"
T=$(cat "$SM_TMP/t.pid")
ok "shift=PID,origin=100000" shiftfs-fuse -o shift=$T,origin=100000 "$src" "$dst"
is "... daemonized with the mount working" "$(owner "$dst/f")" "200005:200005"
is "... serves its map to show" "$(getfattr --only-values -n user.shiftmount.map "$dst" 2>/dev/null)" \
	"b:100000:200000:65536"
ok "umount" umount "$dst"
wait_for "... the FUSE server to exit after umount" 30 sh -c "! pgrep -f '^[^ ]*shiftfs-fuse -o shift=$T'"

# shiftmount bind --backend=fuse, show, SIGTERM.
ok "bind --backend=fuse" shiftmount bind --backend=fuse --map "b:100000:200000:65536" "$src" "$dst"
ok "... mounted with shiftfs-fuse" mounted "$dst"
out=$(shiftmount show)
like "show lists it with backend fuse" "$out" "$dst.*source +$src.*backend +fuse"
like "show gives its map" "$out" "disk 100000-165535 <-> host 200000-265535"
like "show --json too" "$(shiftmount show --json | tr -d ' \n')" \
	"\"target\":\"$dst\",\"source\":\"$src\",\"fstype\":\"fuse.shiftfs-fuse\",\"backend\":\"fuse\""
# -v adds what shiftfs-fuse negotiated with the kernel, verbatim from the
# root's user.shiftmount.fuse; as root passthrough is on by default.
feat=$(getfattr --absolute-names --only-values -n user.shiftmount.fuse "$dst" 2>&1)
like "... the mount negotiated passthrough (as root)" "$feat" "^passthrough=on "
like "show -v prints the features line" "$(shiftmount show -v "$dst")" \
	"backend +fuse .*"$'\n'"  features passthrough=on killpriv_v2=(on|off) "
is "... verbatim as the mount says it" \
	"$(shiftmount show -v "$dst" | sed -n 's/^  features //p')" "$feat"
is "show without -v prints no features line" "$(shiftmount show "$dst" | grep -c '^  features')" 0
like "show --verbose --json has them too" "$(shiftmount show --verbose --json "$dst" | tr -d '\n')" \
	"\"fuse_features\": *\"passthrough=on "
like "--help names -v" "$(shiftmount show --help)" "-v, --verbose +also a \"features\" line"
pkill -TERM -f "^[^ ]*shiftfs-fuse -o map=b:100000:200000:65536 -- $src $dst"
wait_for "SIGTERM: the FUSE server to unmount" 30 sh -c "! grep -q ' $dst ' /proc/self/mountinfo"

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

# Off with -o nopassthrough: show -v says so, reason and all.
ok "shiftfs-fuse -o nopassthrough" shiftfs-fuse -o map=b:100000:200000:65536,nopassthrough "$src" "$dst"
like "show -v: passthrough=off with -o nopassthrough" \
	"$(shiftmount show -v "$dst" | grep '^  features')" \
	"^  features passthrough=off killpriv_v2=(on|off) writeback=off .*-o nopassthrough"
umount "$dst"

# user.shiftmount.options: what it was started with beyond the map, the
# flags and where, in one spelling (what shiftmount reconfigure carries).
# Another map than the other instances', whose command lines the checks
# below find them by.
options() { getfattr --absolute-names --only-values -n user.shiftmount.options "$1" 2>&1; }
shiftfs-fuse -o map=b:100000:300000:65536 "$src" "$dst"
is "options: none but map given: empty" "$(options "$dst")" ""
umount "$dst"
shiftfs-fuse -o map=b:100000:300000:65536,ro,nosuid,rbind,no_passthrough,timeout=2,noallow_other,writeback_cache,no_flock,max_threads=5,handles=never,clone_fd,no_killpriv,negative_timeout=0 "$src" "$dst"
is "options: in one order and spelling, without map, flags and recursion" "$(options "$dst")" \
	"noallow_other,writeback,no_flock,nopassthrough,nokillpriv,clone_fd,handles=never,threads=5,entry_timeout=2,attr_timeout=2,negative_timeout=0"
not_ok_expected "options: cannot be set" setfattr -n user.shiftmount.options -v idmap "$dst"
not_ok_expected "options: cannot be removed" setfattr -x user.shiftmount.options "$dst"
is "options: not listed" "$(getfattr --absolute-names -d -m - "$dst" 2>&1 | grep -c shiftmount.options)" 0
umount "$dst"
shiftfs-fuse -o map=b:100000:200000:65536,nopassthrough "$src" "$dst"
ok "bind a kernel mount beside it" shiftmount bind --backend=kernel --map b:100000:200000:65536 "$src" "$lower"
out=$(shiftmount show -v "$lower")
like "show -v lists the kernel mount" "$out" "backend +kernel"
is "... with no features line" "$(echo "$out" | grep -c '^  features')" 0
umount "$lower"
umount "$dst"
# bind --fuse-options: more options for shiftfs-fuse, here -o idmap, so
# that the FUSE mount can itself be idmapped by the kernel backend.
m=b:100000:400000:65536
ok "bind --backend=fuse --fuse-options idmap,cache=never,threads=2" \
	shiftmount bind --backend=fuse --fuse-options idmap,cache=never,threads=2 --map $m "$src" "$dst"
like "... shiftfs-fuse serves by them" "$(shiftmount show -v "$dst" | grep '^  features')" \
	" idmap=on cache=never "
is "... as it was started with them" \
	"$(getfattr --absolute-names --only-values -n user.shiftmount.options "$dst" 2>&1)" \
	"idmap,threads=2,cache=never"
ok "... and the kernel backend can idmap it" \
	shiftmount bind --backend=kernel --map b:400000:500000:65536 "$dst" "$lower"
is "... the two maps compose" "$(owner "$lower/f")" "500005:500005"
umount "$lower"
umount "$dst"
sig=$(mountinfo_sig)
for o in map=b:0:0:1 shift=1 origin_uid=5 ro nosuid,idmap rbind beneath fuse_fd=3 "idmap,,cache=never" "idmap," "idmap cache=never"; do
	is "--fuse-options '$o': exit 2" "$(rc_of shiftmount bind --backend=fuse --fuse-options "$o" --map $m "$src" "$dst")" 2
done
like "... says whose option it is" "$(err_of shiftmount bind --backend=fuse --fuse-options ro --map $m "$src" "$dst")" \
	'--fuse-options: "ro": set by shiftmount itself'
is "--fuse-options given twice: exit 2" \
	"$(rc_of shiftmount bind --backend=fuse --fuse-options idmap --fuse-options cache=never --map $m "$src" "$dst")" 2
is "--fuse-options with --backend=kernel: exit 2" \
	"$(rc_of shiftmount bind --backend=kernel --fuse-options idmap --map $m "$src" "$dst")" 2
like "... says why" "$(err_of shiftmount bind --backend=kernel --fuse-options idmap --map $m "$src" "$dst")" \
	"options of shiftfs-fuse, but the kernel backend was asked for"
is "an option shiftfs-fuse does not know: exit 2" \
	"$(rc_of shiftmount bind --backend=fuse --fuse-options idmap,bogus --map $m "$src" "$dst")" 2
like "... in shiftfs-fuse's own words" \
	"$(shiftmount bind --backend=fuse --fuse-options bogus --map $m "$src" "$dst" 2>&1)" 'unknown option "bogus"'
is "the refusals left the mount table as it was" "$(mountinfo_sig)" "$sig"
out=$(shiftmount bind --fuse-options idmap --map $m "$src" "$dst" 2>&1)
is "auto choosing the kernel: exit 0" "$?" 0
like "... says the options were not used" "$out" "--fuse-options not used: the kernel backend was chosen"
not_ok_expected "... mounted by the kernel, not shiftfs-fuse" mounted "$dst"
umount "$dst"
like "bind --help names --fuse-options" "$(shiftmount bind --help)" "--fuse-options OPTS"

ok "shiftfs-fuse again, for a server that dies" shiftfs-fuse -o map=b:100000:200000:65536 "$src" "$dst"
kill -KILL "$(pgrep -f "^[^ ]*shiftfs-fuse -o map=b:100000:200000:65536 $src $dst")"
wait_for "... the killed FUSE server's mount to go dead" 30 sh -c "! stat '$dst/f'"
like "show -v on a mount whose server is gone: features unknown" \
	"$(shiftmount show -v "$dst" | grep '^  features')" "^  features unknown \(the FUSE server does not say\)"
umount -l "$dst"
done_testing
