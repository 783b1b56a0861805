#!/bin/bash
# Attacks on shiftfs-fuse through a shared data directory (issue 15, H2):
# two views, fa and fb, of one source, as two containers sharing a
# directory.  The tenant (a user namespace 0 -> host 200000, and its uid
# 1000 where a non-root caller matters) changes a name through fb, or the
# host changes it in the source, after fa's kernel looked it up, then acts
# on the name through fa.  shiftfs-fuse must act on what is there now, as
# the caller would: never follow a symlink it meets (to a root-only file
# outside the source), never use rights the caller lacks.  Each attack is
# made deterministic where a kernel cache allows (fa keeps negative entries
# and attributes for 60 s), and tried once more as a bounded race.
if [ -z "${SM_PRIVATE_NS:-}" ]; then
	SM_PRIVATE_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/../lib/lib.sh"

skip_all_unless_root
ROUNDS=${FUSE_ATTACK_ROUNDS:-400}
MAP=b:0:200000:65536 # disk 0.. <-> host 200000.., the tenant's namespace
chmod 755 "$SM_TMP"
src=$(scratch_fs tmpfs 64) || { skip "no scratch fs"; done_testing; exit; }
chown 0:0 "$src" # disk 0: the tenant's root
fa=$SM_TMP/fa fb=$SM_TMP/fb
mkdir "$fa" "$fb"
ok "view fa (caching negative entries and attributes)" shiftfs-fuse \
	-o map=$MAP,allow_other,negative_timeout=60,attr_timeout=60,entry_timeout=60 "$src" "$fa"
at_exit "umount -l '$fa'"
ok "view fb of the same source" shiftfs-fuse -o map=$MAP,allow_other "$src" "$fb"
at_exit "umount -l '$fb'"

# Outside the source: a root-only file and a root-only directory.
outside=$SM_TMP/outside
mkdir -m 0700 "$outside"
chmod 0711 "$outside" # reachable by path, not listable or writable
victim=$outside/victim
make_victim() {
	find "$outside" -mindepth 1 -delete
	echo "SECRET of host root" >"$victim"
	chmod 0600 "$victim"
	touch -d '2001-01-01 00:00' "$victim"
}
make_victim
fingerprint() { stat -c '%u:%g %a %Y %s' "$victim"; md5sum <"$victim"; }
want_victim=$(fingerprint)
nothing_new() { [ "$(ls -A "$outside")" = victim ]; }

as_tenant() { userns-run --map-root 200000 "$@"; }
as_user() { userns-run --map-root 200000 --as 1000 "$@"; } # host 201000, disk 1000
mkdir "$src/pub" && chown 1000:1000 "$src/pub"         # the user's own directory

no_secret() { # DESC OUTPUT: the victim's content is not in OUTPUT
	is "$1" "$(grep -c SECRET <<<"$2")" 0
}
check_untouched() { # WHAT
	is "$1: the victim is unchanged (owner, mode, mtime, size, content)" \
		"$(fingerprint)" "$want_victim"
	ok "$1: nothing was made outside the source" nothing_new
	make_victim # as it was, so the next attack is judged on its own
}

# ---- symlinks planted after a negative lookup ----
# fa remembers "no such name"; fb then makes the name a symlink to the
# victim; the operation through fa reaches shiftfs-fuse as a CREATE (or
# mknod, ...) of a name it believes free.
plant() { # NAME TARGET: fa caches the name as absent, fb plants the symlink
	as_user -- stat "$fa/pub/$1" >/dev/null 2>&1
	as_user -- ln -s "$2" "$fb/pub/$1"
}
for op in create mkdir mknod symlink link rename; do
	plant "n-$op" "$victim"
	[ $op = link ] && as_user -- touch "$fa/pub/n-$op.src"
	res=$(as_user -- name-race once $op "$fa/pub/n-$op" 2>&1)
	diag "$op through a planted symlink: $res"
	no_secret "$op: the victim's content was not read" "$res"
	check_untouched "$op on a planted symlink"
	# rename may replace the symlink itself (what rename(2) does to one)
	[ $op = rename ] || is "$op: the planted symlink is still a symlink" \
		"$(stat -c %F "$src/pub/n-$op")" "symbolic link"
