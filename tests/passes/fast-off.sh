# shellcheck shell=bash
# Sourced by tests/check (which defines run() and gets the builds as "$@"):
# the tests that mount shiftfs-fuse through SHIFTFS_FUSE, once more on the
# first build with its fast path off (-o nopassthrough,nokillpriv,cache=never):
# file data through the daemon, setuid/setgid killing by the kernel, as on
# a kernel or libfuse without them, and nothing cached (every request asks
# anew).  The main pass runs them with the defaults (passthrough and
# KILLPRIV_V2 on as root, the 1 s cache of a read-write mount, a read-only
# mount's image cache).  fuse-passthrough.sh and fuse-cache.sh test the
# switches themselves.
_fastoff_b=$1 _fastoff_name=$1
case "$_fastoff_b" in /*) ;; *) _fastoff_b=$here/$_fastoff_b ;; esac
run "fast path off: shiftfs-fuse tests (build $_fastoff_name)" --build "$_fastoff_b" \
	--wrap "$here/tests/passes/with-fuse-fast-off" \
	conformance.sh fuse-posix.sh fuse-ownership.sh fuse-killpriv.sh fault-enospc.sh \
	fuse-realworld.sh
unset _fastoff_b _fastoff_name
