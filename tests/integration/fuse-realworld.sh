#!/bin/bash
# A Debian image used the way a container uses it, through a shifted mount:
# shiftfs-fuse (fast path on in the main pass, off in tests/passes/fast-off.sh)
# and the kernel backend, one body for both.
#
# The image is built from the machine itself, no network: the installed
# files of the packages that make bash and dpkg run in a chroot (PKGS), a
# matching /var/lib/dpkg (status stanzas, info/*.list and *.md5sums without
# /usr/share/{doc,man,locale,info,lintian}, as a slim container image has),
# /etc/passwd, /etc/group and /etc/shadow (group shadow) from base-passwd,
# /var/mail (group mail, setgid) and the setuid mount and umount, on ext4,
# owned by disk root.  The container's root (host 200000, disk 0) chroots
# into the shifted image and runs dpkg --verify, md5sum over every
# package's files, dpkg -i / -r / -P of a package built here (a conffile,
# a postinst that adds a system user and chowns to it, a postrm that takes
# the user out with sed -i), and the file operations of a build step: sed
# -i, tar -x, cp -a, symlinks, hard links, mkfifo, chmod u+s.  On disk the
# image must be as it was except for what was written, and what was written
# must be owned by the disk ids the container meant.
. "$SM_SRC/tests/lib/private-ns.sh"
. "$SM_SRC/tests/lib/lib.sh"

skip_all_unless_root
chmod 755 "$SM_TMP" # the container must reach the mounts below it

# Essential or in every Debian 12 root (debootstrap --variant=minbase),
# with every library their programs load.
PKGS="base-files base-passwd bash coreutils dash diffutils dpkg findutils grep sed tar
libc6 libc-bin libacl1 libattr1 libbz2-1.0 liblzma5 libmd0 libpcre2-8-0 libselinux1
libtinfo6 zlib1g libzstd1 libgmp10 mount"
SLIM='usr/share/(doc|man|locale|info|lintian)'
HOST_ROOT=200000 # the container's root on the host; disk 0 through the shift

# The image, on the ext4 directory IMG.
build_image() { # IMG
	local img=$1 p q
	mkdir -p "$img"/usr/{bin,sbin,lib,lib64} "$img"/var/lib/dpkg/{info,updates,triggers,alternatives}
	for p in bin sbin lib lib64; do ln -s usr/$p "$img/$p"; done # merged /usr
	cp -a /var/lib/dpkg/info/format "$img/var/lib/dpkg/info/"
	: >"$img/var/lib/dpkg/status"
	for p in $PKGS; do
		q=$(dpkg-query -W -f='${binary:Package}' "$p") || return 1
		dpkg-query -L "$p" | grep '^/' | grep -vE "^/\.$|^/$SLIM(/|$)" >"$img/var/lib/dpkg/info/$q.list"
		[ ! -f "/var/lib/dpkg/info/$q.md5sums" ] ||
			grep -vE "^[0-9a-f]+  $SLIM/" "/var/lib/dpkg/info/$q.md5sums" >"$img/var/lib/dpkg/info/$q.md5sums"
		{ dpkg-query -s "$p" && echo; } >>"$img/var/lib/dpkg/status"
		cat "$img/var/lib/dpkg/info/$q.list"
	done | sort -u | sed 's|^/||' | tar -C / --no-recursion -cf - -T - |
		tar -C "$img" --keep-directory-symlink -xpf - || return 1
	# What base-passwd's and passwd's maintainer scripts would have made.
	cp "$img/usr/share/base-passwd/passwd.master" "$img/etc/passwd"
	cp "$img/usr/share/base-passwd/group.master" "$img/etc/group"
	awk -F: '{ print $1 ":*:19000:0:99999:7:::" }' "$img/etc/passwd" >"$img/etc/shadow"
	chown 0:42 "$img/etc/shadow" && chmod 640 "$img/etc/shadow"
	mkdir -p "$img/var/mail" && chown 0:8 "$img/var/mail" && chmod 2775 "$img/var/mail"
	mkdir -p "$img/root" "$img/tmp" && chmod 700 "$img/root" && chmod 1777 "$img/tmp"
}

