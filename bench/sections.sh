# shellcheck shell=bash
# The measured sections of bench/run; sourced by it (uses its helpers and
# parameters).  Every measurement goes to $RES as "KEY<TAB>TARGET<TAB>VALUE",
# VALUE a number or ERR.

# ---------------------------------------------------------------- trees
ensure_setup_trees() {
	local n
	for n in $SETUP_SIZES; do
		[ -d "$FS/tree-$n" ] && continue
		log "generating a tree of $n entries"
		"$BIN/gentree" --seed "$n" "$n" "$FS/tree-$n" || die "gentree $n failed"
	done
	sync -f "$FS"
}

# ---------------------------------------------------------------- 1. setup cost
# Time to make a tree of N entries appear shifted to the tenant: an idmapped
# bind mount, chown -R (what runtimes without idmapped mounts do once per
# container), or a copy with cp -a (what they do to keep the image intact).
# Cold cache: a container starts from an image that is not in memory.
# After dropping the caches, load the tools themselves again: what is cold is
# the tree, not the binaries (a runtime has them in memory).
warm_tools() {
	"$SM" --help >/dev/null 2>&1
	[ -x "$SFUSE" ] && "$SFUSE" --help >/dev/null 2>&1
	chown --help >/dev/null
	cp --help >/dev/null
	sync --help >/dev/null
	return 0
}

section_setup() {
	local r n t0 o v
	ensure_setup_trees
	log "setup cost: sizes $SETUP_SIZES, $RUNS runs, cold cache"
	mkdir -p "$FS/setup-m"
	for r in $(seq "$RUNS"); do
		for n in $SETUP_SIZES; do
			if [ -z "${STATUS[kernel]}" ]; then
				drop_caches
				warm_tools
				t0=$(now_ns)
				if logged "setup bind" kernel_bind "$FS/tree-$n" "$FS/setup-m"; then
					record "setup.$n" kernel "$(secs_since "$t0")"
				else
					record "setup.$n" kernel ERR
				fi
				stop_mount "$FS/setup-m"
			fi
			if [ -z "${STATUS[fuse]}" ]; then
				drop_caches
				warm_tools
				t0=$(now_ns)
				if start_fuse "$FS/setup-m" "$SFUSE" -f -o "map=$MAP_SPEC,allow_other" "$FS/tree-$n" "$FS/setup-m"; then
					record "setup.$n" fuse "$(secs_since "$t0")"
				else
					record "setup.$n" fuse ERR
				fi
				stop_mount "$FS/setup-m"
			fi
			# Alternate the direction so every run changes every inode.
			o=$(((r % 2) ? TENANT_HOST : 0))
			drop_caches
			warm_tools
			t0=$(now_ns)
			if chown -hR "$o:$o" "$FS/tree-$n" && sync -f "$FS"; then
				record "setup.$n" chown "$(secs_since "$t0")"
			else
				record "setup.$n" chown ERR
			fi
			# cp -a of the big trees is minutes of I/O; SETUP_BIG_CP_RUNS of them.
			[ "$n" -ge 100000 ] && [ "$r" -gt "$SETUP_BIG_CP_RUNS" ] && continue
			drop_caches
			warm_tools
			t0=$(now_ns)
			if cp -a "$FS/tree-$n" "$FS/setup-copy" && sync -f "$FS"; then
				record "setup.$n" cp "$(secs_since "$t0")"
			else
				record "setup.$n" cp ERR
			fi
			rm -rf "$FS/setup-copy"
		done
		log "setup cost: run $r/$RUNS done"
	done
}

# ---------------------------------------------------------------- 1b. bind latency
# `shiftmount bind` as a user runs it (fork, exec, mount), BIND_N times per
# tree size and run (rounded up to tens), sizes interleaved; each mount is
# unmounted (untimed) before the next.  Samples pooled over the runs.
section_latency() {
	local r n out
	if [ -n "${STATUS[kernel]}" ]; then
		log "bind latency: kernel backend ${STATUS[kernel]}"
		return
	fi
	ensure_setup_trees
	log "bind latency: $((BIND_N * RUNS)) binds per tree size"
	mkdir -p "$FS/lat-m"
	for n in $SETUP_SIZES; do : >"$W/lat.$n"; done
	local chunk
	for r in $(seq "$RUNS"); do
		# Sizes interleaved in chunks of 10 binds, so a change of the
		# machine's load hits every size alike.
		for chunk in $(seq $(((BIND_N + 9) / 10))); do
			for n in $SETUP_SIZES; do
				if out=$(logged "bind latency" "$BIN/latency" -n 10 --raw --umount "$FS/lat-m" -- \
					"$SM" bind "${SM_SHIFT_ARGS[@]}" "$FS/tree-$n" "$FS/lat-m"); then
					grep '^sample' <<<"$out" | awk '{ print $2 }' >>"$W/lat.$n"
				else
					echo ERR >>"$W/lat.$n"
				fi
				stop_mount "$FS/lat-m"
			done
		done
	done
}