done
# A dangling symlink into the root-only directory: a create that followed
# it would make a file there, owned by the tenant.
plant n-dangling "$outside/made-by-tenant"
res=$(as_user -- name-race once create "$fa/pub/n-dangling" 2>&1)
diag "create through a dangling symlink: $res"
check_untouched "create on a dangling symlink"
# Container root too: its capabilities are its namespace's, not the host's.
as_tenant -- stat "$fa/pub/n-root" >/dev/null 2>&1
ln -s "$victim" "$src/pub/n-root" # planted by the host this time
res=$(as_tenant -- name-race once create "$fa/pub/n-root" 2>&1)
diag "container root's create through a planted symlink: $res"
no_secret "container root: the victim's content was not read" "$res"
check_untouched "container root's create on a planted symlink"

# ---- a regular file swapped for a symlink after fa looked it up ----
echo ours >"$src/pub/o" && chown 1000:1000 "$src/pub/o"
as_user -- stat "$fa/pub/o" >/dev/null
mv "$src/pub/o" "$src/pub/o.old" && ln -s "$victim" "$src/pub/o"
res=$(as_user -- name-race once open "$fa/pub/o" 2>&1)
diag "open of a name swapped for a symlink: $res"
no_secret "open: the victim's content was not read" "$res"
check_untouched "open of a swapped name"

# ---- rights the caller lacks: attributes cached by fa, changed on disk ----
# Each directory is 0777 when fa caches it, then 0755 and the tenant
# root's: the user (uid 1000) may no longer make or remove names in it.
for op in create mkdir mknod symlink link rename unlink; do
	d=$src/pub/d-$op
	mkdir -m 0777 "$d" && chown 0:0 "$d" && chmod 0777 "$d"
	[ $op = unlink ] && touch "$d/theirs" && chown 0:0 "$d/theirs"
	as_user -- stat "$fa/pub/d-$op/." >/dev/null
	[ $op = unlink ] && as_user -- stat "$fa/pub/d-$op/theirs" >/dev/null
	chmod 0755 "$d"
done
as_user -- touch "$fa/pub/mine"
for op in create mkdir mknod symlink link rename; do
	res=$(as_user -- name-race once $op "$fa/pub/d-$op/new" "$fa/pub/mine" 2>&1)
	is "$op in a directory the caller may no longer write: refused ($res)" \
		"$(ls -A "$src/pub/d-$op")" ""
done
ok "the file to link and rename is still in place" test -f "$src/pub/mine"
res=$(as_user -- rm -f "$fa/pub/d-unlink/theirs" 2>&1)
ok "unlink in a directory the caller may no longer write: refused ($res)" \
	test -e "$src/pub/d-unlink/theirs"
# The sticky bit, judged on the file that is there now.
mkdir -m 1777 "$src/pub/sticky" && chown 0:0 "$src/pub/sticky"
touch "$src/pub/sticky/t" && chown 1000:1000 "$src/pub/sticky/t"
as_user -- stat "$fa/pub/sticky/t" >/dev/null
rm "$src/pub/sticky/t" && echo root-data >"$src/pub/sticky/t" && chown 0:0 "$src/pub/sticky/t"
res=$(as_user -- rm -f "$fa/pub/sticky/t" 2>&1)
is "unlink in a sticky directory of a file swapped for another owner's: refused ($res)" \
	"$(cat "$src/pub/sticky/t" 2>&1)" root-data

# ---- what the caller may do, it still may ----
mkdir -m 0755 "$src/pub/u1000" && chown 1000:1000 "$src/pub/u1000"
ok "container root creates in its user's 0755 directory (CAP_DAC_OVERRIDE)" \
	as_tenant -- touch "$fb/pub/u1000/by-root"
