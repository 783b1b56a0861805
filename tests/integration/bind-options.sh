#!/bin/bash
# shiftmount bind's options on tmpfs: -r, -o, the ways to name TARGET,
# --origin-uid/-gid, --origin-ns, --range, --map, the config file, and
# shiftmount show / show --json on what was made.
. "$SM_SRC/tests/lib/private-ns.sh"
. "$SM_SRC/tests/lib/lib.sh"
chmod 755 "$SM_TMP"

# Container A: root = host 200000.  O: a namespace that only exists to
# carry an origin map (the thread's "setup-userns-fd -m b:0:100000:65536").
userns-run --pidfile "$SM_TMP/a.pid" -- sleep 600 &
userns-run --map-root 100000 --pidfile "$SM_TMP/o.pid" -- sleep 600 &
wait_for "the user namespaces' pid files" 20 test -s "$SM_TMP/a.pid" -a -s "$SM_TMP/o.pid"
A=$(cat "$SM_TMP/a.pid") O=$(cat "$SM_TMP/o.pid")
at_exit "kill $A $O"
in_a() { userns-run "$@"; }

fs=$(scratch_fs tmpfs 64) || { skip "no tmpfs"; done_testing; exit; }
src=$fs/src
# The kernel refuses writes into a directory whose owner or group the
# mount does not map (EACCES), so each origin gets a directory of its own.
mkdir -p "$src/sub" "$src/ug" "$src/conf" "$src/zero"
chown 100000:100000 "$src"
chown 100000:110000 "$src/ug"
chown 100000:120000 "$src/conf"
chmod 1777 "$src"

n=0
newdst() { n=$((n + 1)); d=$SM_TMP/d$n; mkdir -p "$d"; at_exit "umount -l '$d'"; }

# -r: a submount of SRC is shifted with it, or absent without it.
mount -t tmpfs -o size=1m tmpfs "$src/sub"
touch "$src/sub/inner"
chown 100000:100000 "$src/sub" "$src/sub/inner"
newdst
ok "bind without -r" shiftmount bind --shift="$A" --origin 100000 "$src" "$d"
ok "... the submount is absent" test ! -e "$d/sub/inner"
newdst
ok "bind -r" shiftmount bind -r --shift="$A" --origin 100000 "$src" "$d"
is "... the submount is there, shifted" "$(in_a -- stat -c %u:%g "$d/sub/inner")" "0:0"
ok "... and writable through the shift" in_a -- touch "$d/sub/new"
is "... at the origin on disk" "$(owner "$src/sub/new")" "100000:100000"
umount "$src/sub"

# -o
newdst
ok "bind -o ro" shiftmount bind -o ro --shift="$A" --origin 100000 "$src" "$d"
out=$(in_a -- touch "$d/x" 2>&1)
like "... a write is refused with EROFS" "$out" "Read-only file system"
out=$(shiftmount show "$d")
like "... show says ro" "$out" "flags +ro"
newdst
ok "bind -o nosuid,nodev,noexec" \
	shiftmount bind -o nosuid,nodev,noexec --shift="$A" --origin 100000 "$src" "$d"
like "... mountinfo has them" "$(grep " $d " /proc/self/mountinfo)" \
	" $d rw,nosuid,nodev,noexec,.*idmapped"

# TARGET spelled three ways gives the same map.
maps() { shiftmount show --json "$1" | tr -d ' \n' | grep -o '"uid_map":\[[^]]*\],"gid_map":\[[^]]*\]'; }
# Without statmount (SM_ENOSYS, as on kernels before 6.15) the maps of a
# mount cannot be known, and show must say so instead.
no_maps=0
[[ ",${SM_ENOSYS:-}," == *,statmount,* ]] && no_maps=1
map_is() { # DESC DIR WANT
	if [ $no_maps = 1 ]; then
		like "$1 (no statmount: maps unknown)" "$(shiftmount show --json "$2" | tr -d ' \n')" \
			'"maps_known":false'
	else
		is "$1" "$(maps "$2")" "$3"
	fi
}
show_like() { # DESC DIR REGEX
	if [ $no_maps = 1 ]; then
		like "$1 (no statmount: maps unknown)" "$(shiftmount show "$2")" "maps +unknown"
	else
		like "$1" "$(shiftmount show "$2")" "$3"
	fi
}
want='"uid_map":[{"disk":100000,"host":200000,"count":65536}],"gid_map":[{"disk":100000,"host":200000,"count":65536}]'
newdst
ok "--shift=PID" shiftmount bind --shift="$A" --origin 100000 "$src" "$d"
map_is "... map disk 100000 <-> host 200000" "$d" "$want"
newdst
ok "--shift=/proc/PID/ns/user" shiftmount bind --shift=/proc/"$A"/ns/user --origin 100000 \
	"$src" "$d"
