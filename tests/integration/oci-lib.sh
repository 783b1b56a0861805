# shellcheck shell=bash
# Shared by the oci-*.sh tests (sourced, not a test itself): real OCI
# runtimes (runc, crun, podman from Debian) running shiftmount-oci-hook on a
# minimal busybox root that the test makes, owned 0:0 like an unmodified
# image.
#
#   oci_prepare [RUNTIME]   scratch tmpfs $FS, the image $IMG, a volume $VOL
#                           marked at origin 100000; RUNTIME runc or crun
#   oci_image DIR           a busybox root owned 0:0
#   oci_bundle DIR HOSTROOT ANNOTATIONS-JSON CMD...  a bundle whose root is
#                           $IMG, the container's root at host HOSTROOT, the
#                           hook at createRuntime (OCI_HOOK="" for none)
#   rt ARGS...              the runtime ($RT) on the test's own state root
#   oci_start ID HOSTROOT ANNOTATIONS-JSON  a container running, detached
#   manifest DIR            owners, modes, sizes and checksums of a tree
#   stray_idmapped          idmapped mounts of $FS in any process's table
#   oci_refused DESC REGEX CMD...  CMD (a container start) fails, says
#                           REGEX, and leaves no mount and no container

# The whole test runs in a private mount namespace (daemon-lib.sh re-runs
# it in one, and brings lib.sh and, for the rootless tests, shiftmountd on a
# private socket), so that "nothing left mounted" compares a table no other
# test can change, and crun's cgroup view (below) stays inside.
. "$SM_SRC/tests/integration/daemon-lib.sh"
chmod 755 "$SM_TMP" # container roots (host 200000...) must reach it

OCI_HOOK=$SM_BUILD/bin/shiftmount-oci-hook
STATE=$SM_TMP/state
RT=runc

rt() {
	case "$RT" in
	runc) runc --root "$STATE" "$@" ;;
	# crun refuses this machine's hybrid cgroup setup (the cgroup2
	# hierarchy has a controller, hugetlb): with its cgroup manager
	# disabled and an empty /sys/fs/cgroup/unified in the test's own
	# namespace it finds legacy cgroups and makes none.
	crun) crun --cgroup-manager=disabled --root "$STATE" "$@" ;;
	esac
}

oci_image() { # DIR
	local d=$1
	mkdir -p "$d"/{bin,proc,dev,sys,etc,tmp,data,cache,run}
	cp "$(command -v busybox)" "$d/bin/busybox" || return 1
	ln -s busybox "$d/bin/sh"
	cp "$SM_BUILD/tests/static/euid" "$d/bin/euid" || return 1
	printf 'root:x:0:0:root:/:/bin/sh\nuser:x:1000:1000::/:/bin/sh\n' >"$d/etc/passwd"
	printf 'root:x:0:\nuser:x:1000:\n' >"$d/etc/group"
	# What podman bind-mounts over: the mount points must exist, since
	# the runtime cannot create them in a root it does not own.
	: >"$d/etc/hosts"
	: >"$d/etc/resolv.conf"
	: >"$d/etc/hostname"
	: >"$d/run/.containerenv"
	ln -s /proc/mounts "$d/etc/mtab" # podman makes it if it is missing
	chown -R 0:0 "$d"
	chmod 1777 "$d/tmp"
}

oci_prepare() { # [RUNTIME]
	RT=${1:-runc}
	# daemon_prepare may have made it already.
	[ -n "${FS:-}" ] || FS=$(scratch_fs tmpfs 128) || { echo "Bail out! no tmpfs"; exit 1; }
	chmod 755 "$FS"
	FSDEV=$(mountpoint -d "$FS")
	IMG=$FS/image
	VOL=$FS/shared
	oci_image "$IMG" || { echo "Bail out! cannot make the image"; exit 1; }
	mkdir -p "$VOL" && chown 100000:100000 "$VOL"
	shiftmount mark --origin 100000 "$VOL" >/dev/null 2>&1 ||
		{ echo "Bail out! shiftmount mark $VOL"; exit 1; }
	mkdir -p "$STATE"
	if [ "$RT" = crun ]; then
		# crun drops a hook's stderr unless this annotation names a
		# file for it (here crun's own stderr, a pipe to the test).
		export OCI_EXTRA_ANN='{"run.oci.hooks.stderr": "/dev/stderr"}'
		mount -t tmpfs -o size=1m,mode=755 crun-cgroup-view /sys/fs/cgroup/unified ||
			{ echo "Bail out! cannot hide /sys/fs/cgroup/unified from crun"; exit 1; }
	fi
}

