# shellcheck shell=bash
# Sourced first by a test that must run in a private mount namespace: "is
# anything left mounted" then compares a table no other test running at
# the same time can change, and nothing the test mounts can leak.  The test
# is run again inside `unshare -m`; the namespace comes with copies of other
# tests' mounts under /tmp, which vanish from it whenever their owners
# remove the directories (a suite running beside this one), so they are
# dropped first.
if [ -z "${SM_PRIVATE_NS:-}" ]; then
	SM_PRIVATE_NS=1 exec unshare -m --propagation private -- "$0" "$@"
fi
awk '$5 ~ "^/tmp/" { print $5 }' /proc/self/mountinfo | sort -r |
	while read -r m; do umount -l "$m" 2>/dev/null; done