map_is "... same map" "$d" "$want"
newdst
ok "the thread's spelling: --shift /proc/PID/ns/user SRC DST" \
	shiftmount bind --origin-uid 100000 --origin-gid 100000 --shift /proc/"$A"/ns/user \
	"$src" "$d"
map_is "... same map" "$d" "$want"

# Separate uid and gid origins.
newdst
ok "--origin-uid 100000 --origin-gid 110000" \
	shiftmount bind --shift="$A" --origin-uid 100000 --origin-gid 110000 "$src" "$d"
in_a -- touch "$d/ug/f"
is "... file is 100000:110000 on disk" "$(owner "$src/ug/f")" "100000:110000"

# --origin-ns: interior -> disk from O, interior -> host from A.
newdst
ok "--origin-ns /proc/O/ns/user" \
	shiftmount bind --shift="$A" --origin-ns /proc/"$O"/ns/user "$src" "$d"
map_is "... composed map" "$d" "$want"
in_a -- touch "$d/ons"
is "... root's file at 100000 on disk" "$(owner "$src/ons")" "100000:100000"

# --range: interior ids past it are not shifted.
newdst
ok "--range 1000" shiftmount bind --shift="$A" --origin 100000 --range 1000 "$src" "$d"
map_is "... map covers 1000 ids" "$d" \
	'"uid_map":[{"disk":100000,"host":200000,"count":1000}],"gid_map":[{"disk":100000,"host":200000,"count":1000}]'
out=$(in_a --as 1000 -- touch "$d/r1000" 2>&1)
like "... interior uid 1000 gets EOVERFLOW" "$out" "Value too large"
ok "... interior uid 999 writes" in_a --as 999 -- touch "$d/r999"
is "... at 100999" "$(owner "$src/r999")" "100999:100999"

# --map: explicit extents, repeatable.
newdst
ok "--map, two of them" shiftmount bind --map "u:100000:200000:1000 g:100000:200000:1000" \
	--map "b:101000:201000:64536" "$src" "$d"
in_a --as 1000 -- touch "$d/m1000"
is "... interior 1000 at 101000 on disk" "$(owner "$src/m1000")" "101000:101000"
show_like "... show lists the extents" "$d" \
	"disk 100000-100999 <-> host 200000-200999.*disk 101000-165535 <-> host 201000-265535"

# The site default from the config file (here a test copy).
printf '# test\norigin-uid = 100000\norigin-gid = 120000\n' >"$SM_TMP/conf"
newdst
ok "origin from SHIFTMOUNT_CONFIG" env SHIFTMOUNT_CONFIG="$SM_TMP/conf" \
	shiftmount bind --shift="$A" "$src" "$d"
in_a -- touch "$d/conf/f"
is "... file is 100000:120000 on disk" "$(owner "$src/conf/f")" "100000:120000"
newdst
ok "options beat the config" env SHIFTMOUNT_CONFIG="$SM_TMP/conf" \
	shiftmount bind --shift="$A" --origin 100000 "$src" "$d"
in_a -- touch "$d/conf2"
is "... file is 100000:100000 on disk" "$(owner "$src/conf2")" "100000:100000"
newdst
ok "no config, no option: origin 0" env SHIFTMOUNT_CONFIG="$SM_TMP/none" \
	shiftmount bind --shift="$A" "$src" "$d"
in_a -- touch "$d/zero/f"
is "... file is 0:0 on disk" "$(owner "$src/zero/f")" "0:0"

# Paths with spaces survive the listing (statmount, or mountinfo's \040).
mkdir -p "$SM_TMP/with space" "$src/dir two"
at_exit "umount -l '$SM_TMP/with space'"
ok "bind to a path with a space" shiftmount bind --shift="$A" --origin 100000 "$src/dir two" \
	"$SM_TMP/with space"
out=$(shiftmount show "$SM_TMP/with space")
like "... show names the target" "$out" "^$SM_TMP/with space"
like "... and the source" "$out" "source +$src/dir two"

# A single file can be shifted too.
touch "$SM_TMP/file-dst"
echo data >"$src/one-file"
chown 101000:101000 "$src/one-file"
at_exit "umount -l '$SM_TMP/file-dst'"
ok "bind of a single file" shiftmount bind --shift="$A" --origin 100000 "$src/one-file" \
	"$SM_TMP/file-dst"
is "... owned by interior 1000 inside" "$(in_a -- stat -c %u:%g "$SM_TMP/file-dst")" "1000:1000"

