#!/bin/bash
# The twenty behaviours every shifted mount must get right (one table of
# cases in tests/helpers/conformance.c), run through both backends:
# the kernel's idmapped mounts (`shiftmount bind`) and shiftfs-fuse, each on
# ext4, xfs, btrfs and tmpfs (CONFORMANCE_KERNEL_FS / CONFORMANCE_FUSE_FS
# choose fewer, e.g. CONFORMANCE_FUSE_FS=tmpfs).  Without a shiftfs-fuse
# binary the FUSE rows are skipped, saying so.
#
# Each run gets four mounts of one source tree: the shifted mount, a second
# one with the same map (EXDEV between the two), a nosuid,nodev one, and one
# whose map swaps disk ids 1000 and 1001.  On tmpfs (CONFORMANCE_SPLIT_FS)
# each backend runs once more with uids in two extents and gids elsewhere.  fs.protected_symlinks is set to 1
# for the run if it is 0, and put back.
if [ -z "${SM_PRIVATE_NS:-}" ]; then
	SM_PRIVATE_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
. "${SM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/lib.sh"

MAP="b:0:10000:10000"
# uids in two extents, gids elsewhere: lookups across extents and kinds.
SPLIT_MAP="u:0:10000:1000 u:1000:20000:3000 g:0:40000:4000"
CIRC_MAP="b:1000:1001:1 b:1001:1000:1"
KERNEL_FS=${CONFORMANCE_KERNEL_FS-"ext4 xfs btrfs tmpfs"}
FUSE_FS=${CONFORMANCE_FUSE_FS-"ext4 xfs btrfs tmpfs"}
SPLIT_FS=${CONFORMANCE_SPLIT_FS-"tmpfs"}
PROG=$SM_BUILD/tests/helpers/conformance
FUSE_BIN=${SHIFTFS_FUSE:-$SM_BUILD/bin/shiftfs-fuse} # as shiftmount bind finds it

# FUSE cases the fuse engineer has confirmed open, as "NN:substring of the
# check": their failures are reported as skips naming the bug, and they are
# still run, so a fix shows at once as a pass.
FUSE_KNOWN_FAILURES=()

# Print the program's TAP, renumbered from TAP_N+1; turn known FUSE failures
# into skips; count what failed.
emit() { # BACKEND FILE
	local be=$1 file=$2 line n num rest k known
	while IFS= read -r line; do
		if [[ $line =~ ^(not ok|ok)\ [0-9]+(.*)$ ]]; then
			TAP_N=$((TAP_N + 1))
			rest=${BASH_REMATCH[2]}
			if [ "${BASH_REMATCH[1]}" = "not ok" ]; then
				known=""
				if [ "$be" = fuse ]; then
					for k in "${FUSE_KNOWN_FAILURES[@]}"; do
						num=${k%%:*}
						n=${k#*:}
						if [[ $rest == *"] $num "*"$n"* ]]; then known=$k; fi
					done
				fi
				if [ -n "$known" ]; then
					echo "ok $TAP_N # SKIP known failure on fuse:${rest# -} (tracked)"
				else
					echo "not ok $TAP_N$rest"
					TAP_FAILED=$((TAP_FAILED + 1))
				fi
			else
				echo "ok $TAP_N$rest"
			fi
		elif [[ $line =~ ^1\.\.[0-9]+$ ]]; then
			:
		else
			echo "$line"
		fi
	done <"$file"
}

run_prog() { # BACKEND FS ARGS...
	local be=$1 fs=$2 out=$SM_TMP/out.$1.$2 rc
	shift 2
	# Each case has its own time limit; this one catches a wedged FUSE mount.
	timeout -k 5 300 "$PROG" --backend "$be" --fs "$fs" --first 1 "$@" >"$out" 2>&1
	rc=$?
	emit "$be" "$out"
	# A crash that printed no "not ok" must still fail the run.
	if [ $rc != 0 ] && ! grep -q '^not ok' "$out"; then
		_tap 1 "[$be $fs] conformance exited with status $rc"
	fi
}

# Whether DIR is a mount point, from the mount table: stat(2), as mountpoint(1)
# does, would wait for a FUSE daemon that does not answer.
is_mounted() { # DIR
	awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo
}

# The shiftfs-fuse process serving DST (its last argument; DST is unique).
fuse_pid_of() { # DST
	local p a
	for p in /proc/[0-9]*; do
		mapfile -d '' a <"$p/cmdline" 2>/dev/null || continue
		if [ ${#a[@]} -gt 2 ] && [ "${a[-1]}" = "$1" ] && [[ ${a[0]} == *shiftfs-fuse ]]; then
			echo "${p#/proc/}"
			return 0
		fi
	done
	return 1
}

FUSE_PIDS=()
# mount_shifted BACKEND MAP SRC DST [OPTS]: the kernel backend and the main
# FUSE mounts the way users make them (shiftmount bind); the extra FUSE mounts
# by starting shiftfs-fuse in the foreground.  Either way we keep the FUSE
# process's pid, to see it gone after the unmount.
mount_shifted() {
	local be=$1 map=$2 src=$3 dst=$4 opts=${5:-} pid i
	mkdir -p "$dst"
	case $be in
	kernel)
		shiftmount bind --backend=kernel --map "$map" ${opts:+-o "$opts"} "$src" "$dst"
		;;
	fuse-bind)
		shiftmount bind --backend=fuse --map "$map" ${opts:+-o "$opts"} "$src" "$dst" || return 1
		pid=$(fuse_pid_of "$dst") && FUSE_PIDS+=("$pid")
		is_mounted "$dst"
		;;
	fuse)
		"$FUSE_BIN" -f -o "map=$map,allow_other${opts:+,$opts}" "$src" "$dst" \
			>"$SM_TMP/fuse.$$.$RANDOM.log" 2>&1 &
		pid=$!
		FUSE_PIDS+=("$pid")
		poll 60 mounted_or_gone "$dst" "$pid" && is_mounted "$dst"
		;;
	esac
}