# ---------------------------------------------------------------- 2. through the mount
FIO_COMMON=(--direct=1 --time_based --invalidate=1 --randrepeat=1 --norandommap
	--output-format=terse --terse-version=3)
fio_args() { # JOB -> fio arguments; fields: 7/8 read KiB/s/IOPS, 48/49 write
	case "$1" in
	seqread) echo "--rw=read --bs=1M --ioengine=psync --iodepth=1 7" ;;
	seqwrite) echo "--rw=write --bs=1M --ioengine=psync --iodepth=1 48" ;;
	randread-qd1) echo "--rw=randread --bs=4k --ioengine=psync --iodepth=1 8" ;;
	randwrite-qd1) echo "--rw=randwrite --bs=4k --ioengine=psync --iodepth=1 49" ;;
	randread-qd32) echo "--rw=randread --bs=4k --ioengine=libaio --iodepth=32 8" ;;
	randwrite-qd32) echo "--rw=randwrite --bs=4k --ioengine=libaio --iodepth=32 49" ;;
	esac
}

ERR_KEYS() {
	want meta && echo meta.untar meta.find meta.tar meta.rm
	want fsloop && echo fsloop.create fsloop.stat fsloop.unlink
	if want fio; then for j in $FIO_JOBS; do echo "fio.$j"; done; fi
}