# SRC's mark (the trusted.shiftmount xattr) comes between the options and
# the config file.
if [ ! -e "$SM_SRC/src/lib/mark.c" ]; then
	skip "marks are not part of this build"
elif ! setfattr -n trusted.shiftmount -v "v1 origin-uid=100000 origin-gid=100000 range=65536" \
	"$src/zero" 2>/dev/null || ! setfattr -x trusted.shiftmount "$src/zero"; then
	skip "cannot set trusted xattrs on tmpfs here"
else
	mkdir -p "$src/marked" "$src/badmark"
	chown 100000:100000 "$src/marked"
	setfattr -n trusted.shiftmount -v "v1 origin-uid=100000 origin-gid=100000 range=65536" \
		"$src/marked"
	newdst
	ok "origin from SRC's mark" env SHIFTMOUNT_CONFIG="$SM_TMP/conf" \
		shiftmount bind --shift="$A" "$src/marked" "$d"
	in_a -- touch "$d/f"
	is "... the mark beats the config: 100000:100000 on disk" "$(owner "$src/marked/f")" \
		"100000:100000"
	newdst
	ok "options beat the mark" shiftmount bind --shift="$A" --origin 0 "$src/marked" "$d"
	show_like "... map starts at disk 0" "$d" "disk 0-65535 <-> host 200000"
	setfattr -n trusted.shiftmount -v "v1 origin-uid=abc" "$src/badmark"
	mkdir -p "$SM_TMP/dbad"
	before=$(mountinfo_sig)
	out=$(shiftmount bind --shift="$A" "$src/badmark" "$SM_TMP/dbad" 2>&1)
	is "an invalid mark: exit 1" "$?" 1
	like "... says so, with a hint" "$out" "$src/badmark: invalid mark.*hint: .*shiftmount unmark"
	is "... nothing mounted" "$(mountinfo_sig)" "$before"
fi

# A bare --shift inside a container: its own namespace, on a tmpfs the
# container mounted itself (its root may idmap that).  Ids are the
# container's own: disk 1000+u <-> interior u.
mkdir -p "$SM_TMP/inner-s" "$SM_TMP/inner-t"
cat >"$SM_TMP/inner.sh" <<EOF
mount -t tmpfs -o size=1m tmpfs $SM_TMP/inner-s && chown 1000:1000 $SM_TMP/inner-s &&
shiftmount bind --backend=kernel --shift --origin 1000 --range 1000 $SM_TMP/inner-s $SM_TMP/inner-t &&
touch $SM_TMP/inner-t/f && stat -c '%u:%g' $SM_TMP/inner-t/f $SM_TMP/inner-s/f
EOF
out=$(in_a --mountns -- bash "$SM_TMP/inner.sh" 2>&1)
is "bare --shift inside a container: root's file is 0:0 through the mount, 1000:1000 on its disk" \
	"$(tr '\n' ' ' <<<"$out")" "0:0 1000:1000 "

# -v tells where the origin came from.
newdst
out=$(SHIFTMOUNT_CONFIG="$SM_TMP/conf" shiftmount bind -v --shift="$A" "$src" "$d" 2>&1)
like "-v names the source of the origin" "$out" "origin uid 100000 gid 120000, range 65536, from $SM_TMP/conf"
like "-v prints the map" "$out" "map \(disk:host:count\): u:100000:200000:65536 g:120000:200000:65536"

# show
out=$(shiftmount show "$SM_TMP/d1")
like "show: target" "$out" "^$SM_TMP/d1"
like "show: source" "$out" "source +$src"
like "show: backend" "$out" "backend +kernel \(tmpfs\)"
show_like "show: map in disk/host terms" "$SM_TMP/d1" \
	"ids +disk 100000-165535 <-> host 200000-265535"
out=$(shiftmount show "$SM_TMP")
is "show PATH lists every mount below it" "$(grep -Ec "^$SM_TMP/d[0-9]+$" <<<"$out")" "$n"
like "... submounts of -r included" "$out" "$SM_TMP/d2/sub"
mkdir "$SM_TMP/plain"
is "show PATH of a plain directory lists nothing" "$(shiftmount show "$SM_TMP/plain")" ""
out=$(shiftmount show --json "$SM_TMP/d1")
like "show --json: target" "$out" "\"target\":\"$SM_TMP/d1\""
like "show --json: backend" "$out" '"backend":"kernel"'
like "show --json: maps_known" "$out" "\"maps_known\":$([ $no_maps = 1 ] && echo false || echo true)"
out=$(shiftmount show --json "$SM_TMP/plain")
like "show --json with nothing: empty list" "$(tr -d ' \n' <<<"$out")" '"mounts":\[\]'
ok "show --help" shiftmount show --help
ok "bind --help" shiftmount bind --help

done_testing