gone() { ! kill -0 "$1" 2>/dev/null; } # PID
mounted_or_gone() { is_mounted "$1" || gone "$2"; } # DIR PID: mounted, or its server died

# Cut the FUSE connection of the mount on DIR, whose daemon does not answer
# (the mount table, not stat: a stat would wait for that daemon too).
fuse_abort() { # DIR
	local dev c=/sys/fs/fuse/connections
	dev=$(awk -v m="$1" '$5 == m { d = $3 } END { print d }' /proc/self/mountinfo)
	[ -n "$dev" ] || return
	[ -e "$c/${dev#*:}" ] || mount -t fusectl fusectl "$c" 2>/dev/null
	[ -w "$c/${dev#*:}/abort" ] && echo 1 >"$c/${dev#*:}/abort"
}

unmount_all() { # DIR...
	local d pid i
	for d in "$@"; do
		is_mounted "$d" || continue
		if ! timeout 20 umount -c "$d" 2>/dev/null; then
			fuse_abort "$d"
			umount -l "$d"
		fi
	done
	# An unmounted FUSE process ends on its own; one that does not is a bug.
	for pid in "${FUSE_PIDS[@]}"; do
		if ! poll 30 gone "$pid"; then
			_tap 1 "shiftfs-fuse (pid $pid) still running 30 s after its unmount"
			kill -9 "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
	done
	FUSE_PIDS=()
}
at_exit 'for p in "${FUSE_PIDS[@]}"; do kill -9 "$p"; done'

run_one() { # BACKEND FS FSROOT [MAP LABEL]
	local be=$1 fs=$2 root=$3 map=${4:-$MAP} label=${5:-} src base m
	src=$root/src-$be$label
	base=$SM_TMP/mnt-$fs-$be$label
	fs=$fs$label
	mkdir -p "$src" "$base"
	local main=$be
	[ "$be" = fuse ] && main=fuse-bind
	if ! mount_shifted "$main" "$map" "$src" "$base/main"; then
		_tap 1 "[$be $fs] make the shifted mount of $src (map $map)"
		unmount_all "$base/main"
		return
	fi
	local args=(--map "$map" --src "$src" --mnt "$base/main")
	if mount_shifted "$be" "$map" "$src" "$base/second"; then
		args+=(--mnt2 "$base/second")
	else
		_tap 1 "[$be $fs] make a second shifted mount"
	fi
	if mount_shifted "$be" "$map" "$src" "$base/nosuid" nosuid,nodev; then
		args+=(--nosuid "$base/nosuid")
	else
		_tap 1 "[$be $fs] make a nosuid,nodev shifted mount"
	fi
	if mount_shifted "$main" "$CIRC_MAP" "$src" "$base/circ"; then
		args+=(--circ "$base/circ" --circ-map "$CIRC_MAP")
	else
		_tap 1 "[$be $fs] make a shifted mount with the circular map $CIRC_MAP"
	fi
	run_prog "$be" "$fs" "${args[@]}"
	unmount_all "$base/circ" "$base/nosuid" "$base/second" "$base/main"
	for m in main second nosuid circ; do
		is_mounted "$base/$m" && _tap 1 "[$be $fs] $base/$m still mounted after the run"
	done
}

if [ ! -x "$PROG" ]; then
	skip "conformance program not built ($PROG)"
	done_testing
	exit
fi

ps_old=$(cat /proc/sys/fs/protected_symlinks)
if [ "$ps_old" != 1 ] && echo 1 >/proc/sys/fs/protected_symlinks; then
	at_exit "echo $ps_old >/proc/sys/fs/protected_symlinks"
fi

for fs in ext4 xfs btrfs tmpfs; do
	want_k=0 want_f=0
	[[ " $KERNEL_FS " == *" $fs "* ]] && want_k=1
	[[ " $FUSE_FS " == *" $fs "* ]] && want_f=1
	[ $want_k = 0 ] && [ $want_f = 0 ] && continue
	if ! root=$(scratch_fs "$fs"); then
		skip "[$fs] cannot make a scratch $fs filesystem"
		continue
	fi
	want_s=0
	[[ " $SPLIT_FS " == *" $fs "* ]] && want_s=1
	if [ $want_k = 1 ]; then
		run_one kernel "$fs" "$root"
		[ $want_s = 1 ] && run_one kernel "$fs" "$root" "$SPLIT_MAP" -split
	fi
	if [ $want_f = 1 ]; then
		if [ -x "$FUSE_BIN" ]; then
			run_one fuse "$fs" "$root"
			[ $want_s = 1 ] && run_one fuse "$fs" "$root" "$SPLIT_MAP" -split
		else
			"$PROG" --backend fuse --fs "$fs" --first 1 \
				--skip-all "shiftfs-fuse not built" >"$SM_TMP/out.skip" 2>&1
			emit fuse "$SM_TMP/out.skip"
		fi
	fi
	umount "$root" 2>/dev/null
done

done_testing