# The config.json of a container on $IMG whose root is host HOSTROOT
# (0 -> HOSTROOT, 65536 ids), with the hook at createRuntime.
oci_bundle() { # DIR HOSTROOT ANNOTATIONS-JSON CMD...
	local dir=$1 hostroot=$2 ann=$3
	shift 3
	mkdir -p "$dir"
	python3 - "$dir/config.json" "$IMG" "$hostroot" "$ann" "$OCI_HOOK" "$@" <<'PY'
import json, os, sys
out, root, hostroot, ann, hook = sys.argv[1:6]
args = sys.argv[6:]
caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE"]
m = [{"containerID": 0, "hostID": int(hostroot), "size": 65536}]
cfg = {
    "ociVersion": "1.0.2",
    "process": {
        "terminal": False, "user": {"uid": 0, "gid": 0}, "args": args,
        "env": ["PATH=/bin"], "cwd": "/",
        "capabilities": {k: caps for k in ("bounding", "effective", "permitted")},
        # A setuid program must be able to work, or the nosuid check
        # could not fail.
        "noNewPrivileges": False,
    },
    "root": {"path": root, "readonly": False},
    "hostname": "oci",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
    ],
    "linux": {
        "uidMappings": m, "gidMappings": m,
        "namespaces": [{"type": t} for t in ("pid", "ipc", "uts", "mount", "user")],
        "maskedPaths": ["/proc/kcore", "/proc/keys"],
        "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger"],
    },
    "annotations": dict(json.loads(ann), **json.loads(os.environ.get("OCI_EXTRA_ANN", "{}"))),
}
if hook:
    cfg["hooks"] = {"createRuntime": [{"path": hook, "args": ["shiftmount-oci-hook"]}]}
json.dump(cfg, open(out, "w"), indent=1)
PY
}

# A container that keeps running (sleep), for rt exec; deleted at exit.
oci_start() { # ID HOSTROOT ANNOTATIONS-JSON
	local id=$1
	oci_bundle "$SM_TMP/$id" "$2" "$3" /bin/busybox sleep 600 || return 1
	at_exit "rt delete -f $id"
	rt run -d -b "$SM_TMP/$id" "$id" </dev/null >"$SM_TMP/$id.out" 2>&1 || {
		sed 's/^/#   /' "$SM_TMP/$id.out"
		return 1
	}
}

# Run a container to its end; its output and status.
oci_run() { # ID HOSTROOT ANNOTATIONS-JSON CMD...
	local id=$1
	oci_bundle "$SM_TMP/$id" "$2" "$3" "${@:4}" || return 1
	rt run -b "$SM_TMP/$id" "$id" </dev/null 2>&1
	local rc=$?
	rt delete -f "$id" >/dev/null 2>&1
	return $rc
}

# Owner, mode and size of each entry, and every file's checksum; not
# times, nor a directory's size (tmpfs counts its entries in it).
manifest() { # DIR
	(
		cd "$1" || exit 1
		find . -printf '%p %y %U:%G %m\n' | sort
		find . -type f -printf '%p %s\n' | sort
		find . -type f -exec md5sum {} + | sort -k 2
		find . -type l -printf '%p -> %l\n' | sort
	)
}

# Idmapped mounts of our scratch filesystem in any mount namespace (a
# container's that survived included), as "/proc/PID/mountinfo:line": one
# process of each namespace is read, all in one grep.
stray_idmapped() {
	local files
	files=$(stat -L -c '%i %n' /proc/[0-9]*/ns/mnt 2>/dev/null | sort -u -k 1,1 |
		sed 's|^[0-9]* \(/proc/[0-9]*\)/ns/mnt$|\1/mountinfo|')
	# shellcheck disable=SC2086
	grep -sH " $FSDEV " $files | grep idmapped
}