through_one() { # TARGET RUN
	local t=$1 r=$2 d="$FS/t/$1.$2" v out j a field k
	if ! mount_target "$t" "$d"; then
		for k in $(ERR_KEYS); do record "$k" "$t" ERR; done
		[ -n "$MNT" ] && stop_mount "$MNT"
		rm -rf "$d"
		return
	fi
	if want meta; then
		local meta_ok=1
		sync -f "$FS"
		v=$(logged "$t untar" tenant_time "$MNT" tar -xf "$FS/tree.tar") || { v=ERR; meta_ok=0; }
		record meta.untar "$t" "$v"
		if [ "$r" = 1 ] && [ "$meta_ok" = 1 ]; then
			# The check that the target really shifted: the tenant's root
			# is stored as the expected disk id.
			local got want_owner
			got=$(stat -c %u "$DISK/tree" 2>/dev/null)
			want_owner=$(disk_owner_of_tenant_root "$t")
			[ "$got" = "$want_owner" ] || echo "$t: tenant root stored as uid '$got' on disk, expected $want_owner" >>"$W/owner-check.log"
		fi
		# After a failed step the tree is partial: no number for what follows.
		sync -f "$FS"
		v=ERR
		if [ "$meta_ok" = 1 ]; then
			v=$(logged "$t find" tenant_time "$MNT" sh -c 'find tree -printf "%U %G\n" >/dev/null') || { v=ERR; meta_ok=0; }
		fi
		record meta.find "$t" "$v"
		v=ERR
		if [ "$meta_ok" = 1 ]; then
			# Through a pipe: GNU tar does not read file data when the archive
			# is /dev/null.  Exit 1 is tar's "some files differ" warning.
			v=$(logged "$t tar -c" tenant_time "$MNT" bash -c 'tar -cf - tree | cat >/dev/null; [ "${PIPESTATUS[0]}" -le 1 ]') || { v=ERR; meta_ok=0; }
		fi
		record meta.tar "$t" "$v"
		v=ERR
		if [ "$meta_ok" = 1 ]; then
			v=$(logged "$t rm" tenant_time "$MNT" rm -rf tree) || v=ERR
		fi
		record meta.rm "$t" "$v"
		[ -e "$MNT/tree" ] && tenant rm -rf "$MNT/tree" 2>/dev/null
		sync -f "$FS"
	fi
	if want fsloop; then
		if logged "$t fsloop" tenant mkdir "$MNT/loop" &&
			out=$(logged "$t fsloop" tenant "$BIN/fsloop" "$FSLOOP_N" "$MNT/loop" 1000); then
			for k in create stat unlink; do
				record "fsloop.$k" "$t" "$(awk -v k=$k '$1 == k { print $2 }' <<<"$out")"
			done
		else
			for k in create stat unlink; do record "fsloop.$k" "$t" ERR; done
		fi
		tenant rm -rf "$MNT/loop" 2>/dev/null
		sync -f "$FS"
	fi
	if want fio; then
		# Lay the file out once (untimed), then the jobs over it.
		if logged "$t fio layout" tenant fio --name=layout --filename="$MNT/fio.dat" --size="$FIO_SIZE" --rw=write --bs=1M \
			--direct=1 --end_fsync=1 --output-format=terse >/dev/null; then
			for j in $FIO_JOBS; do
				a=$(fio_args "$j")
				field=${a##* }
				sync -f "$FS"
				# shellcheck disable=SC2086
				if out=$(logged "$t fio $j" tenant fio --name="$j" --filename="$MNT/fio.dat" --size="$FIO_SIZE" \
					--runtime="$FIO_RT" "${FIO_COMMON[@]}" ${a% *}); then
					v=$(awk -F';' -v f="$field" 'NF > 50 { v = $f; if (f == 7 || f == 48) v /= 1024; printf "%.2f", v; exit }' <<<"$out")
					record "fio.$j" "$t" "${v:-ERR}"
				else
					record "fio.$j" "$t" ERR
				fi
			done
		else
			for j in $FIO_JOBS; do record "fio.$j" "$t" ERR; done
		fi
	fi
	stop_mount "$MNT"
	rm -rf "$d"
}

section_through() {
	local r t
	log "through the mount: a tree of $META_FILES entries, $FSLOOP_N-file loop, fio $FIO_SIZE x ${FIO_RT}s"
	rm -rf "$FS/meta-src"
	mkdir -p "$FS/meta-src" "$FS/t"
	"$BIN/gentree" --seed 30000 "$META_FILES" "$FS/meta-src/tree" || die "gentree failed"
	tar -C "$FS/meta-src" -cf "$FS/tree.tar" tree || die "tar of the test tree failed"
	chmod 644 "$FS/tree.tar"
	TREE_TAR_MB=$(du -m "$FS/tree.tar" | cut -f1)
	rm -rf "$FS/meta-src"
	sync -f "$FS"
	local list=() i
	for t in $TARGETS; do [ -z "${STATUS[$t]}" ] && list+=("$t"); done
	for r in $(seq "$THROUGH_RUNS"); do
		# Every run visits every target; each run starts one target later.
		for i in $(seq 0 $((${#list[@]} - 1))); do
			through_one "${list[$(((i + r - 1) % ${#list[@]}))]}" "$r"
		done
		log "through the mount: run $r/$THROUGH_RUNS done"
	done
}

# ---------------------------------------------------------------- 3. daemon
# C tenants at once, each root of its own user and mount namespace, each
# asking shiftmountd again and again for the marked directory and unmounting
# the answer (untimed).  Latency: fork+exec of `shiftmount request` until it
# exits with the mount attached.  Requests/s: all requests of a round over
# the round's wall time, from a common start barrier to the last tenant done.
daemon_proc() { # -> "RSS_KiB FDS"
	echo "$(awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status" 2>/dev/null)" \
		"$(find "/proc/$DAEMON_PID/fd" -mindepth 1 2>/dev/null | wc -l)"
}

daemon_round() { # CLIENT C RUN
	local k=$1 c=$2 r=$3 n i pids=() t0 t sync="$W/dsync" total=0 f failed=0 client
	n=$((DAEMON_REQS / c))
	[ "$n" -ge 1 ] || n=1
	rm -f "$sync"/*
	for i in $(seq "$c"); do
		f="$W/dout/$k.$c.$r.$i"
		if [ "$k" = cli ]; then
			client=("$BIN/latency" -n "$n" --raw --umount "$DD/dst" --ready-file "$sync/ready.$i"
				--wait-file "$sync/go" -- "$SM" request --socket "$DD/sock" "$DD/src" "$DD/dst")
		else
			client=("$BIN/reqloop" -n "$n" --socket "$DD/sock" --ready-file "$sync/ready.$i"
				--wait-file "$sync/go" "$DD/src" "$DD/dst")
		fi
		"$UR" --map-root "$TENANT_HOST" --mountns -- "${client[@]}" >"$f" 2>"$f.err" &
		pids+=($!)
	done
	for _ in $(seq 3000); do
		[ "$(find "$sync" -name 'ready.*' | wc -l)" -ge "$c" ] && break
		sleep 0.01
	done
	t0=$(now_ns)
	touch "$sync/go"
	for i in "${pids[@]}"; do wait "$i" || failed=1; done
	t=$(secs_since "$t0")
	for i in $(seq "$c"); do
		f="$W/dout/$k.$c.$r.$i"
		awk '$1 == "sample" { print $2 }' "$f" >>"$W/dlat.$k.$c"
		sed "s|^|daemon, $k client, $c tenants: |" "$f.err" >>"$W/errors.log"
		total=$((total + $(grep -c '^sample' "$f")))
	done
	if [ "$failed" = 1 ]; then
		record "daemon.rps.$k.$c" shiftmountd ERR
	else
		record "daemon.rps.$k.$c" shiftmountd "$(awk -v n="$total" -v t="$t" 'BEGIN { printf "%.1f", n / t }')"
	fi
}

section_daemon() {
	local c r k out
	DAEMON_TENANTS="1 8 32"
	if [ ! -x "$SMD" ]; then
		DAEMON_STATUS="not built"
		log "daemon: not built"
		return
	fi
	if [ -n "${STATUS[kernel]}" ]; then
		DAEMON_STATUS="not measured: shiftmount ${STATUS[kernel]}"
		return
	fi
	DD="$FS/daemon"
	mkdir -p "$DD/src" "$DD/dst" "$DD/registry" "$W/dsync" "$W/dout"
	chmod 777 "$W/dsync"
	: >"$DD/config"
	# The tenants' ids are a container's (the daemon refuses a namespace
	# whose map lies outside /etc/subuid), and origin 0 without --by must be
	# granted explicitly.
	printf 'bench:%s:65536\n' "$TENANT_HOST" >"$DD/subuid"
	cp "$DD/subuid" "$DD/subgid"
	if ! out=$("$SM" mark --origin 0 --anyone-as-disk-root "$DD/src" 2>&1); then
		DAEMON_STATUS="failed: shiftmount mark: $(head -n 1 <<<"$out")"
		log "daemon: $DAEMON_STATUS"
		return
	fi
	"$SMD" --socket "$DD/sock" --config "$DD/config" --registry "$DD/registry" \
		--subuid "$DD/subuid" --subgid "$DD/subgid" 2>>"$W/daemon.log" &
	DAEMON_PID=$!
	for _ in $(seq 200); do [ -S "$DD/sock" ] && break; sleep 0.02; done
	if ! out=$("$UR" --map-root "$TENANT_HOST" --mountns -- "$SM" request --socket "$DD/sock" "$DD/src" "$DD/dst" 2>&1); then
		DAEMON_STATUS="failed: shiftmount request: $(head -n 1 <<<"$out")"
		log "daemon: $DAEMON_STATUS"
		kill "$DAEMON_PID"
		wait "$DAEMON_PID"
		DAEMON_PID=""
		return
	fi
	DAEMON_BEFORE=$(daemon_proc)
	DAEMON_CLIENTS="cli"
	[ -z "$REQLOOP_STATUS" ] && DAEMON_CLIENTS="cli lib"
	log "daemon: clients $DAEMON_CLIENTS, tenants $DAEMON_TENANTS, about $DAEMON_REQS requests per round, $RUNS rounds each"
	for k in $DAEMON_CLIENTS; do
		for c in $DAEMON_TENANTS; do : >"$W/dlat.$k.$c"; done
	done
	for r in $(seq "$RUNS"); do
		for k in $DAEMON_CLIENTS; do
			for c in $DAEMON_TENANTS; do daemon_round "$k" "$c" "$r"; done
		done
	done
	DAEMON_AFTER=$(daemon_proc)
	kill "$DAEMON_PID"
	wait "$DAEMON_PID"
	DAEMON_PID=""
	DAEMON_STATUS=""
	# The goals are the daemon's: judged with the in-process client when
	# there is one (the CLI adds a fork and exec per request).
	DAEMON_GOAL_CLIENT=${DAEMON_CLIENTS##* }
	DAEMON_P50=$(lat_stats "$W/dlat.$DAEMON_GOAL_CLIENT.1" | awk '{ print $2 }')
	DAEMON_RPS=0
	for c in $DAEMON_TENANTS; do
		DAEMON_RPS=$(awk -v a="$DAEMON_RPS" -v b="$(med "daemon.rps.$DAEMON_GOAL_CLIENT.$c" shiftmountd)" 'BEGIN { print (b != "NA" && b > a) ? b : a }')
	done
}