is "... owned by disk root" "$(stat -c %u "$src/pub/u1000/by-root")" 0
# O_CREAT on a name fa believes free but the host filled meanwhile: the
# file there is opened as the caller would open it.
for who in user root; do
	f=$src/pub/u1000/exists-$who
	as_tenant -- stat "$fa/pub/u1000/exists-$who" >/dev/null 2>&1
	echo private >"$f" && chown 1000:1000 "$f" && chmod 0600 "$f"
done
res=$(as_user -- name-race once create "$fa/pub/u1000/exists-user" 2>&1)
like "a user's O_CREAT opens its own file that appeared meanwhile" "$res" "read: private"
res=$(as_tenant -- name-race once create "$fa/pub/u1000/exists-root" 2>&1)
like "container root's O_CREAT opens its user's 0600 file (CAP_DAC_OVERRIDE)" "$res" \
	"read: private"
as_tenant -- stat "$fa/pub/u1000/exists-other" >/dev/null 2>&1
echo private >"$src/pub/u1000/exists-other" && chmod 0600 "$src/pub/u1000/exists-other"
chown 0:0 "$src/pub/u1000/exists-other"
res=$(as_user -- name-race once create "$fa/pub/u1000/exists-other" 2>&1)
like "a user's O_CREAT of another's 0600 file that appeared meanwhile: refused" "$res" \
	"Permission denied"
is "... and it is unchanged" "$(cat "$src/pub/u1000/exists-other")" private
mkdir -m 1777 "$src/pub/tmp" && chown 0:0 "$src/pub/tmp"
touch "$src/pub/tmp/f" && chown 1000:1000 "$src/pub/tmp/f"
ok "container root removes its user's file in a sticky directory (CAP_FOWNER)" \
	as_tenant -- rm "$fb/pub/tmp/f"
mkdir -m 0770 "$src/pub/grp" && chown 0:2000 "$src/pub/grp"
ok "a user creates where a supplementary group lets it" \
	as_tenant -- setpriv --reuid 1000 --regid 1000 --groups 2000 touch "$fb/pub/grp/by-group"
is "... owned by the user and the directory's group" \
	"$(stat -c %u:%g "$src/pub/grp/by-group" 2>&1)" 1000:1000
like "a user without the group may not" \
	"$(as_user -- touch "$fb/pub/grp/no" 2>&1)" "Permission denied"
# fa saw this directory as the user's; the host gave it to an id outside
# the map (the overflow id on the mount): container root's capabilities no
# longer reach it, though fa's kernel still believes they do.
mkdir -m 0755 "$src/pub/gone" && chown 1000:1000 "$src/pub/gone"
as_tenant -- stat "$fa/pub/gone/." >/dev/null
chown 270000:270000 "$src/pub/gone"
like "container root has no capability over a directory now outside the map" \
	"$(as_tenant -- touch "$fa/pub/gone/x" 2>&1)" "Permission denied"
is "... nothing made" "$(ls -A "$src/pub/gone")" ""

# ---- the same as races: fb flips the name while fa acts on it ----
for op in create open mkdir mknod symlink link rename; do
	[ $op = link ] && as_user -- touch "$fa/pub/r-$op.src"
	res=$(as_user -- timeout 60 name-race race $op "$fa/pub/r-$op" "$fb/pub/r-$op" "$victim" \
		"$ROUNDS" 2>&1)
	diag "race on $op: $res"
	like "race on $op: ran its $ROUNDS rounds" "$res" "rounds $ROUNDS succeeded"
	no_secret "race on $op: the victim's content was never read" "$res"
	check_untouched "race on $op"
done
as_user -- timeout 60 name-race race create "$fa/pub/r-dangling" "$fb/pub/r-dangling" \
	"$outside/made-by-race" "$ROUNDS" >/dev/null 2>&1
check_untouched "race on create through a dangling symlink"

done_testing
