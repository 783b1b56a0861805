#!/bin/bash
# shiftfs-fuse's caching fit to the use (docs/fuse.md "Caching"): a
# read-write mount sees what a writer beside it does to the source within
# its 1 s timeout (chmod, a new file, an unlink, an append, a rewrite
# under an open reader), with passthrough and without; a read-only mount
# (how a signed image is shifted) caches for long and says so
# (cache=image in user.shiftmount.fuse), and its reads work and come from
# the cache the second time; an explicit cache= or timeout wins; bad values
# exit 2.
. "$(dirname "$0")/../lib/private-ns.sh"
. "$(dirname "$0")/../lib/lib.sh"

skip_all_unless_root

# What a writer beside a read-write mount is promised: seen within the 1 s
# timeout; the deadline adds slack for a loaded machine (and the ASan build).
BOUND=1 SLACK=3
DEADLINE=$((BOUND + SLACK))

src=$(scratch_fs ext4 64) || { skip "no ext4 scratch fs"; done_testing; exit; }
chown 100000:100000 "$src"

mounted() { grep -q " $1 .* fuse.shiftfs-fuse " /proc/self/mountinfo; } # DIR
start() { # NAME OPTS: $SM_TMP/NAME served with -d into $SM_TMP/NAME.log
	local d=$SM_TMP/$1
	mkdir -p "$d"
	shiftfs-fuse -d -o "map=b:100000:0:65536${2:+,$2}" "$src" "$d" 2>"$d.log" &
	at_exit "kill -9 $!; umount -l '$d' 2>/dev/null"
	wait_for "the $1 mount" 30 mounted "$d"
}
stop() { umount "$SM_TMP/$1"; } # NAME
features() { getfattr --absolute-names -n user.shiftmount.fuse --only-values "$1" 2>&1; }
requests() { grep -c "opcode: $2 " "$SM_TMP/$1.log"; } # NAME OPCODE: how many so far
mode_is() { [ "$(stat -c %a "$1")" = "$2" ]; }		 # PATH MODE
content_is() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }	 # PATH TEXT
listed() { ls "$1" | grep -qx "$2"; }			 # DIR NAME
unlisted() { ! ls "$1" | grep -qx "$2"; }		 # DIR NAME
not_there() { ! test -e "$1"; }				 # PATH

