#!/bin/bash
# shiftmountd's own configuration failing: an unreadable /etc/subuid or
# /etc/subgid refuses every request as such (ConfigUnreadable, naming the
# file), never as a policy denial, and grants nothing.
. "$SM_SRC/tests/integration/daemon-lib.sh"
daemon_prepare || { echo "Bail out! no tmpfs"; exit 1; }
D=$FS/data
marked_dir "$D/img" --origin 100000 --by @alice
REQ="shiftmount request"

for table in subuid subgid; do
	# A directory where the file should be: it exists, and read() fails.
	good=$SM_TMP/$table.good
	if [ $table = subuid ]; then cp "$SUBUID" "$good" && rm "$SUBUID" && mkdir "$SUBUID"; else
		cp "$SUBGID" "$good" && rm "$SUBGID" && mkdir "$SUBGID"; fi
	start_daemon
	refused "/etc/$table unreadable" "cannot read .*$table: Is a directory; no request is granted until it can \\(ConfigUnreadable\\)" \
		tenant 200000 sh -c "$TENANT_TRY" sh $REQ "$D/img" "$FS/dst"
	kill "$DPID" && wait "$DPID" 2>/dev/null
	if [ $table = subuid ]; then rmdir "$SUBUID" && cp "$good" "$SUBUID"; else
		rmdir "$SUBGID" && cp "$good" "$SUBGID"; fi
done
start_daemon
out=$(tenant 200000 sh -c "$REQ '$D/img' '$FS/dst' && echo GRANTED" 2>&1)
like "readable again: the same request is granted" "$out" "GRANTED"
daemon_stop
done_testing
