# shellcheck shell=bash
# Sourced by tests/check (which defines run() and gets the builds as "$@"):
# the mount-facing integration tests once more on the first build, with the
# newer syscalls that have fallbacks answering ENOSYS as on an older kernel:
# statmount/listmount -> /proc/self/mountinfo, getxattrat -> /proc/self/fd,
# and openat2 -> openat for bind, show, fuse and audit.  The daemon has no
# fallback for openat2 by design (a tenant's path is only resolved with
# RESOLVE_IN_ROOT), so its tests run without openat2 forced and
# tests/integration/enosys-daemon.sh checks the refusal; mount_setattr and
# open_tree have no fallback but FUSE: tests/integration/enosys-mount.sh.
# SM_ENOSYS tells a test what is forced, so a check that needs, e.g.,
# statmount's maps can SKIP with that reason.  The sets of tests are
# disjoint: every test runs at most once more.
_enosys_b=$1 _enosys_name=$1
case "$_enosys_b" in /*) ;; *) _enosys_b=$here/$_enosys_b ;; esac
_enosys_pass() { # CALLS GROUP...
	local calls=$1 t g tests=()
	shift
	for g in "$@"; do
		for t in "$here"/tests/integration/"$g"-*.sh "$_enosys_b"/tests/integration/"$g"-*; do
			[ -f "$t" ] && [ -x "$t" ] || continue
			t=$(basename "$t")
			tests+=("$t")
		done
	done
	[ ${#tests[@]} -gt 0 ] || return 0
	run "enosys $calls: $* (build $_enosys_name)" --build "$_enosys_b" \
		--wrap "env SM_ENOSYS=$calls enosys $calls --" "${tests[@]}"
}
if [ -x "$_enosys_b/tests/helpers/enosys" ]; then
	_enosys_pass openat2,statmount,listmount,getxattrat bind show fuse audit
	_enosys_pass statmount,listmount,getxattrat daemon
fi
unset -f _enosys_pass
unset _enosys_b _enosys_name
