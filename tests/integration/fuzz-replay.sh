#!/bin/bash
# Replay every fuzz target's committed corpus (tests/fuzz/corpus/NAME) with
# the replay build of that target: under the ASan+UBSan build this is the
# `make check` half of the fuzzing (tests/fuzz/run is the other).
. "$SM_SRC/tests/lib/lib.sh"

n=0
for bin in "$SM_BUILD"/tests/fuzz/fuzz-*-replay; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin" -replay)
	corpus=$SM_SRC/tests/fuzz/corpus/$name
	n=$((n + 1))
	if [ ! -d "$corpus" ]; then
		_tap 1 "$name: no corpus at tests/fuzz/corpus/$name"
		continue
	fi
	want=$(find "$corpus" -maxdepth 1 -type f ! -name '.*' | wc -l)
	out=$("$bin" "$corpus" 2>&1)
	rc=$?
	is "$name: replays its $want corpus inputs, invariants hold" "$rc:$(tail -n1 <<<"$out")" "0:replayed $want inputs"
	[ $rc = 0 ] || echo "$out" | tail -n 20 | sed 's/^/#   /'
done
[ $n -gt 0 ] || skip "no fuzz replay programs in $SM_BUILD/tests/fuzz (make tests)"
done_testing
