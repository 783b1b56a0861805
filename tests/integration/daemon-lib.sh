# shellcheck shell=bash
# Shared by the daemon-*.sh tests (sourced, not a test itself): a real
# shiftmountd on a private socket, a test registry and /etc/subuid copy, and
# the checks every refusal must pass.
#
#   daemon_prepare [MB]     scratch tmpfs in $FS, registry, subuid; no daemon
#   daemon_setup            daemon_prepare, then start_daemon
#   start_daemon [WRAP...]  shiftmountd (run under WRAP, e.g. enosys openat2 --)
#   run_daemon CMD...       CMD (a shiftmountd command line), ready when it says so
#   tenant_request FILE SRC-ARGS... DST  a tenant's request, see REQUEST_TRY
#   tenant HOSTROOT CMD...  run CMD as root of a fresh user+mount namespace
#   refused DESC REGEX CMD... CMD must fail, its output match REGEX, and
#                           nothing may be left: no mount (tenant and host),
#                           no daemon fd, and the daemon must still answer

# The whole test, daemon included, runs in a private mount namespace: "is
# anything left mounted" then compares a table no other test running at the
# same time can change.  The namespace comes with copies of other tests'
# mounts under /tmp, and those vanish from it whenever their owners remove
# the directories (a suite running beside this one): drop them first, or a
# "nothing mounted" check sees them go.
. "$SM_SRC/tests/lib/private-ns.sh"
. "$SM_SRC/tests/lib/lib.sh"

daemon_prepare() { # [SIZE_MB]
	chmod 755 "$SM_TMP" # tenants (host uid 200000...) must reach it
	FS=$(scratch_fs tmpfs "${1:-64}") || return 1
	REG=$SM_TMP/registry
	SOCK=$SM_TMP/shiftmountd.sock
	DLOG=$SM_TMP/shiftmountd.log
	SUBUID=$SM_TMP/subuid
	SUBGID=$SM_TMP/subgid
	printf 'alice:200000:65536\nbob:300000:65536\n' >"$SUBUID"
	cp "$SUBUID" "$SUBGID"
	for i in $(seq 0 19); do echo "tenants:$((1000000 + i * 65536)):65536"; done >>"$SUBUID"
	for i in $(seq 0 19); do echo "tenants:$((1000000 + i * 65536)):65536"; done >>"$SUBGID"
	export SHIFTMOUNT_REGISTRY=$REG SHIFTMOUNT_SOCKET=$SOCK
	mkdir -p "$FS/dst"
}

daemon_setup() {
	daemon_prepare || { echo "Bail out! no tmpfs"; exit 1; }
	start_daemon
}

start_daemon() { # [WRAPPER...]
	run_daemon "$@" shiftmountd --socket "$SOCK" --registry "$REG" --subuid "$SUBUID" \
		--subgid "$SUBGID" --config /dev/null
}

# Run CMD... (a shiftmountd command line, last its own options) in the
# background as $DPID, and wait until the daemon says it is ready.
run_daemon() { # CMD...
	local ready=$SM_TMP/ready.$$.$RANDOM rfd line=
	mkfifo "$ready" || { echo "Bail out! mkfifo $ready"; exit 1; }
	# The daemon says itself when it listens (--ready-fd): it is the only
	# writer of the fifo, so end of file without READY=1 means it exited.
	"$@" --ready-fd 9 9>"$ready" 2>>"$DLOG" &
	DPID=$!
	at_exit "kill -CONT $DPID 2>/dev/null; kill $DPID 2>/dev/null; wait $DPID 2>/dev/null"
	exec {rfd}<"$ready" # lets the daemon's open of the write end go on
	read -r -t 60 -u "$rfd" line
	exec {rfd}<&-
	rm -f "$ready"
	if [ "$line" != READY=1 ]; then
		if kill -0 "$DPID" 2>/dev/null; then
			echo "Bail out! shiftmountd did not say READY=1 within 60 s"
		else
			wait "$DPID"
			echo "Bail out! shiftmountd exited (status $?) before it was ready"
		fi
		sed 's/^/# /' "$DLOG"
		exit 1
	fi
	daemon_alive || { echo "Bail out! shiftmountd said it was ready but does not answer"; sed 's/^/# /' "$DLOG"; exit 1; }
}

daemon_alive() {
	varlink-raw "$SOCK" '{"method":"org.varlink.service.GetInfo"}' 2>/dev/null |
		grep -q '"product":"shiftmountd"'
}

daemon_fds() { ls "/proc/$DPID/fd" 2>/dev/null | wc -l; }
daemon_sockets() { ls -l "/proc/$DPID/fd" 2>/dev/null | grep -c 'socket:'; }

# The daemon holds at least N client connections (its sockets besides the
# listening one): proof that a misbehaving client is in place.
holds_clients() { [ $(($(daemon_sockets) - 1)) -ge "$1" ]; }
daemon_idle() { [ "$(daemon_sockets)" -le 1 ]; }
daemon_fds_are() { [ "$(daemon_fds)" = "$1" ]; }
mountinfo_sig_is() { [ "$(mountinfo_sig)" = "$1" ]; }

# The fd count once the last client's connection is closed (the listening
# socket is the daemon's only socket then).  Past the deadline it prints a
# word, not a count, so that the fd check it is the baseline of fails
# saying why.
idle_fds() {
	if poll 30 daemon_idle; then
		daemon_fds
	else
		echo "not-idle:$(($(daemon_sockets) - 1))-connections-still-open-after-30s"
	fi
}

