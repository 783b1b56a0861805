#!/bin/bash
# shiftmount audit: a clean tree, bad usage, deep trees, other filesystems.
. "$SM_SRC/tests/lib/lib.sh"

t=$SM_TMP/clean
mkdir -p "$t/a/b" "$t/c"
echo hi >"$t/a/b/f"
ln -s /usr/bin/su "$t/c/link"
out=$(shiftmount audit "$t" 2>&1)
is "a clean tree exits 0" "$?" 0
is "and says so" "$out" "0 findings in 6 entries"
out=$(shiftmount audit --json "$t" 2>&1)
like "--json on a clean tree" "$out" '"findings":\[[[:space:]]*\]'

ok "--help exits 0" shiftmount audit --help
usage() { # DESC WANT-REGEX ARGS...
	local desc=$1 want=$2 out rc
	shift 2
	out=$(shiftmount audit "$@" 2>&1)
	rc=$?
	is "$desc: exit 2" "$rc" 2
	like "$desc: message" "$out" "$want"
}
usage "no DIR" "^shiftmount: audit: no DIR given"
usage "unknown option" "^shiftmount: audit: --bogus: unknown option" --bogus "$t"
usage "--origin not a number" '^shiftmount: audit: --origin: "x": must be a number' --origin x "$t"
usage "--origin past the last id" '^shiftmount: audit: --origin: "4294967295"' --origin 4294967295 "$t"
usage "--range 0" "^shiftmount: audit: --range: must be > 0" --range 0 "$t"
usage "a missing DIR" "^shiftmount: audit: $t/nope: No such file or directory" "$t" "$t/nope"
usage "--range-of a missing DIR" "^shiftmount: audit: --range-of: $t/nope:" --range-of "$t/nope" "$t"

# A missing DIR among good ones: nothing is walked (nor fixed).
cp /bin/true "$t/suid" && chmod 4755 "$t/suid"
shiftmount audit --fix "$t" "$t/nope" >/dev/null 2>&1
is "bad input fixes nothing" "$(stat -c %a "$t/suid")" 4755
rm -f "$t/suid"

# A single file as DIR.
cp /bin/true "$SM_TMP/one" && chmod 4711 "$SM_TMP/one"
out=$(shiftmount audit --fix "$SM_TMP/one" 2>&1)
like "a file as DIR is audited" "$out" "$SM_TMP/one: setuid \(file, owner 0:0, mode 4711\)"
is "and fixed" "$(stat -c %a "$SM_TMP/one")" 711

# Deeper than any C stack would like, with a setuid file at the bottom.
d=$SM_TMP/deep
mkdir -p "$d"
(cd "$d" && for _ in $(seq 400); do mkdir a && cd a || exit; done && cp /bin/true s && chmod 4755 s)
out=$(shiftmount audit "$d" 2>&1)
like "a setuid file 400 directories deep" "$out" "(a/){400}s: setuid"

# Another filesystem mounted inside is not entered unless asked.
m=$(scratch_fs tmpfs 8)
mkdir "$t/mnt"
mount --bind "$m" "$t/mnt" && at_exit "umount -l '$t/mnt'"
cp /bin/true "$m/suid" && chmod 4755 "$m/suid"
out=$(shiftmount audit "$t" 2>&1)
is "a mount inside DIR is not entered" "$?" 0
out=$(shiftmount audit --cross-mounts "$t" 2>&1)
like "--cross-mounts enters it" "$out" "$t/mnt/suid: setuid"

done_testing