# Every path of DIR with its type, mode, owner and, for all but
# directories (whose size and mtime change with their entries), size,
# mtime, link count, link target and the content's md5.
manifest() { # DIR
	python3 - "$1" <<'EOF'
import hashlib, os, stat, sys
root = sys.argv[1]
for d, dirs, files in os.walk(root):
    for name in [""] + sorted(dirs + files) if d == root else sorted(dirs + files):
        p = os.path.join(d, name) if name else d
        rel = os.path.relpath(p, root)
        st = os.lstat(p)
        f = [rel, stat.filemode(st.st_mode), "%d:%d" % (st.st_uid, st.st_gid)]
        if not stat.S_ISDIR(st.st_mode):
            f += [str(st.st_size), str(st.st_mtime_ns), str(st.st_nlink)]
            if stat.S_ISLNK(st.st_mode):
                f.append(os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as fh:
                    f.append(hashlib.md5(fh.read()).hexdigest())
        print("\t".join(f))
EOF
}
# The paths whose line differs between two manifests, new or gone included.
changed_paths() { # BEFORE AFTER
	sort "$1" "$2" | uniq -u | cut -f1 | sort -u
}

# The package the container installs.
build_deb() { # DIR -> DIR/smtest.deb
	local p=$1/smtest
	mkdir -p "$p"/DEBIAN "$p"/etc "$p"/usr/bin "$p"/usr/share/smtest "$p"/var/lib/smtest
	cat >"$p/DEBIAN/control" <<'EOF'
Package: smtest
Version: 1.0
Architecture: all
Maintainer: shiftmount tests <root@localhost>
Description: what fuse-realworld.sh installs through a shifted mount
EOF
	echo /etc/smtest.conf >"$p/DEBIAN/conffiles"
	cat >"$p/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
	grep -q '^smtest:' /etc/group || echo 'smtest:x:999:' >>/etc/group
	grep -q '^smtest:' /etc/passwd ||
		echo 'smtest:x:999:999::/var/lib/smtest:/usr/sbin/nologin' >>/etc/passwd
	chown smtest:smtest /var/lib/smtest
	chmod 2750 /var/lib/smtest
	chgrp mail /usr/share/smtest/mailbox
fi
EOF
	cat >"$p/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
	sed -i '/^smtest:/d' /etc/passwd /etc/group
fi
EOF
	chmod 755 "$p/DEBIAN/postinst" "$p/DEBIAN/postrm"
	echo "setting=1" >"$p/etc/smtest.conf"
	echo data >"$p/usr/share/smtest/data"
	echo mail >"$p/usr/share/smtest/mailbox"
	printf '#!/bin/sh\necho smtest ran as $(id -u)\n' >"$p/usr/bin/smtest"
	chmod 755 "$p/usr/bin/smtest"
	dpkg-deb --root-owner-group -Zgzip --build "$p" "$1/smtest.deb" >/dev/null
}

# A tar archive with numeric owners a container's root restores.
build_tar() { # DIR -> DIR/t.tar
	local t=$1/tree
	mkdir -p "$t/sub" && echo a >"$t/a" && echo b >"$t/sub/b"
	chown 1000:1000 "$t" "$t/a" && chown 0:8 "$t/sub/b" && chmod 2755 "$t/sub"
	tar -C "$1" --numeric-owner -cf "$1/t.tar" tree
}

# Fast path: which the mount at DST must say it runs.
fast_path_want() {
	case "${SHIFTFS_FUSE:-}" in
	*/shiftfs-fuse-fast-off) echo off ;;
	*) echo on ;;
	esac
}

userns-run --map-root $HOST_ROOT --pidfile "$SM_TMP/ctr.pid" -- sleep 600 &
at_exit "kill $!"
wait_for "the container's user namespace" 20 test -s "$SM_TMP/ctr.pid"
CTR=$(cat "$SM_TMP/ctr.pid")
build_deb "$SM_TMP"
build_tar "$SM_TMP"

# Run CMD as the container's root, chrooted into the shifted image $dst,
# with a clean environment.
ctr() { # CMD...
	timeout -k 5 120 userns-run --map-root $HOST_ROOT -- chroot "$dst" \
		/usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C "$@"
}
not() { ! "$@"; }

