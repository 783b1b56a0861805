#!/bin/bash
# Protocol abuse against shiftmountd: every malformed message is answered
# with a reason (or, when no answer is possible, logged), leaves nothing
# mounted, leaks no fd, and the daemon keeps serving.
. "$SM_SRC/tests/integration/daemon-lib.sh"
daemon_setup
D=$FS/data
marked_dir "$D/open" --origin 100000
MOUNT='{"method":"io.shiftmount.Delegate.Mount","parameters":'
T() { tenant 200000 sh -c "$TENANT_TRY" sh "$@"; }

refused "truncated JSON" "ProtocolError.*not one JSON object" \
	varlink-raw "$SOCK" '{"method":"io.shiftmount.Delegate.Mount","param'
refused "malformed JSON" "ProtocolError.*not one JSON object" varlink-raw "$SOCK" '{"method":}'
refused "JSON that is not an object" "ProtocolError.*not one JSON object" varlink-raw "$SOCK" '[1,2]'
refused "trailing garbage after the object" "ProtocolError.*not one JSON object" \
	varlink-raw "$SOCK" '{"method":"org.varlink.service.GetInfo"} x'
refused "nesting deeper than 16" "ProtocolError.*not one JSON object" \
	varlink-raw "$SOCK" '{"method":"org.varlink.service.GetInfo","parameters":{"a":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}}'
refused "non-UTF-8 bytes" "ProtocolError.*not valid UTF-8" \
	sh -c "printf '{\"method\":\"io.shiftmount.Delegate.Mount\",\"parameters\":{\"name\":\"\\377\"}}' | varlink-raw '$SOCK' -"
refused "overlong UTF-8 encoding" "ProtocolError.*not valid UTF-8" \
	sh -c "printf '{\"method\":\"\\300\\257\"}' | varlink-raw '$SOCK' -"
refused "UTF-16 surrogate encoded in UTF-8" "ProtocolError.*not valid UTF-8" \
	sh -c "printf '{\"method\":\"\\355\\240\\200\"}' | varlink-raw '$SOCK' -"
refused "oversize message (70000 bytes, no NUL)" "ProtocolError.*longer than 65536 bytes" \
	varlink-raw --size 70000 "$SOCK"
refused "five fds (the codec takes at most four)" "ProtocolError.*too many file descriptors" \
	varlink-raw --fd "opath:$D/open" --fd "opath:$D/open" --fd "opath:$D/open" --fd "opath:$D/open" \
	--fd "opath:$D/open" "$SOCK" "$MOUNT"'{"fd":0,"path":"'"$D/open"'"}}'
refused "unknown member in the call" "ProtocolError.*unknown member" \
	varlink-raw "$SOCK" '{"method":"org.varlink.service.GetInfo","colour":"red"}'
refused "method that is not a string" "ProtocolError" varlink-raw "$SOCK" '{"method":7}'
refused "call without a method" "ProtocolError" varlink-raw "$SOCK" '{"parameters":{}}'
refused "unknown interface" "InterfaceNotFound.*com.example.Nope" \
	varlink-raw "$SOCK" '{"method":"com.example.Nope.Do"}'
refused "unknown method" "MethodNotFound.*io.shiftmount.Delegate.Unmount" \
	varlink-raw "$SOCK" '{"method":"io.shiftmount.Delegate.Unmount"}'
refused "\"more\" is not supported" "InvalidParameter.*more" \
	varlink-raw "$SOCK" '{"method":"org.varlink.service.GetInfo","more":true}'
refused "GetInfo with an fd" "ProtocolError.*takes no file descriptors" \
	varlink-raw --fd "opath:$D/open" "$SOCK" '{"method":"org.varlink.service.GetInfo"}'
refused "Mount: parameter of the wrong type" 'InvalidParameter.*"parameter":"readonly"' \
	T varlink-raw "$SOCK" "$MOUNT"'{"name":"x","readonly":"yes"}}'
