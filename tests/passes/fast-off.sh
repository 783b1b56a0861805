# shellcheck shell=bash
# Sourced by tests/check (which defines run() and gets the builds as "$@"):
# the tests that mount shiftfs-fuse through SHIFTFS_FUSE, once more on the
# first build with the kernel features it negotiates turned off
# (-o nopassthrough,nokillpriv): file data through the daemon and
# setuid/setgid killing by the kernel, as on a kernel or libfuse without
# them.  The main pass runs them with both on (the default as root).
# fuse-passthrough.sh tests the switches themselves.
_fastoff_b=$1 _fastoff_name=$1
case "$_fastoff_b" in /*) ;; *) _fastoff_b=$here/$_fastoff_b ;; esac
run "fast path off: shiftfs-fuse tests (build $_fastoff_name)" --build "$_fastoff_b" \
	--wrap "$here/tests/passes/with-fuse-fast-off" \
	conformance.sh fuse-posix.sh fuse-ownership.sh fuse-killpriv.sh fault-enospc.sh \
	fuse-realworld.sh
unset _fastoff_b _fastoff_name
