# shellcheck shell=bash
# Sourced by tests/check (which defines run() and gets the builds as "$@"):
# the tests that mount shiftfs-fuse, once more on the first build with every
# inode held by file handle (-o handles=always), so each conformance
# behaviour and POSIX rule also runs through open_by_handle_at(), which a
# big tree reaches past half the open-file limit (fuse-handles.sh tests the
# switch-over itself).
_handles_b=$1 _handles_name=$1
case "$_handles_b" in /*) ;; *) _handles_b=$here/$_handles_b ;; esac
run "handles=always: shiftfs-fuse tests (build $_handles_name)" --build "$_handles_b" \
	--wrap "$here/tests/passes/with-fuse-handles" \
	conformance.sh fuse-posix.sh fuse-ownership.sh
unset _handles_b _handles_name