refused "Mount: relative path" 'InvalidParameter.*"parameter":"path"' \
	T varlink-raw --fd "opath:$D/open" "$SOCK" "$MOUNT"'{"fd":0,"path":"data/open"}}'
refused "Mount: NUL inside the path" 'InvalidParameter.*"parameter":"path"' \
	T varlink-raw --fd "opath:$D/open" "$SOCK" "$MOUNT"'{"fd":0,"path":"'"$D/open"'\u0000x"}}'
refused "Mount: both fd and name" 'InvalidParameter.*"parameter":"name"' \
	T varlink-raw --fd "opath:$D/open" "$SOCK" "$MOUNT"'{"fd":0,"path":"'"$D/open"'","name":"x"}}'
refused "Mount: fd index out of range" 'InvalidParameter.*"parameter":"fd"' \
	T varlink-raw --fd "opath:$D/open" "$SOCK" "$MOUNT"'{"fd":9,"path":"'"$D/open"'"}}'
refused "Mount: name with a slash" 'InvalidParameter.*"parameter":"name"' \
	T varlink-raw "$SOCK" "$MOUNT"'{"name":"../etc"}}'
refused "Mount: the origin as a parameter" 'parameter \\"origin\\" is not accepted' \
	T varlink-raw "$SOCK" "$MOUNT"'{"name":"x","origin":0}}'

# Truncated for good: the connection ends in the middle of a message.
fds0=$(idle_fds)
out=$(varlink-raw --no-nul "$SOCK" '{"method":"org.varlink.service.GetI'; echo "rc=$?")
is "message cut off by the end of the connection: no answer" "$out" "rc=3"
ok "  ... and the daemon logged it" grep -q "connection closed in the middle of a message" "$DLOG"
is "  ... no fd leaked" "$(wait_fds "$fds0")" "$fds0"

# A client that sends a valid request and exits before the answer: its pid
# may be reused, its pidfd may not.  Nothing may be left, whichever of the
# two (answer, exit) comes first.
fds0=$(idle_fds)
sig0=$(mountinfo_sig)
for i in 1 2 3 4 5; do
	tenant 200000 varlink-raw --exit --fd "opath:$D/open" "$SOCK" "$MOUNT"'{"fd":0,"path":"'"$D/open"'"}}'
done
is "clients gone before the answer: no fd leaked" "$(wait_fds "$fds0")" "$fds0"
is "clients gone before the answer: nothing mounted on the host" "$(mountinfo_sig)" "$sig0"
ok "clients gone before the answer: daemon still answers" daemon_alive
# Deterministically: the process that connected has exited (its pid may
# be reused by now) when its child sends the request on the inherited
# connection.  The pidfd from SO_PEERPIDFD says the connector is gone.
# (The pipe to cat ends when the orphaned child, which holds it too, has
# its answer and exits.)
refused "the connecting process exited before its request (pid reuse)" \
	"PermissionDenied.*the caller exited" \
	T sh -c "varlink-raw --greet --orphan --fd 'opath:$D/open' '$SOCK' '$MOUNT{\"fd\":0,\"path\":\"$D/open\"}}' \
		2>&1 | cat; exit 1"

# Pipelined calls on one connection are answered in order.
out=$(printf '{"method":"org.varlink.service.GetInfo"}\0{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"org.varlink.service"}}\0' |
	varlink-raw --no-nul "$SOCK" -)
like "first of two pipelined calls answered" "$out" '"product":"shiftmountd"'

# A silent client holds only its own connection; others are served.  (Its
# silence is the thing under test.)
fds0=$(idle_fds)
varlink-raw --no-nul --stall 3 "$SOCK" '{"method":' &
staller=$!
wait_for "the daemon to hold the stalled client's connection" 30 holds_clients 1
ok "a stalled client (half a message, then silence) does not block others" daemon_alive
ok "  ... (the stalled client was still connected meanwhile)" kill -0 $staller
kill $staller
wait $staller 2>/dev/null

daemon_stop
done_testing
