# shellcheck shell=bash
# Sourced by tests/check (which defines run() and gets the builds as "$@"):
# the FUSE POSIX, ownership and setuid-killing tests once more on the first
# build with shiftfs-fuse -o idmap (FUSE_ALLOW_IDMAP: requests that make no
# inode carry no caller ids).  conformance.sh is not run so: its
# unmapped-caller link and rename cases (02, 14, 15) are what -o idmap gives
# up by design (docs/fuse.md "Idmapped mounts of a shiftfs-fuse mount",
# docs/conformance.md).  tests/integration/fuse-idmap.sh tests idmapped
# mounts of it.
_idmap_b=$1 _idmap_name=$1
case "$_idmap_b" in /*) ;; *) _idmap_b=$here/$_idmap_b ;; esac
run "idmap: shiftfs-fuse -o idmap (build $_idmap_name)" --build "$_idmap_b" \
	--wrap "$here/tests/passes/with-fuse-idmap" \
	fuse-posix.sh fuse-ownership.sh fuse-killpriv.sh
unset _idmap_b _idmap_name