# One body, both backends.
use_image() { # BACKEND
	local be=$1 fs img dst want feat disk_verify disk_sums w
	fs=$(scratch_fs ext4 160) || { _tap 1 "$be: an ext4 scratch fs"; return; }
	img=$fs/img dst=$SM_TMP/ctr-$be
	mkdir "$dst"
	ok "$be: build the image from the host's packages" build_image "$img" || return
	# What dpkg and md5sum say of the image on disk, before any mount, is
	# what they must say through it: nothing, unless this machine's own
	# files differ from their packages (an edited conffile).
	disk_verify=$(dpkg --root="$img" --verify 2>&1)
	disk_sums=$(cd "$img" && cat var/lib/dpkg/info/*.md5sums | md5sum -c --quiet 2>&1)
	if [ -z "$disk_verify$disk_sums" ]; then
		diag "$be: the image verifies on disk ($(cat "$img"/var/lib/dpkg/info/*.md5sums | wc -l) files)"
	else
		diag "$be: this machine's files differ from their packages: $disk_verify $disk_sums"
	fi
	manifest "$img" >"$SM_TMP/$be.before"
	ok "$be: bind the image for the container" shiftmount bind --backend="$be" --shift="$CTR" \
		"$img" "$dst" || return
	at_exit "umount -l '$dst'"
	if [ "$be" = fuse ]; then
		want=$(fast_path_want)
		feat=$(getfattr --absolute-names --only-values -n user.shiftmount.fuse "$dst" 2>&1)
		if [ "$want" = on ] && [[ $feat == *"no passthrough: the kernel does not offer it"* ]]; then
			skip "fuse: passthrough=on: this kernel does not offer it ($feat)"
		else
			like "fuse: the mount runs with passthrough=$want" "$feat" "^passthrough=$want "
		fi
	fi
	# What an image's user sees.
	is "$be: ls -ln shows root's files as 0" "$(ctr ls -ln /etc/passwd /usr/bin/dpkg | awk '{print $3":"$4}' | sort -u)" "0:0"
	is "$be: ... /var/mail group mail, setgid" "$(ctr ls -lnd /var/mail | awk '{print $1,$3":"$4}')" "drwxrwsr-x 0:8"
	is "$be: ... /etc/shadow group shadow" "$(ctr ls -ln /etc/shadow | awk '{print $1,$3":"$4}')" "-rw-r----- 0:42"
	is "$be: ... mount setuid root" "$(ctr ls -ln /usr/bin/mount | awk '{print $1,$3":"$4}')" "-rwsr-xr-x 0:0"
	is "$be: id in the chroot" "$(ctr id)" "uid=0(root) gid=0(root) groups=0(root)"
	is "$be: dpkg --verify of every package passes" "$(ctr dpkg --verify 2>&1)" "$disk_verify"
	is "$be: md5sum -c of every package's files" \
		"$(ctr sh -c 'cd / && cat /var/lib/dpkg/info/*.md5sums | md5sum -c --quiet' 2>&1)" "$disk_sums"
	is "$be: find / -xdev sees every path" "$(ctr find / -xdev | wc -l)" "$(find "$img" | wc -l)"

	# dpkg -i of a package, its maintainer scripts adding a system user.
	ok "$be: copy a .deb in" ctr sh -c 'cat >/root/smtest.deb' <"$SM_TMP/smtest.deb"
	ok "$be: dpkg -i" ctr dpkg -i /root/smtest.deb
	is "$be: ... its program runs" "$(ctr smtest)" "smtest ran as 0"
	ok "$be: ... dpkg --verify smtest" ctr dpkg --verify smtest
	is "$be: ... the container sees its chown" "$(ctr stat -c '%U:%G %a' /var/lib/smtest)" "smtest:smtest 2750"
	is "$be: on disk: the postinst's chown to 999" "$(stat -c '%u:%g %a' "$img/var/lib/smtest")" "999:999 2750"
	is "$be: ... chgrp mail" "$(stat -c '%u:%g' "$img/usr/share/smtest/mailbox")" "0:8"
	is "$be: ... the package's files root's" \
		"$(stat -c '%u:%g %a' "$img/usr/bin/smtest" "$img/usr/share/smtest/data" "$img/etc/smtest.conf" | sort -u | tr '\n' ' ')" \
		"0:0 644 0:0 755 "
	is "$be: ... the user added to /etc/passwd" "$(grep '^smtest:' "$img/etc/passwd")" \
		"smtest:x:999:999::/var/lib/smtest:/usr/sbin/nologin"
	ok "$be: dpkg -r" ctr dpkg -r smtest
	ok "$be: ... its files are gone on disk" test ! -e "$img/usr/bin/smtest" -a ! -e "$img/usr/share/smtest" \
		-a ! -e "$img/var/lib/smtest"
	is "$be: ... but for its conffile" "$(stat -c '%u:%g' "$img/etc/smtest.conf")" "0:0"
	ok "$be: dpkg -P" ctr dpkg -P smtest
	ok "$be: ... the conffile is gone" test ! -e "$img/etc/smtest.conf"
	is "$be: ... the postrm's sed -i left /etc/passwd as it was" \
		"$(md5sum <"$img/etc/passwd") $(stat -c '%u:%g %a' "$img/etc/passwd")" \
		"$(md5sum <"$img/usr/share/base-passwd/passwd.master") 0:0 644"
	is "$be: ... dpkg knows it no more" "$(ctr dpkg-query -W -f='${Status}' smtest 2>&1)" \
		"dpkg-query: no packages found matching smtest"

	# A build step's file operations.
	w=/root/work
	ok "$be: mkdir, write, sed -i" ctr sh -ec "mkdir $w && echo 'one' >$w/notes && sed -i s/one/two/ $w/notes"
	ok "$be: tar -x of an archive with other owners" ctr tar -C $w --numeric-owner -xpf - <"$SM_TMP/t.tar"
	ok "$be: cp -a of files of other ids, a setuid one" ctr cp -a /var/mail /etc/shadow /usr/bin/mount $w/
	ok "$be: a symlink, a hard link, a fifo, chmod u+s" ctr sh -ec \
		"ln -s notes $w/link && ln $w/notes $w/hard && mkfifo $w/fifo && cp /usr/bin/true $w/suid && chmod u+s $w/suid"
	ok "$be: container uid 1000 cannot write /etc" not userns-run --map-root $HOST_ROOT --as 1000 -- \
		touch "$dst/etc/x"
	is "$be: on disk: sed -i's result" "$(cat "$img$w/notes") $(stat -c '%u:%g' "$img$w/notes")" "two 0:0"
	is "$be: ... tar -x restored the archive's owners" \
		"$(stat -c '%n %u:%g %a' "$img$w/tree" "$img$w/tree/a" "$img$w/tree/sub" "$img$w/tree/sub/b" | sed "s|$img$w/||" | tr '\n' ' ')" \
		"tree 1000:1000 755 tree/a 1000:1000 644 tree/sub 0:0 2755 tree/sub/b 0:8 644 "
	is "$be: ... cp -a kept owners and modes" \
		"$(stat -c '%n %u:%g %a' "$img$w/mail" "$img$w/shadow" "$img$w/mount" | sed "s|$img$w/||" | tr '\n' ' ')" \
		"mail 0:8 2775 shadow 0:42 640 mount 0:0 4755 "
	is "$be: ... the symlink" "$(readlink "$img$w/link") $(stat -c '%u:%g' "$img$w/link")" "notes 0:0"
	is "$be: ... the hard link" "$(stat -c '%i %h' "$img$w/hard")" "$(stat -c '%i 2' "$img$w/notes")"
	is "$be: ... the fifo" "$(stat -c '%F %u:%g' "$img$w/fifo")" "fifo 0:0"
	is "$be: ... the setuid file" "$(stat -c '%u:%g %a' "$img$w/suid")" "0:0 4755"

	# The rest of the image is as it was; what changed was written.
	manifest "$img" >"$SM_TMP/$be.after"
	changed_paths "$SM_TMP/$be.before" "$SM_TMP/$be.after" >"$SM_TMP/$be.changed"
	diag "$be: $(wc -l <"$SM_TMP/$be.changed") of $(wc -l <"$SM_TMP/$be.after") paths written"
	is "$be: on disk nothing changed but what was written" \
		"$(grep -vE '^(root(/|$)|var/lib/dpkg/|var/log/dpkg\.log$|etc/passwd$|etc/group$)' "$SM_TMP/$be.changed" | tr '\n' ' ')" ""
	is "$be: ... and what was written is the container root's (disk 0) but for the cases above" \
		"$(grep -vE "^root/work/(tree|mail|shadow)" "$SM_TMP/$be.changed" |
			while read -r p; do [ -e "$img/$p" ] || [ -L "$img/$p" ] && echo "$p $(stat -c '%u:%g' "$img/$p")"; done |
			grep -v ' 0:0$' | tr '\n' ' ')" ""
	ok "$be: ... which includes dpkg's database" grep -qx 'var/lib/dpkg/status' "$SM_TMP/$be.changed"
	ok "$be: umount" umount "$dst"
}

use_image kernel
use_image fuse
done_testing
