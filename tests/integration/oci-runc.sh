#!/bin/bash
# shiftmount-oci-hook under runc, rootful: two containers with disjoint maps
# share one unmodified image (root shifted, origin 0) and one volume marked
# at origin 100000; nosuid on the volume; the image unchanged but for what
# was written; each refusal fails the start, says why in one line and
# leaves nothing mounted.
. "$SM_SRC/tests/integration/oci-lib.sh"
oci_prepare runc
oci_rootful_suite
done_testing