oci_refused() { # DESC REGEX CMD...
	local desc=$1 re=$2 out rc sig0 sig1 stray0 stray1 left
	shift 2
	sig0=$(mountinfo_sig)
	stray0=$(stray_idmapped | cut -d: -f2- | sort -u)
	out=$("$@" 2>&1)
	rc=$?
	out=${out//\\\"/\"} # runc quotes the hook's stderr in its log line: \" for "
	sig1=$(mountinfo_sig)
	stray1=$(stray_idmapped | cut -d: -f2- | sort -u)
	if [ $rc != 0 ] && [[ $out =~ $re ]]; then _tap 0 "$desc: the start fails, says why"; else
		_tap 1 "$desc: the start fails, says why"
		echo "#   status $rc, output:"
		echo "$out" | sed 's/^/#     /' | head -n 8
		echo "#   want match: $re"
	fi
	is "$desc: the hook said one thing" "$(echo "$out" | grep -o 'shiftmount-oci-hook:' | wc -l)" 1
	is "$desc: nothing mounted on the host" "$sig1" "$sig0"
	is "$desc: no idmapped mount left in any namespace" "$stray1" "$stray0"
	left=$(oci_containers | grep -c .)
	is "$desc: no container left" "$left" "$OCI_RUNNING"
}
OCI_RUNNING=0
oci_containers() { rt list -q 2>/dev/null; }

# podman on the test's own storage, state and hooks.d, which holds the file
# make install ships (data/shiftmount-oci-hook.json) pointing at this build;
# as PM_USER when set (rootless).  containers.conf: podman's default nofile
# limit is above this machine's hard limit, and its events and temporary
# files stay in the test's directory.
PM_DIR=$SM_TMP/podman
PM_USER=""
podman_setup() { # [HOOK-ARG...]
	mkdir -p "$PM_DIR/hooks.d" "$PM_DIR/home" "$PM_DIR/xdg" "$PM_DIR/tmp"
	chmod 700 "$PM_DIR/xdg"
	cat >"$PM_DIR/containers.conf" <<CONF
[containers]
default_ulimits = []
[engine]
events_logger = "file"
cgroup_manager = "cgroupfs"
tmp_dir = "$PM_DIR/tmp"
CONF
	sed "s|@BINDIR@|$SM_BUILD/bin|" "$SM_SRC/data/shiftmount-oci-hook.json" |
		python3 -c 'import json, sys
h = json.load(sys.stdin)
if len(sys.argv) > 1:
    h["hook"]["args"] = ["shiftmount-oci-hook"] + sys.argv[1:]
json.dump(h, sys.stdout)' "$@" >"$PM_DIR/hooks.d/shiftmount.json"
	[ -n "$PM_USER" ] && chown -R "$PM_USER" "$PM_DIR"
	oci_containers() { pm ps -aq 2>/dev/null; }
	# Rootful, podman makes cgroups below a parent; by default that is
	# /libpod_parent, which outlives the container (and the test).  The
	# test's own parent instead, removed at exit if podman left it.
	# Rootless, on cgroup v1, it makes none.
	PM_RUN_OPTS=()
	if [ -z "$PM_USER" ]; then
		PM_CGROUP=shiftmount-test-$$
		PM_RUN_OPTS=(--cgroup-parent "/$PM_CGROUP")
		at_exit pm_cgroups_remove
	fi
	at_exit "pm rm -fa"
}
pm_cgroups_remove() {
	local d
	for d in /sys/fs/cgroup/*/"$PM_CGROUP" /sys/fs/cgroup/"$PM_CGROUP"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	return 0
}


pm() {
	# --log-level error: rootless podman warns that / is not a shared
	# mount (the test's namespace is private) on stderr, with the errors.
	local args=(--log-level error --root "$PM_DIR/storage" --runroot "$PM_DIR/run" --storage-driver vfs
		--runtime runc --cgroup-manager cgroupfs --hooks-dir "$PM_DIR/hooks.d")
	if [ -n "$PM_USER" ]; then
		setpriv --reuid "$PM_USER" --regid nogroup --clear-groups \
			env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$PM_DIR/home" \
			XDG_RUNTIME_DIR="$PM_DIR/xdg" CONTAINERS_CONF="$PM_DIR/containers.conf" \
			podman "${args[@]}" "$@"
	else
		CONTAINERS_CONF="$PM_DIR/containers.conf" podman "${args[@]}" "$@"
	fi
}

# podman run --rootfs $IMG, the container's root at host 0 -> MAP (an id of
# podman's own namespace: host 200000 rootful, 1 = the first subordinate id
# rootless), with --annotation for each ANNOTATION (KEY=VALUE) until "--".
pm_run() { # MAP [ANNOTATION...] -- CMD...
	local map=$1 ann=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		ann+=(--annotation "$1")
		shift
	done
	shift
	pm run --rm "${PM_RUN_OPTS[@]}" --network none --ipc private --uidmap "0:$map:65536" \
		--gidmap "0:$map:65536" "${ann[@]}" --rootfs "$IMG" "$@" </dev/null
}

no_stray() { [ -z "$(stray_idmapped)" ]; }

# The rootful cases, for runc and crun alike: two containers with disjoint
# maps on one unmodified image and one marked volume, then the refusals.
oci_rootful_suite() {
	local A=a-$RT B=b-$RT out before after sig0 ann
	ann="{\"org.shiftmount.rootfs\": \"true\", \"org.shiftmount.volumes\": \"$VOL:/data\"}"
	before=$(manifest "$IMG")
	sig0=$(mountinfo_sig)

	# The gap the hook closes, and that it does nothing unasked.
	out=$(OCI_HOOK="" oci_run plain-$RT 200000 '{}' /bin/busybox stat -c %u:%g /etc/passwd)
	is "$RT without the hook: container root sees the image as nobody" "$out" "65534:65534"
	out=$(oci_run noann-$RT 200000 '{}' /bin/busybox stat -c %u:%g /etc/passwd)
	is "$RT, the hook without annotations: the root is left alone" "$out" "65534:65534"

	ok "$RT: container A (root at host 200000) starts with the hook" oci_start "$A" 200000 "$ann"
	OCI_RUNNING=1
	out=$(rt exec "$A" /bin/busybox sh -c 'id -u; stat -c %u:%g /etc/passwd /bin/busybox
		echo a >/etc/from-a; mkdir /data/dir-a; echo a >/data/dir-a/f
		cp /bin/euid /data/suid; chmod 4755 /data/suid
		cp /bin/euid /tmp/suid-root; chmod 4755 /tmp/suid-root' 2>&1)
	is "A: its root is uid 0 and sees the image as 0:0" "${out//$'\n'/ }" "0 0:0 0:0"
	is "A's write into the root lands 0:0 on disk" "$(owner "$IMG/etc/from-a")" "0:0"
	is "A's volume writes land at the mark's origin" \
		"$(owner "$VOL/dir-a") $(owner "$VOL/dir-a/f") $(owner "$VOL/suid")" \
		"100000:100000 100000:100000 100000:100000"

	# B has a second volume, read-only, from another mark, which admits
	# only B's root (host 300000): the rootful hook applies the mark's --by.
	local ro=$FS/readonly
	mkdir -p "$ro" && echo r >"$ro/file" && chown -R 50000:50000 "$ro"
	shiftmount mark --origin 50000 --by 300000 "$ro" >/dev/null 2>&1
	ok "$RT: container B (root at host 300000) starts beside A on the same image" \
		oci_start "$B" 300000 \
		"{\"org.shiftmount.rootfs\": \"true\", \"org.shiftmount.volumes\": \"$VOL:/data;$ro:/cache:ro\"}"
	OCI_RUNNING=2
	out=$(rt exec "$B" /bin/busybox sh -c 'id -u; stat -c %u:%g /etc/passwd /etc/from-a /data/dir-a/f
		echo b >/data/from-b; echo b >/etc/from-b' 2>&1)
	is "B: its root is uid 0 and sees the image and A's files as 0:0" "${out//$'\n'/ }" \
		"0 0:0 0:0 0:0"
	is "B's volume write lands at the origin too" "$(owner "$VOL/from-b")" "100000:100000"
	out=$(rt exec "$B" /bin/busybox sh -c 'exec 2>&1; stat -c %u:%g /cache/file; echo x >/cache/x')
	like "B's second volume: its own origin (50000) shows as 0:0, and :ro refuses writes" \
		"$out" $'^0:0\n.*Read-only file system'
	ok "nothing was written to the read-only volume" test ! -e "$ro/x"
	is "B's write into the root lands 0:0" "$(owner "$IMG/etc/from-b")" "0:0"
	is "A sees B's files as its root's" \
		"$(rt exec "$A" /bin/busybox stat -c %u:%g /data/from-b /etc/from-b | tr '\n' ' ')" \
		"0:0 0:0 "
	like "B's /data is idmapped, nosuid, nodev" \
		"$(rt exec "$B" /bin/busybox grep ' /data ' /proc/self/mountinfo)" \
		"nosuid,nodev.*idmapped"
	# setuid: the control shows a setuid program works in this setup.
	is "control: a setuid program in the root runs as its owner" \
		"$(rt exec --user 1000:1000 "$B" /tmp/suid-root)" "euid=0"
	is "a setuid program A wrote on the volume has no effect in B (nosuid)" \
		"$(rt exec --user 1000:1000 "$B" /data/suid)" "euid=1000"

	is "the host's mount table has none of the containers' mounts" "$(mountinfo_sig)" "$sig0"
	is "no idmapped mount on the host" "$(grep " $FSDEV " /proc/self/mountinfo | grep -c idmapped)" 0
	rt delete -f "$A" >/dev/null 2>&1
	rt delete -f "$B" >/dev/null 2>&1
	OCI_RUNNING=0
	wait_for "no idmapped mount left once A and B are deleted" 10 no_stray
	after=$(manifest "$IMG" | grep -v -E '\./(etc/from-[ab]|tmp/suid-root)( |$)')
	is "the image is byte-identical but for the files the containers wrote" "$after" "$before"

	local u=$FS/unmarked
	mkdir -p "$u"
	oci_refused "$RT, volume without DEST" 'org.shiftmount.volumes: "[^"]*": must be SRC:DEST' \
		oci_run bad1-$RT 200000 "{\"org.shiftmount.volumes\": \"$VOL\"}" /bin/busybox true
	oci_refused "$RT, entries separated by \",\"" 'separate the entries with ";"' \
		oci_run bad9-$RT 200000 "{\"org.shiftmount.volumes\": \"$VOL:/data,$VOL:/cache\"}" /bin/busybox true
	oci_refused "$RT, relative SRC" 'SRC must be an absolute path' \
		oci_run bad2-$RT 200000 '{"org.shiftmount.volumes": "shared:/data"}' /bin/busybox true
	oci_refused "$RT, rootfs=yes" 'org.shiftmount.rootfs: "yes": must be "true" or "false"' \
		oci_run bad3-$RT 200000 '{"org.shiftmount.rootfs": "yes"}' /bin/busybox true
	oci_refused "$RT, a misspelt annotation" 'org.shiftmount.volume: unknown annotation' \
		oci_run bad4-$RT 200000 "{\"org.shiftmount.volume\": \"$VOL:/data\"}" /bin/busybox true
	oci_refused "$RT, an unmarked volume" "$u is not marked" \
		oci_run bad5-$RT 200000 \
		"{\"org.shiftmount.rootfs\": \"true\", \"org.shiftmount.volumes\": \"$VOL:/data;$u:/cache\"}" \
		/bin/busybox true
	oci_refused "$RT, a volume whose mark admits another root (--by)" \
		"$ro: refused: the mark allows only by=300000; the caller's namespace root is host uid 200000" \
		oci_run bad10-$RT 200000 \
		"{\"org.shiftmount.rootfs\": \"true\", \"org.shiftmount.volumes\": \"$VOL:/data;$ro:/cache:ro\"}" \
		/bin/busybox true
	oci_refused "$RT, a missing source" 'SRC: No such file or directory' \
		oci_run bad6-$RT 200000 \
		"{\"org.shiftmount.rootfs\": \"true\", \"org.shiftmount.volumes\": \"$FS/nonexistent:/data\"}" \
		/bin/busybox true
	oci_refused "$RT, DEST not in the image" 'DEST does not exist in the container.s root' \
		oci_run bad7-$RT 200000 "{\"org.shiftmount.volumes\": \"$VOL:/nothere\"}" /bin/busybox true
	oci_refused "$RT, a DEST the config mounts too" 'the config mounts /dev too' \
		oci_run bad8-$RT 200000 "{\"org.shiftmount.volumes\": \"$VOL:/dev/x\"}" /bin/busybox true
	is "the image is still as it was after the refusals" \
		"$(manifest "$IMG" | grep -v -E '\./(etc/from-[ab]|tmp/suid-root)( |$)')" "$before"
}

# A real unprivileged user, $OCI_USER, with the subordinate ids
# 200000-265535 in /etc/subuid and /etc/subgid (newuidmap reads them for
# rootless podman), removed at exit.  /etc's account files, and the "-"
# copies useradd rewrites, are put back as they were, times included.
OCI_USER=""
ETC_SAVED=$SM_TMP/etc-saved
ETC_FILES="passwd shadow group gshadow subuid subgid"
etc_save() {
	local f v
	mkdir -p "$ETC_SAVED"
	for f in $ETC_FILES; do
		for v in "$f" "$f-"; do
			if [ -e "/etc/$v" ]; then cp -a "/etc/$v" "$ETC_SAVED/$v"; else : >"$ETC_SAVED/$v.absent"; fi
		done
	done
}
etc_restore() {
	local f v
	for f in $ETC_FILES; do
		for v in "$f" "$f-"; do
			if [ -e "$ETC_SAVED/$v.absent" ]; then
				rm -f "/etc/$v"
			elif ! cmp -s "$ETC_SAVED/$v" "/etc/$v"; then
				cp -a "$ETC_SAVED/$v" "/etc/$v"
			else
				touch -r "$ETC_SAVED/$v" "/etc/$v"
			fi
		done
	done
}
etc_unchanged() {
	local f v
	for f in $ETC_FILES; do
		for v in "$f" "$f-"; do
			if [ -e "$ETC_SAVED/$v.absent" ]; then
				[ ! -e "/etc/$v" ] || return 1
			else
				cmp -s "$ETC_SAVED/$v" "/etc/$v" || return 1
			fi
		done
	done
}
oci_user() {
	etc_save
	at_exit etc_restore
	OCI_USER=smoci$$
	useradd --system --no-create-home --home-dir "$PM_DIR/home" --shell /usr/sbin/nologin \
		--gid nogroup --no-user-group "$OCI_USER" ||
		{ echo "Bail out! useradd $OCI_USER"; exit 1; }
	at_exit oci_user_remove
	usermod --add-subuids 200000-265535 --add-subgids 200000-265535 "$OCI_USER" ||
		{ echo "Bail out! usermod --add-subuids"; exit 1; }
}

# userdel (and usermod) count every process whose uid lies in the user's
# subordinate ranges as the user's, and other tests run tenants at 200000:
# force it, once the user's own processes are gone (stop_user_procs).
oci_user_remove() { userdel --force "$OCI_USER"; }

# Rootless podman leaves a pause process holding its user namespace (and a
# failed run may leave more): end every process of the test's user, each by
# its pid, and wait until they are gone.
# (any of its real, effective, saved or filesystem uid: userdel counts them all)
user_procs() {
	local u
	u=$(id -u "$OCI_USER" 2>/dev/null) || return 0
	ps -e -o pid=,ruid=,euid=,suid=,fsuid=,comm= 2>/dev/null |
		awk -v u="$u" '$2 == u || $3 == u || $4 == u || $5 == u { print $1 }'
}
no_user_procs() { [ -z "$(user_procs)" ]; }
stop_user_procs() {
	local p
	[ -n "$OCI_USER" ] || return 0
	for p in $(user_procs); do kill "$p" 2>/dev/null; done
	poll 10 no_user_procs
}
