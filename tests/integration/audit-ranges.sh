#!/bin/bash
# shiftmount audit with shift ranges: ids outside every range, world-writable
# files of the range's root, ranges from options and from marks.
. "$SM_SRC/tests/lib/lib.sh"

fs=$(scratch_fs tmpfs 16) || { skip "no tmpfs"; done_testing; exit; }
t=$fs/tree
mkdir -p "$t/home/u" "$t/tmp"
chown -R 100000:100000 "$t"
chown 101000:101000 "$t/home/u"
touch "$t/home/u/file" "$t/stray" "$t/ww" "$t/ww-root" "$t/badgid"
chown 101000:101000 "$t/home/u/file"
chown 5:100000 "$t/stray"
chown 100000:100000 "$t/ww" && chmod 666 "$t/ww"
chown 0:0 "$t/ww-root" && chmod 666 "$t/ww-root"
chown 100000:7 "$t/badgid"
chmod 1777 "$t/tmp"

out=$(shiftmount audit --origin 100000 "$t" 2>&1)
is "exit 1" "$?" 1
like "an owner outside the range" "$out" "$t/stray: uid-outside-range \(file, owner 5:100000"
like "a group outside the range" "$out" "$t/badgid: gid-outside-range \(file, owner 100000:7"
like "world-writable, owned by the range's root" "$out" "$t/ww: world-writable \(file, owner 100000:100000, mode 0666\)"
like "host root's world-writable file is outside the range" "$out" "$t/ww-root: uid-outside-range, gid-outside-range \(file"
is "ids inside the range are fine" "$(grep -c home/u <<<"$out")" 0
is "a sticky world-writable directory (/tmp) is fine" "$(grep -c "$t/tmp" <<<"$out")" 0
is "4 findings" "$(tail -n1 <<<"$out")" "4 findings in 9 entries"

out=$(shiftmount audit --origin 100000 --range 1000 "$t" 2>&1)
like "--range 1000 puts 101000 outside" "$out" "$t/home/u/file: uid-outside-range, gid-outside-range"
out=$(shiftmount audit --origin 100000 --range 1000 --origin 101000 --range 10 "$t" 2>&1)
is "a second range brings it back" "$(grep -c home/u <<<"$out")" 0
out=$(shiftmount audit --origin-uid 100000 --origin-gid 7 "$t" 2>&1)
like "--origin-uid/--origin-gid apart" "$out" "$t/home/u/file: gid-outside-range"
is "gid 7 is now inside" "$(grep -c badgid <<<"$out")" 0

# No range known: only the world-writable check of root (disk id 0) applies.
out=$(shiftmount audit "$t" 2>&1)
like "without a range, host root's world-writable file" "$out" "$t/ww-root: world-writable \(file"
is "and only that" "$(tail -n1 <<<"$out")" "1 finding in 9 entries"

# A mark on DIR gives the range.
if setfattr -n trusted.shiftmount -v "v1 origin-uid=100000 origin-gid=100000 range=65536" "$t" 2>/dev/null; then
	out=$(shiftmount audit -v "$t" 2>&1)
	if [[ $out == *"stray"* ]]; then
		like "the mark's range is used" "$out" "$t/stray: uid-outside-range"
		like "and said with -v" "$out" "mark origin 100000:100000 range 65536"
		mkdir "$fs/other" && chown 100000:100000 "$fs/other"
		out=$(shiftmount audit --range-of "$t" "$fs/other" 2>&1)
		is "--range-of DIR takes another directory's mark" "$?" 0
		out=$(shiftmount audit --range-of "$fs/other" "$t" 2>&1)
		is "--range-of an unmarked directory is a usage error" "$?" 2
		like "saying so" "$out" "has no mark"
	else
		skip "this build has no marks" && skip "" && skip "" && skip "" && skip ""
	fi
	setfattr -x trusted.shiftmount "$t"
else
	skip "trusted xattrs unsupported here"
fi

done_testing
