# shellcheck shell=bash
# Shared by the integration scripts: TAP output, scratch filesystems on loop
# images, and clean-up that runs however the script ends.
#
#   . "$SM_SRC/tests/lib/lib.sh"
#   ok "what" cmd args...        passes when cmd exits 0
#   is "what" GOT WANT           passes when the strings are equal
#   skip "why"                   one skipped check
#   wait_for WHAT DEADLINE CMD...  poll CMD; fails its line after DEADLINE s
#   poll DEADLINE CMD...         the same, silent: 1 after DEADLINE s
#   scratch_fs ext4|xfs|btrfs|tmpfs   -> prints a fresh mounted directory
#   at_exit "cmd"                run at exit (last registered first)
#   mountinfo_sig                a fingerprint of the mount table
#   done_testing

set -u
: "${SM_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${SM_BUILD:=$SM_SRC/build}"
export PATH="$SM_BUILD/bin:$SM_BUILD/tests/helpers:$PATH"
export LC_ALL=C
# The tests run the build as other ids too (tenants, plain users): say so at
# once when those cannot reach it, rather than fail hundreds of checks.
# tests/run gives every test a copy that they can reach.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
	! setpriv --reuid 65534 --regid 65534 --clear-groups test -x "$SM_BUILD/bin/." 2>/dev/null; then
	echo "Bail out! other ids cannot reach $SM_BUILD/bin (a clone in a 0700 directory?); run the test through tests/run, which gives it a copy they can reach"
	exit 1
fi

TAP_N=0
TAP_FAILED=0
SM_TMP=$(mktemp -d /tmp/sm-test.XXXXXX)
_AT_EXIT=()

at_exit() { _AT_EXIT=("$1" "${_AT_EXIT[@]}"); }
_run_at_exit() {
	local c
	for c in "${_AT_EXIT[@]}"; do eval "$c" >/dev/null 2>&1; done
	# Whatever is still mounted below our scratch directory goes, innermost first.
	grep -o " $SM_TMP[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$SM_TMP" 2>/dev/null
}
trap _run_at_exit EXIT

_tap() { # STATUS DESC
	TAP_N=$((TAP_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

ok() { # DESC CMD...
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	_tap $rc "$desc"
	[ $rc = 0 ] || { echo "# command: $*"; echo "$out" | sed 's/^/#   /' | head -n 20; }
	return $rc
}

not_ok_expected() { # DESC CMD... : passes when CMD fails
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc != 0 ]; then _tap 0 "$desc"; else
		_tap 1 "$desc"
		echo "# command unexpectedly succeeded: $*"
	fi
}

is() { # DESC GOT WANT
	if [ "$2" = "$3" ]; then _tap 0 "$1"; else
		_tap 1 "$1"
		echo "#   got:  '$2'"
		echo "#   want: '$3'"
	fi
}

like() { # DESC GOT REGEX
	if [[ $2 =~ $3 ]]; then _tap 0 "$1"; else
		_tap 1 "$1"
		echo "#   got:  '$2'"
		echo "#   want match: '$3'"
	fi
}

# Poll CMD until it succeeds, at most DEADLINE seconds; returns 0 when it
# did, 1 when the deadline passed.  Silent: for helpers whose caller reports.
poll() { # DEADLINE CMD...
	local limit=$((${EPOCHREALTIME/./} + $1 * 1000000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "${EPOCHREALTIME/./}" -lt "$limit" ] || return 1
		sleep 0.02 # the poll interval, not a synchronisation
	done
}

# poll, as one TAP line "waited for WHAT", which fails saying so when the
# deadline passed.  Deadlines are generous: the ASan build on a loaded
# machine is slow.  Call it in the test's own shell, not in $(...), so its
# line is counted.
wait_for() { # WHAT DEADLINE CMD...
	local what=$1 deadline=$2
	shift 2
	if poll "$deadline" "$@"; then
		_tap 0 "waited for $what"
	else
		_tap 1 "waited for $what"
		echo "#   not within ${deadline} s: $*"
		return 1
	fi
}

skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $1"; }
diag() { echo "# $*"; }

# A test that means nothing without root: one SKIP saying why, and the
# test ends there (its plan is that one line).
skip_all_unless_root() { # [WHY]
	[ "$(id -u)" = 0 ] && return 0
	skip "${1:-needs root}"
	done_testing
	exit
}

done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" = 0 ]
}

# A fresh filesystem of the given type, mounted on a new directory below
# $SM_TMP; prints the directory.  Loop images are sparse files in $SM_TMP.
scratch_fs() { # TYPE [SIZE_MB]
	local type=$1 size=${2:-320} dir img
	dir=$(mktemp -d "$SM_TMP/$type.XXXX")
	case "$type" in
	tmpfs)
		mount -t tmpfs -o size=${size}m tmpfs "$dir" || return 1
		;;
	ext4 | xfs | btrfs)
		img="$dir.img"
		truncate -s ${size}M "$img" || return 1
		case "$type" in
		ext4) mkfs.ext4 -q -F "$img" ;;
		xfs) mkfs.xfs -q -f "$img" ;;
		btrfs) mkfs.btrfs -q -f "$img" ;;
		esac >/dev/null 2>&1 || return 1
		mount -o loop "$img" "$dir" || return 1
		;;
	*) echo "scratch_fs: unknown type $type" >&2; return 1 ;;
	esac
	at_exit "umount -l '$dir'"
	echo "$dir"
}

# For the mount-max tests: the limit (/proc/sys/fs/mount-max) is global and
# the count per mount namespace, so a test fills a private namespace far
# above every other one and caps the limit at its own count for a moment.
# Sets max_file and orig (restored at exit, whatever happens), others (the
# fullest namespace now) and want (the count to fill to); returns 1 after a
# SKIP line when the limit leaves no room.
mountmax_prepare() {
	local p n
	max_file=/proc/sys/fs/mount-max
	[ -w $max_file ] || { skip "$max_file is not writable"; return 1; }
	orig=$(cat $max_file)
	at_exit "echo $orig > $max_file"
	others=0
	for p in /proc/[0-9]*; do
		n=$(wc -l 2>/dev/null <"$p/mountinfo") || continue
		[ "${n:-0}" -gt $others ] && others=$n
	done 2>/dev/null
	want=$((others * 4 > 1000 ? others * 4 : 1000))
	if [ $want -ge "$orig" ]; then
		skip "other namespaces hold $others mounts; mount-max $orig leaves no room for the test"
		return 1
	fi
}

# The mount table without the parts that change on their own.
# The mount table's signature, without other tests' mounts under /tmp: a
# private namespace starts with copies of them, and they vanish from it
# whenever a suite running beside this one removes its directories.
mountinfo_sig() {
	cut -d' ' -f1,2,5,6 /proc/self/mountinfo |
		awk -v own="$SM_TMP" '$3 !~ "^/tmp/" || index($3, own) == 1' | sort | md5sum | cut -d' ' -f1
}

# Owner "uid:gid" of a path as seen by the caller.
owner() { stat -c '%u:%g' "$1"; }
