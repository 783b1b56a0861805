#!/bin/bash
# shiftmount-oci-hook under crun, rootful: two containers with disjoint maps
# share one unmodified image (root shifted, origin 0) and one volume marked
# at origin 100000; nosuid on the volume; the image unchanged but for what
# was written; each refusal fails the start, says why in one line and
# leaves nothing mounted.
# crun runs with --cgroup-manager=disabled and an empty
# /sys/fs/cgroup/unified in the test's namespace (see oci-lib.sh), and shows
# a hook's stderr only where the annotation run.oci.hooks.stderr says.
. "$SM_SRC/tests/integration/oci-lib.sh"
oci_prepare crun
oci_rootful_suite
# Without run.oci.hooks.stderr crun still fails the start, but shows only
# the hook's exit status.
out=$(OCI_EXTRA_ANN='{}' oci_run quiet-crun 200000 '{"org.shiftmount.rootfs": "yes"}' /bin/busybox true 2>&1)
like "crun without run.oci.hooks.stderr: the start fails, with the hook's status only" \
	"$out" 'error executing hook .*shiftmount-oci-hook. \(exit code: 2\)'
done_testing