# ---- read-write: coherent with a writer beside the mount, within the bound
for opts in "" nopassthrough; do
	name=rw${opts:+-$opts}
	tag="rw${opts:+ -o $opts}"
	start "$name" "$opts"
	m=$SM_TMP/$name
	like "$tag: the mount says cache=auto, timeouts of 1 s, no negative caching" "$(features "$m")" \
		"cache=auto entry_timeout=1 attr_timeout=1 negative_timeout=0"
	rm -rf "${src:?}"/*
	mkdir "$src/d"
	echo one >"$src/d/a"
	echo f >"$src/d/f"
	echo h >"$src/d/h"
	chmod 644 "$src/d/f"
	chown -R 100000:100000 "$src/d"
	# What the mount learns first, and may cache: attributes, names,
	# the absence of a name, a listing, file data.
	is "$tag: the mount sees the tree" "$(stat -c %a "$m/d/f"):$(cat "$m/d/a"):$(ls "$m/d" | tr '\n' ' ')" \
		"644:one:a f h "
	not_ok_expected "$tag: a name not there yet is not found" test -e "$m/d/g"
	stat "$m/d/h" >/dev/null

	chmod 600 "$src/d/f"
	wait_for "$tag: a chmod beside the mount seen through it (within ${BOUND} s)" $DEADLINE mode_is "$m/d/f" 600
	echo g >"$src/d/g"
	wait_for "$tag: a file made beside the mount seen through it, by name" $DEADLINE test -e "$m/d/g"
	wait_for "$tag: ... and listed" $DEADLINE listed "$m/d" g
	rm "$src/d/h"
	wait_for "$tag: a file unlinked beside the mount gone through it, by name" $DEADLINE \
		not_there "$m/d/h"
	wait_for "$tag: ... and from the listing" $DEADLINE unlisted "$m/d" h
	echo two >>"$src/d/a"
	wait_for "$tag: an append beside the mount read through it" $DEADLINE content_is "$m/d/a" "one
two"
	# An open file's data: a reader holds the file while the source is
	# rewritten in place beside the mount (the same size: only the data and
	# mtime change); it reads the new data within the bound.
	printf 'old data\n' >"$src/d/r"
	out=$(python3 - "$m/d/r" "$src/d/r" "$DEADLINE" <<'EOF'
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
first = os.pread(fd, 64, 0)
time.sleep(0.01)  # a later mtime for the rewrite (the clock's granularity)
with open(sys.argv[2], "r+b") as f:
    f.write(b"new data\n")
limit = time.monotonic() + float(sys.argv[3])
while True:
    now = os.pread(fd, 64, 0)
    if now == b"new data\n" or time.monotonic() > limit:
        break
    time.sleep(0.02)  # the poll interval
print(first.decode().strip(), "->", now.decode().strip())
EOF
)
	is "$tag: a rewrite beside the mount read by a reader that held the file open" "$out" \
		"old data -> new data"
	stop "$name"
done

# ---- read-only: a shifted image, cached for long
rm -rf "${src:?}"/*
mkdir -p "$src/img/sub"
for i in 1 2 3 4 5; do echo "file $i" >"$src/img/sub/f$i"; done
dd if=/dev/urandom of="$src/img/blob" bs=64k count=4 status=none
chown -R 100000:100000 "$src/img"
for opts in ro ro,nopassthrough; do
	name=${opts//,/-}
	start "$name" "$opts"
	m=$SM_TMP/$name
	like "-o $opts: the mount says cache=image, a day for entries, attributes and negative lookups" \
		"$(features "$m")" "cache=image entry_timeout=86400 attr_timeout=86400 negative_timeout=86400"
	is "-o $opts: the tree reads through it" "$(find "$m/img" | wc -l) $(cat "$m/img/sub/f3")" "8 file 3"
	ok "-o $opts: a file's data is the source's" cmp "$src/img/blob" "$m/img/blob"
	is "-o $opts: owners shifted" "$(owner "$m/img/blob")" "0:0"
	ok "-o $opts: tar -c of the tree" sh -c "tar -C '$m' -cf - img | tar -tf - | grep -qx img/sub/f5"
	not_ok_expected "-o $opts: a write is refused" sh -c "echo x >'$m/img/new'"
	not_ok_expected "-o $opts: a name not there is not found" test -e "$m/img/none"
	if [ "$opts" = ro,nopassthrough ]; then
		# Without passthrough the data comes through shiftfs-fuse; the
		# image's page cache is kept across opens (keep_cache).
		reads=$(requests "$name" READ)
		ok "-o $opts: the file read again" cmp "$src/img/blob" "$m/img/blob"
		is "-o $opts: ... from the page cache, without a READ request" "$(requests "$name" READ)" "$reads"
	fi
	stop "$name"
done
# The same through shiftmount bind, as a runtime shifts a signed image.
mkdir -p "$SM_TMP/bind"
ok "shiftmount bind --backend=fuse -o ro" shiftmount bind --backend=fuse -o ro --map 100000:0:65536 \
	"$src" "$SM_TMP/bind"
like "... serves the image with cache=image" "$(features "$SM_TMP/bind")" "cache=image "
umount "$SM_TMP/bind"
# A read-write one without passthrough reads a file again from the source:
# a writer beside it may have changed the file.
start rw-np nopassthrough
cat "$SM_TMP/rw-np/img/blob" >/dev/null
reads=$(requests rw-np READ)
cat "$SM_TMP/rw-np/img/blob" >/dev/null
like "rw -o nopassthrough: a file opened again is read from shiftfs-fuse again" \
	"$(($(requests rw-np READ) - reads))" "^[1-9]"
stop rw-np

# ---- what is given explicitly wins
check_opts() { # OPTS WANT
	local name=explicit
	start "$name" "$1"
	like "-o $1: the mount says so" "$(features "$SM_TMP/$name")" "$2"
	stop "$name"
}
check_opts ro,cache=auto "cache=auto entry_timeout=1 attr_timeout=1 negative_timeout=0"
check_opts ro,timeout=5 "cache=image entry_timeout=5 attr_timeout=5 negative_timeout=86400"
check_opts ro,negative_timeout=0 "cache=image entry_timeout=86400 attr_timeout=86400 negative_timeout=0"
check_opts cache=never "cache=never entry_timeout=0 attr_timeout=0 negative_timeout=0"
check_opts cache=always "cache=always entry_timeout=86400 attr_timeout=86400 negative_timeout=0"
check_opts cache=image "cache=image entry_timeout=86400 attr_timeout=86400 negative_timeout=86400"
check_opts timeout=0.5,negative_timeout=2 "cache=auto entry_timeout=0.5 attr_timeout=0.5 negative_timeout=2"

# ---- bad values: exit 2, said clearly, nothing mounted
bad_opt() { # OPTS MESSAGE
	local out rc
	out=$(shiftfs-fuse -o "map=b:100000:0:65536,$1" "$src" "$SM_TMP/explicit" 2>&1)
	rc=$?
	is "-o $1: exit 2" "$rc" 2
	like "  says why" "$out" "$2"
	not_ok_expected "  nothing mounted" mounted "$SM_TMP/explicit"
}
bad_opt cache=sometimes "cache=sometimes: want never, auto, always or image"
bad_opt cache= 'option "cache" needs a value'
bad_opt timeout=-1 "-1: not a number of seconds"
bad_opt negative_timeout=soon "soon: not a number of seconds"
bad_opt attr_timeout=1e9 "1e9: not a number of seconds"

done_testing
