#!/bin/bash
# shiftmount-oci-hook under rootful podman (--rootfs, --hooks-dir with the
# hooks.d file make install ships, runc): the annotations on the command
# line shift the root and a marked volume; two maps share the image; the
# refusals fail `podman run` with the hook's reason and leave nothing.
. "$SM_SRC/tests/integration/oci-lib.sh"
oci_prepare runc
podman_setup
before=$(manifest "$IMG")
sig0=$(mountinfo_sig)

out=$(pm_run 200000 -- /bin/busybox stat -c %u:%g /etc/passwd 2>&1)
is "podman, no annotation: container root sees the image as nobody" "$out" "65534:65534"

out=$(pm_run 200000 org.shiftmount.rootfs=true "org.shiftmount.volumes=$VOL:/data" -- \
	/bin/busybox sh -c 'id -u; stat -c %u:%g /etc/passwd; echo p >/data/from-podman
		echo p >/etc/from-podman; grep " /data " /proc/self/mountinfo' 2>&1)
like "podman, root at host 200000: root, sees the image as 0:0" "$out" $'^0\n0:0\n'
like "podman: /data is idmapped, nosuid, nodev" "$out" "/data rw,nosuid,nodev,.*idmapped"
is "podman: the volume write lands at the mark's origin" "$(owner "$VOL/from-podman")" "100000:100000"
is "podman: the root write lands 0:0" "$(owner "$IMG/etc/from-podman")" "0:0"

out=$(pm_run 300000 org.shiftmount.rootfs=true "org.shiftmount.volumes=$VOL:/data:ro" -- \
	/bin/busybox sh -c 'stat -c %u:%g /etc/passwd /etc/from-podman /data/from-podman
		echo x >/data/ro-write' 2>&1)
like "podman, another map (300000) on the same image sees it as 0:0" "$out" $'^0:0\n0:0\n0:0\n'
like "podman: a :ro volume refuses writes" "$out" "Read-only file system"
is "podman: nothing left in the host's mount table" "$(mountinfo_sig)" "$sig0"
is "podman: no container left" "$(oci_containers | grep -c .)" 0
is "podman: the image is unchanged but for the file written" \
	"$(manifest "$IMG" | grep -v -E '\./etc/from-podman( |$)')" "$before"

mkdir -p "$FS/unmarked"
oci_refused "podman, malformed volumes" 'org.shiftmount.volumes: "/x:data": DEST must be' \
	pm_run 200000 org.shiftmount.volumes=/x:data -- /bin/busybox true
oci_refused "podman, an unmarked volume" "$FS/unmarked is not marked" \
	pm_run 200000 org.shiftmount.rootfs=true "org.shiftmount.volumes=$FS/unmarked:/data" -- \
	/bin/busybox true
oci_refused "podman, a missing source" 'SRC: No such file or directory' \
	pm_run 200000 "org.shiftmount.volumes=$FS/missing:/data" -- /bin/busybox true
oci_refused "podman, no user namespace" 'the container has no user namespace of its own' \
	pm run --rm "${PM_RUN_OPTS[@]}" --network none --ipc private --annotation org.shiftmount.rootfs=true \
	--rootfs "$IMG" /bin/busybox true
done_testing
