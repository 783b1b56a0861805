#!/bin/bash
# The benchmark harness's building blocks (bench/*.c, bench/run's argument
# checks): the numbers in docs/benchmarks.md are only as good as these.
# Fast; the benchmark itself is `bench/run --quick`, not part of the suite.
. "$(dirname "$0")/../lib/lib.sh"

B="$SM_TMP/bin"
mkdir -p "$B"
for h in gentree fsloop latency; do
	ok "bench/$h.c builds -Werror clean" \
		cc -std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -D_GNU_SOURCE -o "$B/$h" "$SM_SRC/bench/$h.c"
done

# gentree: the count, determinism, what the tree looks like.
listing() { (cd "$1" && find . -mindepth 1 -printf '%P %y %s %m %U:%G %l\n' | sort | md5sum); }
"$B/gentree" 500 "$SM_TMP/t1" >/dev/null 2>&1
is "gentree N makes N entries" "$(find "$SM_TMP/t1" -mindepth 1 | wc -l)" 500
"$B/gentree" 500 "$SM_TMP/t2" >/dev/null 2>&1
is "the same seed gives the same tree" "$(listing "$SM_TMP/t2")" "$(listing "$SM_TMP/t1")"
"$B/gentree" --seed 7 500 "$SM_TMP/t3" >/dev/null 2>&1
if [ "$(listing "$SM_TMP/t3")" != "$(listing "$SM_TMP/t1")" ]; then ok "another seed gives another tree" true; else
	ok "another seed gives another tree" false
fi
like "the tree has directories, files and symlinks" \
	"$(find "$SM_TMP/t1" -mindepth 1 -printf '%y\n' | sort -u | tr -d '\n')" '^dfl$'
root_owned=$(find "$SM_TMP/t1" -mindepth 1 -uid 0 | wc -l)
like "mostly root-owned, some system ids" "$root_owned" '^(4[0-9][0-9])$'
not_ok_expected "gentree refuses an existing directory" "$B/gentree" 10 "$SM_TMP/t1"

# fsloop: three phases, nothing left behind.
mkdir "$SM_TMP/loop"
out=$("$B/fsloop" 2500 "$SM_TMP/loop" 1000)
like "fsloop prints the three phases" "$(awk '{ printf "%s ", $1 }' <<<"$out")" '^create stat unlink $'
is "fsloop leaves its directory empty" "$(find "$SM_TMP/loop" -mindepth 1 | wc -l)" 0
"$B/fsloop" 0 "$SM_TMP/loop" >/dev/null 2>&1
is "fsloop refuses N=0 as bad usage" "$?" 2

# latency: counts, failures, the untimed unmount.
out=$("$B/latency" -n 5 -- true)
like "latency runs the command N times" "$out" '^n 5 total [0-9.]+ p50 [0-9.]+ p90 [0-9.]+ p99 [0-9.]+ max'
"$B/latency" -n 3 -- false >/dev/null 2>&1
is "latency stops with status 1 when a run fails" "$?" 1
mkdir "$SM_TMP/src" "$SM_TMP/mnt"
out=$(unshare -m --propagation private sh -c '"$1" -n 3 --raw --umount "$3" -- mount --bind "$2" "$3" &&
	! mountpoint -q "$3" && echo unmounted' _ "$B/latency" "$SM_TMP/src" "$SM_TMP/mnt" 2>&1)
like "latency --umount unmounts after every run" "$out" 'unmounted'
is "latency --raw prints every sample" "$(grep -c '^sample' <<<"$out")" 3

# bench/run: usage errors are exit 2 and leave nothing behind.
before=$(mountinfo_sig)
"$SM_SRC/bench/run" --help >/dev/null 2>&1
is "bench/run --help exits 0" "$?" 0
"$SM_SRC/bench/run" --only no-such-target >/dev/null 2>&1
is "bench/run --only with an unknown name is bad usage" "$?" 2
"$SM_SRC/bench/run" --runs 0 >/dev/null 2>&1
is "bench/run --runs 0 is bad usage" "$?" 2
is "and no mount is left behind" "$(mountinfo_sig)" "$before"

done_testing