# The daemon's fd count once it is WANT again (clients gone, workers
# reaped), or what it still is after the deadline, for the check to show.
wait_fds() { # WANT
	poll 30 daemon_fds_are "$1"
	daemon_fds
}

# Root of a fresh user + mount namespace mapped at HOSTROOT; CMD runs with
# the host's tools on PATH.
tenant() { # HOSTROOT CMD...
	local root=$1
	shift
	userns-run --map-root "$root" --mountns -- "$@"
}

# In the tenant: run CMD, and say MOUNTINFO-CHANGED if its mount table
# differs afterwards.
TENANT_TRY='before=$(cut -d" " -f5 /proc/self/mountinfo | sort | md5sum); "$@"; rc=$?; after=$(cut -d" " -f5 /proc/self/mountinfo | sort | md5sum); [ "$before" = "$after" ] || echo MOUNTINFO-CHANGED; exit $rc'

# Mount points under our scratch directory.
local_mounts() { cut -d' ' -f5 /proc/self/mountinfo | grep "^$SM_TMP" | sort | tr '\n' ' '; }

# In the tenant: shiftmount request SRC-ARGS... DST, and write FILE through
# DST; prints the request's status, and MOUNTINFO-CHANGED if the tenant's
# mount table changed on a failure.
REQUEST_TRY='f=$1; shift; for a; do d=$a; done
	before=$(cut -d" " -f5 /proc/self/mountinfo | sort | md5sum)
	shiftmount request "$@"; rc=$?
	after=$(cut -d" " -f5 /proc/self/mountinfo | sort | md5sum)
	[ $rc = 0 ] && echo hi >"$d/$f"
	[ $rc != 0 ] && [ "$before" != "$after" ] && echo MOUNTINFO-CHANGED
	echo "rc=$rc"'
tenant_request() { # FILE SRC-ARGS... DST (SRC-ARGS: a path, or --name NAME)
	tenant 200000 sh -c "$REQUEST_TRY" _ "$@" 2>&1
}

refused() { # DESC REGEX CMD...
	local desc=$1 re=$2 out rc fds0 fds1 sig0 sig1
	shift 2
	fds0=$(idle_fds)
	sig0=$(mountinfo_sig)
	cut -d' ' -f1,2,5,6 /proc/self/mountinfo | sort >"$SM_TMP/refused.mi0"
	out=$("$@" 2>&1)
	rc=$?
	sig1=$(mountinfo_sig)
	# A read of mountinfo while a tenant's namespace is torn down may miss
	# a line; what the daemon left behind would stay past the deadline.
	if [ "$sig0" != "$sig1" ]; then
		poll 10 mountinfo_sig_is "$sig0"
		sig1=$(mountinfo_sig)
	fi
	fds1=$(wait_fds "$fds0")
	if [ $rc != 0 ] && [[ $out =~ $re ]]; then _tap 0 "$desc: refused, says why"; else
		_tap 1 "$desc: refused, says why"
		echo "#   status $rc, output:"
		echo "$out" | sed 's/^/#     /' | head -n 8
		echo "#   want match: $re"
	fi
	if [[ $out == *MOUNTINFO-CHANGED* ]] || [ "$sig0" != "$sig1" ]; then
		_tap 1 "$desc: nothing mounted"
		# Which table changed, and how: the tenant's (it printed
		# MOUNTINFO-CHANGED) or the test's own (the diff below).
		[[ $out == *MOUNTINFO-CHANGED* ]] && echo "#   the tenant's mount table changed"
		cut -d' ' -f1,2,5,6 /proc/self/mountinfo | sort | diff "$SM_TMP/refused.mi0" - |
			sed 's/^/#   host: /' | head -n 8
	else
		_tap 0 "$desc: nothing mounted"
	fi
	is "$desc: no daemon fd leaked" "$fds1" "$fds0"
	ok "$desc: daemon still answers" daemon_alive
}

# SIGSTOP a FUSE server, and wait until every thread of it has stopped: a
# thread still in its read of /dev/fuse takes a request that comes in the
# meantime, and the kernel then waits that request out, SIGKILL or not.
stop_fuse_server() { # PID
	kill -STOP "$1"
	wait_for "FUSE server $1 to stop" 30 all_threads_stopped "$1"
}
all_threads_stopped() { # PID
	! awk '{ print $3 }' /proc/"$1"/task/*/stat 2>/dev/null | grep -qv '^[tT]$'
}

# A marked directory owned at the origin, so the tenant's root can write.
marked_dir() { # PATH MARK-ARGS...
	local d=$1
	shift
	mkdir -p "$d" && chown 100000:100000 "$d" && shiftmount mark "$@" "$d" >/dev/null
}

# SIGTERM: exits 0, removes its socket, and (under ASan) reported nothing.
daemon_stop() {
	kill -TERM "$DPID"
	wait "$DPID"
	is "shiftmountd exits 0 on SIGTERM" "$?" "0"
	ok "shiftmountd removed its socket" test ! -e "$SOCK"
	if grep -q -E "Sanitizer|runtime error" "$DLOG"; then
		_tap 1 "shiftmountd: no sanitizer report"
		grep -E -A12 "Sanitizer|runtime error" "$DLOG" | sed 's/^/#   /' | head -n 30
	else
		_tap 0 "shiftmountd: no sanitizer report"
	fi
}
