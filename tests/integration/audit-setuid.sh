#!/bin/bash
# shiftmount audit against what a tenant writes through a shifted mount with
# origin 0: "a setuid-root shell script called 'ls'" (the thread's worry),
# file capabilities valid on the host, and --fix neutralising both.
. "$SM_SRC/tests/lib/lib.sh"

fs=$(scratch_fs tmpfs 16) || { skip "no tmpfs"; done_testing; exit; }
src=$fs/src dst=$fs/dst
chmod 755 "$SM_TMP" "$fs" # the tenant (host 200000) must reach $dst
mkdir -p "$src/bin" "$dst"
chown 0:0 "$src" "$src/bin"
if ! shiftmount bind --map b:0:200000:65536 "$src" "$dst"; then
	skip "cannot make an idmapped mount on tmpfs"
	done_testing
	exit
fi
at_exit "umount -l '$dst'"

# The tenant: root of a user namespace mapped to host 200000.
userns-run -- sh -c "printf '#!/bin/sh\nexec /bin/ls \"\$@\"\n' >'$dst/bin/ls' &&
	chmod 4755 '$dst/bin/ls' && cp /bin/true '$dst/bin/helper' && chmod 6755 '$dst/bin/helper'"
is "tenant root's script is root-owned on disk" "$(owner "$src/bin/ls")" "0:0"
is "and setuid" "$(stat -c %a "$src/bin/ls")" "4755"

out=$(shiftmount audit "$src" 2>&1)
rc=$?
is "audit exits 1 on findings" "$rc" 1
like "audit names the setuid script" "$out" "$src/bin/ls: setuid \(file, owner 0:0, mode 4755\)"
like "audit names the setuid+setgid binary" "$out" "$src/bin/helper: setuid, setgid "
like "a summary line" "$out" "2 findings in [0-9]+ entr(y|ies)"

out=$(shiftmount audit --json "$src" 2>&1)
like "--json lists the kinds" "$out" '"kinds":\[[[:space:]]*"setuid"'
like "--json gives the path" "$out" "\"path\":\"$src/bin/ls\""

out=$(shiftmount audit --fix "$src" 2>&1)
rc=$?
is "audit --fix exits 1: there were findings" "$rc" 1
like "--fix says what it changed" "$out" "$src/bin/ls: fixed: mode 4755 -> 0755"
is "the script lost S_ISUID" "$(stat -c %a "$src/bin/ls")" "755"
is "the binary lost S_ISUID and S_ISGID" "$(stat -c %a "$src/bin/helper")" "755"
is "the owner is untouched" "$(owner "$src/bin/ls")" "0:0"
out=$(shiftmount audit "$src" 2>&1)
is "a re-run finds nothing (exit 0)" "$?" 0
like "and says so" "$out" "^0 findings in [0-9]+ entr(y|ies)$"

# setgid without group-execute is the mandatory-locking marker: not reported.
touch "$src/lockfile" && chmod 2644 "$src/lockfile"
shiftmount audit "$src" >/dev/null 2>&1
is "setgid without g+x is not a finding" "$?" 0
rm -f "$src/lockfile"

# A name chosen to forge an output line is escaped.
name=$'evil\nFORGED: setuid (file'
cp /bin/true "$src/$name" && chmod 4755 "$src/$name"
out=$(shiftmount audit "$src" 2>/dev/null)
like "a newline in a name is escaped" "$out" 'evil\\nFORGED'
is "no forged line" "$(grep -c '^FORGED' <<<"$out")" 0
rm -f "$src/$name"

# A setuid file seen through the root's symlink is not followed.
ln -s /usr/bin "$src/usrbin"
shiftmount audit "$src" >/dev/null 2>&1
is "a symlink to /usr/bin inside the tree is not followed" "$?" 0
out=$(shiftmount audit "$src/usrbin" 2>&1)
is "a symlink as DIR is refused (exit 2)" "$?" 2
like "saying why" "$out" "is a symbolic link"
rm -f "$src/usrbin"

done_testing
