# shellcheck shell=bash
# Sourced by tests/check (which defines run() and gets the builds as "$@"):
# the mount-facing integration tests once more on the first build, with the
# newer syscalls that have fallbacks answering ENOSYS as on an older kernel
# (openat2 -> openat, statmount/listmount -> /proc/self/mountinfo,
# getxattrat -> /proc/self/fd).  mount_setattr and open_tree have no fallback
# but FUSE; tests/integration/enosys-mount.sh covers them.  SM_ENOSYS tells a
# test what is forced, so a check that needs, e.g., statmount's maps can
# SKIP with that reason.
_enosys_calls=openat2,statmount,listmount,getxattrat
# Tests that still assert what only statmount can tell (the maps of a
# mount) without skipping under SM_ENOSYS; drop a name once it does.
_enosys_exclude=" bind-options.sh bind-lib "
_enosys_b=$1
case "$_enosys_b" in /*) ;; *) _enosys_b=$here/$_enosys_b ;; esac
if [ -x "$_enosys_b/tests/helpers/enosys" ]; then
	_enosys_tests=()
	for _t in "$here"/tests/integration/{bind,show,fuse,daemon,audit}-*.sh \
		"$_enosys_b"/tests/integration/{bind,show,fuse,daemon,audit}-*; do
		[ -f "$_t" ] && [ -x "$_t" ] || continue
		_t=$(basename "$_t")
		[[ $_enosys_exclude == *" $_t "* ]] || _enosys_tests+=("$_t")
	done
	[ ${#_enosys_tests[@]} -gt 0 ] &&
		run "enosys $_enosys_calls (build $1)" --build "$1" \
			--wrap "env SM_ENOSYS=$_enosys_calls enosys $_enosys_calls --" "${_enosys_tests[@]}"
fi
unset _enosys_calls _enosys_exclude _enosys_b _enosys_tests _t
