# shellcheck shell=bash
# Turns $RES into docs/benchmarks.md and the plots; sourced by bench/run.

declare -A LABEL=(
	[native]="native" [bind]="plain bind" [kernel]="shiftmount bind (kernel)"
	[fuse]="shiftfs-fuse" [fuse-nofast]="shiftfs-fuse -o nopassthrough,nokillpriv"
	[bindfs]="bindfs" [bindfs-mt]="bindfs --multithreaded"
	[fuse-overlayfs]="fuse-overlayfs"
)

# "median min max n errors" of KEY for TARGET; median NA when nothing measured.
agg() { # KEY TARGET
	local vals errs
	vals=$(awk -F'\t' -v k="$1" -v t="$2" '$1 == k && $2 == t && $3 != "ERR" { print $3 }' "$RES" | sort -g)
	errs=$(awk -F'\t' -v k="$1" -v t="$2" '$1 == k && $2 == t && $3 == "ERR"' "$RES" | wc -l)
	if [ -z "$vals" ]; then
		echo "NA NA NA 0 $errs"
		return
	fi
	awk -v e="$errs" '{ v[NR] = $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      print m, v[1], v[NR], NR, e }' <<<"$vals"
}
med() { agg "$1" "$2" | awk '{ print $1 }'; }

fmt() { # NUMBER -> a short human form
	awk -v v="$1" 'BEGIN {
		if (v == "NA" || v == "") { print "–"; exit }
		a = v < 0 ? -v : v
		if (a >= 100) printf "%.0f", v; else if (a >= 10) printf "%.1f", v
		else if (a >= 1) printf "%.2f", v; else if (a >= 0.01) printf "%.3f", v
		else printf "%.2g", v }'
}
ratio() { # A B -> A/B, or NA
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%.4g", a / b }'
}
fmt_ratio() { # R -> "×1.02", "×1 234"
	awk -v r="$1" 'BEGIN { if (r == "NA") { print "–"; exit }
		if (r >= 100) printf "×%.0f", r; else if (r >= 10) printf "×%.1f", r; else printf "×%.2f", r }'
}

# One table cell for KEY and TARGET: median, spread, ratio to native.
cell() { # KEY TARGET
	local k=$1 t=$2 m lo hi n e r
	if [ -n "${STATUS[$t]:-}" ]; then
		echo "${STATUS[$t]}"
		return
	fi
	read -r m lo hi n e <<<"$(agg "$k" "$t")"
	if [ "$n" = 0 ]; then
		[ "$e" -gt 0 ] && echo "failed (see notes)" || echo "not run"
		return
	fi
	r=$(ratio "$m" "$(med "$k" native)")
	printf '%s %s<br><sub>%s–%s%s</sub>' "$(fmt "$m")" "$(fmt_ratio "$r")" "$(fmt "$lo")" "$(fmt "$hi")" \
		"$([ "$e" -gt 0 ] && echo ", $e failed")"
}

measured() { [[ " $TARGETS " == *" $1 "* ]] && [ -z "${STATUS[$1]}" ]; }

measured_targets() {
	local t
	for t in $TARGETS; do [ -z "${STATUS[$t]}" ] && printf '%s ' "$t"; done
}

key_label() {
	case "$1" in
	meta.untar) echo "untar ($META_FILES entries, ${TREE_TAR_MB:-?} MiB tar)" ;;
	meta.find) echo "find -printf '%U %G'" ;;
	meta.tar) echo "tar -c (through a pipe)" ;;
	meta.rm) echo "rm -rf" ;;
	fsloop.create) echo "create $FSLOOP_N empty files (1000 a directory)" ;;
	fsloop.stat) echo "stat $FSLOOP_N files" ;;
	fsloop.unlink) echo "unlink $FSLOOP_N files" ;;
	fio.seqread) echo "sequential read 1 MiB, QD1 (MiB/s)" ;;
	fio.seqwrite) echo "sequential write 1 MiB, QD1 (MiB/s)" ;;
	fio.randread-qd1) echo "random read 4 KiB, psync QD1 (IOPS)" ;;
	fio.randwrite-qd1) echo "random write 4 KiB, psync QD1 (IOPS)" ;;
	fio.randread-qd32) echo "random read 4 KiB, libaio QD32 (IOPS)" ;;
	fio.randwrite-qd32) echo "random write 4 KiB, libaio QD32 (IOPS)" ;;
	*) echo "$1" ;;
	esac
}
short_label() {
	case "$1" in
	meta.*) echo "${1#meta.}" ;;
	fsloop.*) echo "${1#fsloop.}" ;;
	fio.seqread) echo "seq-read" ;;
	fio.seqwrite) echo "seq-write" ;;
	fio.*) echo "${1#fio.}" ;;
	esac
}
higher_is_better() { [[ $1 == fio.* ]]; }

meta_keys() {
	want meta && echo meta.untar meta.find meta.tar meta.rm
	want fsloop && echo fsloop.create fsloop.stat fsloop.unlink
}
fio_keys() {
	local j
	if want fio; then for j in $FIO_JOBS; do echo "fio.$j"; done; fi
}

through_table() { # KEYS...
	local k t
	printf '| workload |'
	for t in $TARGETS; do printf ' %s |' "${LABEL[$t]}"; done
	printf '\n|---|'
	for t in $TARGETS; do printf -- '---|'; done
	printf '\n'
	for k in "$@"; do
		printf '| %s |' "$(key_label "$k")"
		for t in $TARGETS; do printf ' %s |' "$(cell "$k" "$t")"; done
		printf '\n'
	done
}

# ---------------------------------------------------------------- plots
plot_setup() {
	local f="$W/setup.dat" n t
	: >"$f"
	for n in $SETUP_SIZES; do
		printf '%s' "$n" >>"$f"
		for t in kernel chown cp fuse; do
			printf ' %s' "$(agg "setup.$n" "$t" | awk '{ print $1, $2, $3 }')" >>"$f"
		done
		printf '\n' >>"$f"
	done
	gnuplot <<EOF 2>>"$W/gnuplot.log"
set terminal pngcairo size 800,500 font "sans,10"
set output "$IMG_DIR/setup-cost.png"
set title "Making a tree appear shifted (cold cache, median and min–max of $RUNS runs)"
set logscale xy
set xrange [${SETUP_SIZES%% *} / 2.0 : ${SETUP_SIZES##* } * 2.0]
set xlabel "entries in the tree"
set ylabel "seconds"
set key top left
set grid
set datafile missing "NA"
plot "$f" using 1:2:3:4 with yerrorlines lw 2 title "shiftmount bind", \
     "$f" using 1:5:6:7 with yerrorlines lw 2 title "chown -R + syncfs", \
     "$f" using 1:8:9:10 with yerrorlines lw 2 title "cp -a + syncfs"$([ -z "${STATUS[fuse]}" ] && printf ', \\\n     "%s" using 1:11:12:13 with yerrorlines lw 2 title "shiftfs-fuse mount"' "$f")
EOF
}

lat_stats() { # FILE -> "n p50 p99 max" in ms, or "0 NA NA NA"
	grep -v ERR "$1" 2>/dev/null | sort -g | awk '{ v[NR] = $1 * 1000 }
		function p(q,  k) { k = int(q * NR + 0.999999); if (k < 1) k = 1; return v[k] }
		END { if (!NR) { print 0, "NA", "NA", "NA"; exit }
		      printf "%d %.3f %.3f %.3f\n", NR, p(0.5), p(0.99), v[NR] }'
}

plot_latency() {
	local f="$W/lat.dat" n
	: >"$f"
	for n in $SETUP_SIZES; do echo "$n $(lat_stats "$W/lat.$n")" >>"$f"; done
	gnuplot <<EOF 2>>"$W/gnuplot.log"
set terminal pngcairo size 800,450 font "sans,10"
set output "$IMG_DIR/bind-latency.png"
set title "shiftmount bind latency (fork+exec+mount) against tree size"
set logscale x
set xlabel "entries in the tree"
set ylabel "milliseconds"
set yrange [0:*]
set key top left
set grid
plot "$f" using 1:3 with linespoints lw 2 pt 7 title "p50", \
     "$f" using 1:4 with linespoints lw 2 pt 5 title "p99"
EOF
}

plot_ratios() { # PNG TITLE YLABEL LOG KEYS...
	local png=$1 title=$2 ylabel=$3 logy=$4 f="$W/$1.dat" k t targets n=0
	shift 4
	targets=$(measured_targets)
	printf 'workload' >"$f"
	for t in $targets; do printf ' "%s"' "${LABEL[$t]}" >>"$f"; n=$((n + 1)); done
	printf '\n' >>"$f"
	for k in "$@"; do
		printf '%s' "$(short_label "$k")" >>"$f"
		for t in $targets; do printf ' %s' "$(ratio "$(med "$k" "$t")" "$(med "$k" native)")" >>"$f"; done
		printf '\n' >>"$f"
	done
	gnuplot <<EOF 2>>"$W/gnuplot.log"
set terminal pngcairo size 900,480 font "sans,10"
set output "$IMG_DIR/$png"
set title "$title"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set datafile missing "NA"
$([ "$logy" = 1 ] && echo 'set logscale y')
set ylabel "$ylabel"
set grid ytics
set key outside right
set xtics rotate by -20
plot for [i=2:$((n + 1))] "$f" using i:xtic(1) title columnheader(i)
EOF
}

# ---------------------------------------------------------------- goals
goal_rows() {
	local k kb_ratio m_b m_k pass worst="" all=1
	# 1. kernel backend within 2% of plain bind.
	if [ -n "${STATUS[kernel]}" ]; then
		echo "| kernel backend within 2% of plain bind on every through-mount workload | shiftmount bind ${STATUS[kernel]} | not measured |"
	elif ! { want meta || want fsloop || want fio; } || ! measured kernel || ! measured bind; then
		echo "| kernel backend within 2% of plain bind on every through-mount workload | not measured | – |"
	else
		local apart=0 b_lo b_hi k_lo k_hi sep
		for k in $(meta_keys) $(fio_keys); do
			m_b=$(med "$k" bind)
			m_k=$(med "$k" kernel)
			kb_ratio=$(ratio "$m_k" "$m_b")
			[ "$kb_ratio" = NA ] && { all=0; continue; }
			if higher_is_better "$k"; then
				pass=$(awk -v r="$kb_ratio" 'BEGIN { print (r >= 0.98) }')
			else
				pass=$(awk -v r="$kb_ratio" 'BEGIN { print (r <= 1.02) }')
			fi
			if [ "$pass" != 1 ]; then
				all=0
				# Is the difference bigger than the noise?  Only when the
				# min–max ranges of the two targets do not overlap.
				read -r _ b_lo b_hi _ _ <<<"$(agg "$k" bind)"
				read -r _ k_lo k_hi _ _ <<<"$(agg "$k" kernel)"
				sep=$(awk -v a="$b_lo" -v b="$b_hi" -v c="$k_lo" -v d="$k_hi" 'BEGIN { print (c > b || a > d) }')
				[ "$sep" = 1 ] && apart=1
				worst="$worst $(short_label "$k") $(fmt_ratio "$kb_ratio")$([ "$sep" = 1 ] && echo ' (ranges apart)' || echo ' (ranges overlap)');"
			fi
		done
		if [ "$all" = 1 ]; then
			echo "| kernel backend within 2% of plain bind on every through-mount workload | every workload within 2% (table below) | **met** |"
		elif [ "$apart" = 1 ]; then
			echo "| kernel backend within 2% of plain bind on every through-mount workload | outside 2%:${worst%;} (kernel÷bind medians; min–max ranges in the table below) | **not met** |"
		else
			echo "| kernel backend within 2% of plain bind on every through-mount workload | outside 2%:${worst%;} (kernel÷bind medians), but every such difference lies within the run-to-run spread | **not shown either way** (noise larger than 2%) |"
		fi
	fi
	# 2. setup cost and latency independence.
	local big small cb
	big=${SETUP_SIZES##* } small=${SETUP_SIZES%% *}
	if [ -n "${STATUS[kernel]}" ]; then
		echo "| shifting a 300k-file tree ≥1000× faster than chown -R | shiftmount bind ${STATUS[kernel]} | not measured |"
	elif ! want setup; then
		echo "| shifting a 300k-file tree ≥1000× faster than chown -R | not measured | – |"
	else
		cb=$(ratio "$(med "setup.$big" chown)" "$(med "setup.$big" kernel)")
		if [ "$big" = 300000 ]; then
			echo "| shifting a 300k-file tree ≥1000× faster than chown -R | chown -R $(fmt "$(med "setup.$big" chown)") s vs bind $(fmt "$(med "setup.$big" kernel)") s: $(fmt_ratio "$cb") | **$(awk -v r="$cb" 'BEGIN { print (r != "NA" && r >= 1000) ? "met" : "not met" }')** |"
		else
			echo "| shifting a 300k-file tree ≥1000× faster than chown -R | largest tree in this run: $big entries, $(fmt_ratio "$cb") (a quick run stops below 300k) | not measured at 300k |"
		fi
	fi
	if [ -n "${STATUS[kernel]}" ]; then
		echo "| bind latency independent of tree size | shiftmount bind ${STATUS[kernel]} | not measured |"
	elif ! want latency; then
		echo "| bind latency independent of tree size | not measured | – |"
	else
		local ps pb
		ps=$(lat_stats "$W/lat.$small" | awk '{ print $2 }')
		pb=$(lat_stats "$W/lat.$big" | awk '{ print $2 }')
		echo "| bind latency independent of tree size (p50 within ±15%) | p50 $(fmt "$ps") ms at $small entries, $(fmt "$pb") ms at $big | **$(awk -v a="$ps" -v b="$pb" 'BEGIN { r = b / a; print (a != "NA" && r <= 1.15 && r >= 0.87) ? "met" : "not met" }')** |"
	fi
	# 3. daemon.
	if [ -n "${DAEMON_P50:-}" ]; then
		echo "| daemon p50 < 5 ms request-to-attached | p50 $(fmt "$DAEMON_P50") ms (1 tenant, $DAEMON_GOAL_CLIENT client) | **$(awk -v p="$DAEMON_P50" 'BEGIN { print (p < 5) ? "met" : "not met" }')** |"
		echo "| daemon ≥ 500 requests/s on 2 cores | $(fmt "$DAEMON_RPS") requests/s (best of 1/8/32 tenants, $DAEMON_GOAL_CLIENT client) | **$(awk -v r="$DAEMON_RPS" 'BEGIN { print (r >= 500) ? "met" : "not met" }')** |"
	else
		echo "| daemon p50 < 5 ms request-to-attached | ${DAEMON_STATUS:-not measured} | not measured |"
		echo "| daemon ≥ 500 requests/s on 2 cores | ${DAEMON_STATUS:-not measured} | not measured |"
	fi
	# 4. FUSE backend (the goals of issue 14).
	local g_peer="FUSE backend faster than bindfs --multithreaded and fuse-overlayfs on every metadata workload"
	local g_bindfs="FUSE backend ≥4× faster than single-threaded bindfs on metadata"
	local g_native="FUSE backend ≤2.5× native on find, stat and tar -c, ≤4× on untar, create, rm and unlink"
	local g_seq="FUSE backend ≥90% of native sequential read and write throughput"
	if ! measured fuse || ! { want meta || want fsloop || want fio; }; then
		local why=${STATUS[fuse]:-not measured}
		[[ " $TARGETS " == *" fuse "* ]] || why="left out by --only"
		local g
		for g in "$g_peer" "$g_bindfs" "$g_native" "$g_seq"; do
			echo "| $g | shiftfs-fuse $why | not measured |"
		done
	else
		local vs_p="" vs_b="" vs_n="" seq="" ok_p=1 ok_b=1 ok_n=1 ok_s=1 r r2 lim peer
		for k in $(meta_keys); do
			for peer in bindfs-mt fuse-overlayfs; do
				if measured "$peer"; then
					r=$(ratio "$(med "$k" "$peer")" "$(med "$k" fuse)")
					vs_p="$vs_p $(short_label "$k") $(fmt_ratio "$r") ($peer),"
					awk -v r="$r" 'BEGIN { exit !(r != "NA" && r > 1) }' || ok_p=0
				else
					ok_p=0
				fi
			done
			if measured bindfs; then
				r=$(ratio "$(med "$k" bindfs)" "$(med "$k" fuse)")
				vs_b="$vs_b $(short_label "$k") $(fmt_ratio "$r"),"
				awk -v r="$r" 'BEGIN { exit !(r != "NA" && r >= 4) }' || ok_b=0
			else
				ok_b=0
			fi
			case "$k" in meta.find | fsloop.stat | meta.tar) lim=2.5 ;; *) lim=4 ;; esac
			r=$(ratio "$(med "$k" fuse)" "$(med "$k" native)")
			vs_n="$vs_n $(short_label "$k") $(fmt_ratio "$r") (≤$lim),"
			awk -v r="$r" -v l="$lim" 'BEGIN { exit !(r != "NA" && r <= l) }' || ok_n=0
		done
		for k in fio.seqread fio.seqwrite; do
			[[ " $(fio_keys | tr '\n' ' ') " == *" $k "* ]] || continue
			r=$(ratio "$(med "$k" fuse)" "$(med "$k" native)")
			seq="$seq $(short_label "$k") $(awk -v r="$r" 'BEGIN { if (r == "NA") print "–"; else printf "%.0f%%", r * 100 }'),"
			awk -v r="$r" 'BEGIN { exit !(r != "NA" && r >= 0.9) }' || ok_s=0
		done
		verdict() { [ "$1" = 1 ] && echo met || echo "not met"; }
		[ -n "$vs_p" ] && echo "| $g_peer | peer÷shiftfs-fuse:${vs_p%,} | **$(verdict $ok_p)** |"
		[ -n "$vs_b" ] && echo "| $g_bindfs | bindfs÷shiftfs-fuse:${vs_b%,} | **$(verdict $ok_b)** |"
		[ -n "$vs_n" ] && echo "| $g_native | shiftfs-fuse÷native:${vs_n%,} | **$(verdict $ok_n)** |"
		if [ -n "$seq" ]; then
			echo "| $g_seq | shiftfs-fuse as % of native:${seq%,} | **$(verdict $ok_s)** |"
		else
			echo "| $g_seq | not measured | – |"
		fi
		unset -f verdict
	fi
}

kernel_vs_bind_table() {
	local k m_b b_lo b_hi m_k k_lo k_hi kb v
	echo "| workload | plain bind | shiftmount bind (kernel) | kernel ÷ bind | within 2%? |"
	echo "|---|---|---|---|---|"
	for k in $(meta_keys) $(fio_keys); do
		read -r m_b b_lo b_hi _ _ <<<"$(agg "$k" bind)"
		read -r m_k k_lo k_hi _ _ <<<"$(agg "$k" kernel)"
		kb=$(ratio "$m_k" "$m_b")
		v=$(awk -v r="$kb" -v hib="$(higher_is_better "$k" && echo 1 || echo 0)" \
			-v a="$b_lo" -v b="$b_hi" -v c="$k_lo" -v d="$k_hi" 'BEGIN {
			if (r == "NA") { print "–"; exit }
			if ((hib && r >= 0.98) || (!hib && r <= 1.02)) { print "yes"; exit }
			print (c > b || a > d) ? "**no** (ranges apart)" : "no, within the spread" }')
		printf '| %s | %s<br><sub>%s–%s</sub> | %s<br><sub>%s–%s</sub> | %s | %s |\n' "$(key_label "$k")" \
			"$(fmt "$m_b")" "$(fmt "$b_lo")" "$(fmt "$b_hi")" "$(fmt "$m_k")" "$(fmt "$k_lo")" "$(fmt "$k_hi")" \
			"$(awk -v r="$kb" 'BEGIN { if (r == "NA") print "–"; else printf "%+.1f%%", (r - 1) * 100 }')" "$v"
	done
}

# ---------------------------------------------------------------- daemon
daemon_client_label() {
	case "$1" in
	cli) echo "\`shiftmount request\` (CLI: fork, exec, request, attach)" ;;
	lib) echo "libshiftmount client in one process (\`bench/reqloop.c\`: connect, request, attach)" ;;
	esac
}

daemon_text() {
	local c k f rb fb ra fa m lo hi
	echo "C tenants at once, each root of its own user namespace (\`0 $TENANT_HOST 65536\`) and mount namespace,"
	echo "each asking shiftmountd for a marked directory again and again, attaching the answer, and unmounting"
	echo "it (untimed) before the next request. Latency: request until the mount is attached, pooled over"
	echo "$RUNS rounds. Requests/s: median over the rounds of (requests ÷ wall time of the round, from a common"
	echo "start to the last tenant's end; the clients and their unmounts share the same 2 cores)."
	echo
	echo "| client | tenants at once | requests | p50 | p99 | max | requests/s |"
	echo "|---|---|---|---|---|---|---|"
	for k in $DAEMON_CLIENTS; do
		f="$W/daemon.$k.dat"
		: >"$f"
		for c in $DAEMON_TENANTS; do
			read -r m lo hi _ _ <<<"$(agg "daemon.rps.$k.$c" shiftmountd)"
			lat_stats "$W/dlat.$k.$c" | awk -v k="$k" -v c="$c" -v m="$(fmt "$m")" -v lo="$(fmt "$lo")" -v hi="$(fmt "$hi")" \
				'{ printf "| %s | %s | %s | %s ms | %s ms | %s ms | %s<br><sub>%s–%s</sub> |\n", k, c, $1, $2, $3, $4, m, lo, hi }'
			echo "$c $(lat_stats "$W/dlat.$k.$c") $m" >>"$f"
		done
	done
	echo
	for k in $DAEMON_CLIENTS; do echo "- $k: $(daemon_client_label "$k")"; done
	[ -n "$REQLOOP_STATUS" ] && echo "- the in-process client: $REQLOOP_STATUS"
	read -r rb fb <<<"$DAEMON_BEFORE"
	read -r ra fa <<<"$DAEMON_AFTER"
	echo
	echo "shiftmountd's resident memory and open fds: $rb KiB and $fb fds after start-up and one request;"
	echo "$ra KiB and $fa fds after all $(cat "$W"/dlat.* | grep -vc ERR) measured requests."
	echo
	local plot="" pt=7
	for k in $DAEMON_CLIENTS; do
		plot="$plot${plot:+, }\"$W/daemon.$k.dat\" using 1:3 with linespoints lw 2 pt $pt title \"p50, $k\", \"$W/daemon.$k.dat\" using 1:4 with linespoints lw 2 pt $((pt + 1)) dt 2 title \"p99, $k\", \"$W/daemon.$k.dat\" using 1:6 axes x1y2 with linespoints lw 3 pt $((pt + 2)) title \"requests/s, $k\""
		pt=$((pt + 4))
	done
	gnuplot <<EOF 2>>"$W/gnuplot.log"
set terminal pngcairo size 900,480 font "sans,10"
set output "$IMG_DIR/daemon.png"
set title "shiftmountd: request-to-attached latency (left) and requests/s (right)"
set logscale x 2
set xtics ("1" 1, "8" 8, "32" 32)
set xlabel "tenants asking at once"
set ylabel "milliseconds"
set y2label "requests/s"
set y2tics
set ytics nomirror
set yrange [0:*]
set y2range [0:*]
set grid
set key outside right
plot $plot
EOF
	echo "![daemon latency and throughput]($IMG_REL/daemon.png)"
}

# ---------------------------------------------------------------- document
write_report() {
	mkdir -p "$IMG_DIR" "$(dirname "$OUT")"
	local tmp="$OUT.tmp.$$" n t k
	{
		echo "# Benchmarks"
		echo
		echo "What it costs to give a tenant a tree with its own ids: once, to set it up (shiftmount bind against"
		echo "\`chown -R\` and \`cp -a\`), and then on every operation through the mount, against native, a plain"
		echo "bind mount and the userspace alternatives (bindfs, fuse-overlayfs), all measured side by side in one"
		echo "run by \`bench/run\`; and what the delegation daemon costs per request."
		echo
		if [ "$MODE" = quick ]; then
			echo "> **This is a quick run** (\`--quick\`: smaller trees, $RUNS runs, ${FIO_RT} s fio jobs, fewer fio jobs)."
			echo "> It is a smoke test of the harness, not the reference figures; run \`bench/run\` for those."
			echo
		fi
		echo "Made by \`bench/run\` on $DATE_START in $(awk -v s="$ELAPSED" 'BEGIN { printf "%d min %d s", s / 60, s % 60 }') of measuring."
		echo "Regenerate with (as root, from the repository root):"
		echo
		echo '```'
		echo "$CMDLINE"
		echo '```'
		echo
		echo "## Machine"
		echo
		echo "| | |"
		echo "|---|---|"
		machine_info
		echo
		echo "## Goals"
		echo
		echo "| goal | measured | verdict |"
		echo "|---|---|---|"
		goal_rows
		echo
		if measured fuse; then
			echo "Where shiftfs-fuse's time goes (the requests the kernel's FUSE client makes for each file, and"
			echo "what a round trip costs here): [docs/fuse.md](fuse.md#where-the-time-goes)."
			echo
		fi
		echo "Targets that were not measured:"
		echo
		local any=0
		for t in $ALL_TARGETS; do
			if [ -n "${STATUS[$t]}" ]; then
				echo "- ${LABEL[$t]}: ${STATUS[$t]}"
				any=1
			elif [[ " $TARGETS " != *" $t "* ]]; then
				echo "- ${LABEL[$t]}: left out by --only"
				any=1
			fi
		done
		[ -n "${DAEMON_STATUS:-}" ] && { echo "- shiftmountd: $DAEMON_STATUS"; any=1; }
		[ "$any" = 0 ] && echo "- none"
		echo

		if want setup; then
			plot_setup
			echo "## 1. Setup cost: making a tree appear shifted"
			echo
			echo "Time until a tree of N entries (a generated distribution-like tree, see Method) is seen by the"
			echo "tenant with its own ids. Cold cache; chown and cp include the \`syncfs\` that makes them durable."
			echo "Median of $RUNS runs, min–max below it."
			echo
			printf '| entries | shiftmount bind | %schown -R | cp -a | chown -R ÷ bind | cp -a ÷ bind |\n' \
				"$([ -z "${STATUS[fuse]}" ] && echo 'shiftfs-fuse mount | ')"
			printf '|---|---|%s---|---|---|---|\n' "$([ -z "${STATUS[fuse]}" ] && echo '---|')"
			for n in $SETUP_SIZES; do
				local mb mc mp lo hi c
				printf '| %s |' "$n"
				for t in kernel fuse chown cp; do
					[ "$t" = fuse ] && [ -n "${STATUS[fuse]}" ] && continue
					if [ "$t" = kernel ] && [ -n "${STATUS[kernel]}" ]; then
						printf ' %s |' "${STATUS[kernel]}"
						continue
					fi
					read -r c lo hi _ _ <<<"$(agg "setup.$n" "$t")"
					printf ' %s s<br><sub>%s–%s</sub> |' "$(fmt "$c")" "$(fmt "$lo")" "$(fmt "$hi")"
				done
				mb=$(med "setup.$n" kernel)
				mc=$(med "setup.$n" chown)
				mp=$(med "setup.$n" cp)
				printf ' %s | %s |\n' "$(fmt_ratio "$(ratio "$mc" "$mb")")" "$(fmt_ratio "$(ratio "$mp" "$mb")")"
			done
			echo
			echo "![setup cost against tree size]($IMG_REL/setup-cost.png)"
			echo
		fi

		if want latency && [ -z "${STATUS[kernel]}" ]; then
			plot_latency
			echo "## 1b. \`shiftmount bind\` latency"
			echo
			echo "Fork, exec and mount, as a user runs it; $BIND_N binds per tree size in each of the $RUNS runs, the"
			echo "sizes interleaved ten binds at a time, each mount unmounted (untimed) before the next; percentiles"
			echo "over all samples. Warm cache (the setup table above has the cold single binds)."
			echo
			echo "| entries in the tree | binds | p50 | p99 | max |"
			echo "|---|---|---|---|---|"
			for n in $SETUP_SIZES; do
				lat_stats "$W/lat.$n" | awk -v n="$n" '{ printf "| %s | %s | %s ms | %s ms | %s ms |\n", n, $1, $2, $3, $4 }'
			done
			echo
			echo "![bind latency against tree size]($IMG_REL/bind-latency.png)"
			echo
		fi

		if want meta || want fsloop || want fio; then
			echo "## 2. Through the mount, as the tenant"
			echo
			echo "Every command runs as root of a fresh user namespace (uid/gid map \`0 $TENANT_HOST 65536\`), working"
			echo "through the target. Each cell: median of $THROUGH_RUNS runs, the ratio to native, and min–max below."
			echo
			if [ -n "$(meta_keys)" ]; then
				plot_ratios through-metadata.png "Metadata workloads as the tenant: time relative to native (lower is better)" \
					"time ÷ native (log scale)" 1 $(meta_keys)
				echo "### Metadata (seconds, lower is better)"
				echo
				# shellcheck disable=SC2046
				through_table $(meta_keys)
				echo
				echo "![metadata workloads relative to native]($IMG_REL/through-metadata.png)"
				echo
			fi
			if [ -n "$(fio_keys)" ]; then
				plot_ratios through-io.png "fio as the tenant: throughput relative to native (higher is better)" \
					"throughput ÷ native" 0 $(fio_keys)
				echo "### Data (fio, O_DIRECT, $FIO_SIZE file, ${FIO_RT} s per job; higher is better)"
				echo
				# shellcheck disable=SC2046
				through_table $(fio_keys)
				echo
				echo "![fio relative to native]($IMG_REL/through-io.png)"
				echo
			fi
			if measured kernel && measured bind; then
				echo "### Kernel backend against plain bind"
				echo
				kernel_vs_bind_table
				echo
			fi
			if [ -s "$W/owner-check.log" ]; then
				echo "**Ownership check failed** (the target did not store the tenant's files as expected):"
				echo
				sed 's/^/- /' "$W/owner-check.log"
			else
				echo "Ownership check: after the first untar through each target, the tenant's root was stored on disk as"
				echo "uid $TENANT_HOST (native, plain bind: the tree is chowned to the tenant) or uid 0 (every shifting target), as expected."
			fi
			echo
		fi

		if want daemon; then
			echo "## 3. Daemon"
			echo
			if [ -z "${DAEMON_STATUS:-}" ] && [ -n "${DAEMON_P50:-}" ]; then
				daemon_text
			else
				echo "shiftmountd: ${DAEMON_STATUS:-not measured}."
			fi
			echo
		fi

		method_text

		if [ -s "$W/errors.log" ]; then
			echo "## Notes from this run"
			echo
			echo "Messages printed by the measured commands, by target and step (how many lines, and the first ones):"
			echo
			echo '```'
			awk -F': ' '{ k = $1; if (++n[k] == 1) order[++m] = k
				if (n[k] <= 2) first[k] = first[k] "    " substr($0, length(k) + 3, 160) "\n" }
				END { for (i = 1; i <= m; i++) { k = order[i]; printf "%s (%d lines):\n%s", k, n[k], first[k] } }' "$W/errors.log" |
				sed "s|$W|WORK|g"
			echo '```'
			echo
		fi
		echo "<details><summary>Raw results (key, target, value; seconds, MiB/s or IOPS)</summary>"
		echo
		echo '```'
		cat "$RES"
		echo '```'
		echo
		echo "</details>"
	} >"$tmp"
	mv "$tmp" "$OUT"
}

method_text() {
	cat <<EOF
## Method

- **Side by side, interleaved.** One invocation measures every target. Each run visits every target in
  turn (native, plain bind, shiftmount bind, shiftfs-fuse, bindfs, bindfs --multithreaded,
  fuse-overlayfs), and each run starts one target later than the one before (A B C, B C A, C A B, ...),
  so neither slow drift of the machine (other load, page cache growth) nor a target's position after a
  particular neighbour biases one target. Each table cell is the **median** of $RUNS runs ($THROUGH_RUNS through the mount, where one run of all seven targets takes minutes);
  the **spread** (min–max) is printed under it. The ratio is the target's median divided by native's.
- **Timing.** Whole commands are timed with \`clock_gettime(CLOCK_MONOTONIC)\` from fork to reap
  (\`bench/latency.c\`) or with \`date +%s%N\` around them; the create/stat/unlink loop times its phases
  inside the process (\`bench/fsloop.c\`); fio reports its own bandwidth and IOPS.
- **The tenant.** Every through-mount workload runs as root of a fresh user namespace mapped
  \`0 $TENANT_HOST 65536\` (\`tests/helpers/userns-run --map-root $TENANT_HOST\`). For *native* and
  *plain bind* its directory belongs to host uid/gid $TENANT_HOST, as after a \`chown -R\`; for the
  shifting targets the directory on disk belongs to uid 0, and the target shifts disk 0..65535 to
  host $TENANT_HOST..$((TENANT_HOST + 65535)):
  - shiftmount bind: \`shiftmount bind ${SM_SHIFT_DESC:-(not available)} SRC DST\`
  - shiftfs-fuse: \`shiftfs-fuse -f -o map=$MAP_SPEC,allow_other SRC DST\` (passthrough and KILLPRIV_V2 on, the default as root)
  - shiftfs-fuse -o nopassthrough,nokillpriv: the same with \`,nopassthrough,nokillpriv\` (as a build before them, or a rootless mount)
  - bindfs: \`bindfs -f --uid-offset=$TENANT_HOST --gid-offset=$TENANT_HOST SRC DST\` (and with \`--multithreaded\`)
  - fuse-overlayfs: \`fuse-overlayfs -f -o lowerdir=EMPTY,upperdir=SRC,workdir=WORK,uidmapping=$MAP_SPEC,gidmapping=$MAP_SPEC,allow_other DST\`

  After the first untar the harness checks on disk that the tenant's files were stored with the
  expected ids, so a target that silently did not shift cannot produce a number.
- **Test trees.** \`bench/gentree.c\` makes a deterministic tree shaped like a distribution image:
  random nested directories (8%), files mostly under 2 KiB with a tail to 256 KiB (about 7.5 KiB
  on average), relative symlinks (7%), hard links (1%), 93% owned by root and the rest by system ids,
  modes 0644/0755/0600. "Entries" counts everything below the top directory. The through-mount tree
  ($META_FILES entries) is generated once and tarred once; every target untars that same archive.
- **Workloads.** untar: \`tar -xf\` (as root of the namespace, so owners are restored); find:
  \`find tree -printf '%U %G\n'\`; tar: \`tar -cf - tree | cat >/dev/null\` (through a pipe, because GNU
  tar skips reading file data when the archive is /dev/null); rm: \`rm -rf tree\`; then
  \`bench/fsloop.c\` creates $FSLOOP_N empty files, 1000 to a directory, stats each, unlinks each (the
  directories are made in the create phase and removed in the unlink phase); then fio:
  \`--direct=1 --size=$FIO_SIZE --time_based --runtime=$FIO_RT\`, 1 MiB sequential and 4 KiB random with
  \`--ioengine=psync\` (QD1) and \`--ioengine=libaio --iodepth=32\` (QD32), over a file laid out beforehand.
  Jobs in this run: $FIO_JOBS.
- **Page cache.** Setup cost is measured **cold**: \`sync -f\` and \`echo 3 > /proc/sys/vm/drop_caches\`
  before every timed command, since a container starts from an image that is not in memory; chown and cp
  include the \`syncfs\` that makes their work durable. The through-mount metadata workloads are measured
  **warm** (find, tar and rm run on the tree the untar just wrote), which isolates what the mount layer
  costs from what the disk costs; dirty data is written back (\`sync -f\`, untimed) before each step. fio
  uses O_DIRECT so its figures do not come from the page cache.
- **Storage.** A fresh ext4 on a loop device (the loop image is a sparse file on the host's disk), only for
  this run, so the targets share nothing with other processes' files. Since the loop device is buffered
  by the host's page cache, O_DIRECT I/O here is closer to memory speed than to a real disk: this
  magnifies, not hides, the per-request cost of each layer.
- **Setup-cost commands.** bind: \`shiftmount bind ${SM_SHIFT_DESC:-...} TREE DST\`; chown: \`chown -hR
  UID:GID TREE && sync -f\` (alternating $TENANT_HOST and 0, so every run rewrites every inode); cp:
  \`cp -a TREE COPY && sync -f\`$([ "$SETUP_BIG_CP_RUNS" -lt "$RUNS" ] && echo " (for 100k entries and more, in the first $SETUP_BIG_CP_RUNS runs only: each is minutes of I/O)").
- **Isolation and clean-up.** The harness runs in its own mount namespace; everything it mounts is
  unmounted, every process it starts is stopped, and it changes no sysctl (drop_caches is an action, not
  a setting). The machine may be shared: the load average at the start is recorded above.
EOF
	if [ "$MODE" = quick ]; then
		cat <<EOF
- **Quick mode** uses trees of $SETUP_SIZES and $META_FILES entries, a $FSLOOP_N-file loop, $BIND_N binds
  per size and run, fio jobs $FIO_JOBS of ${FIO_RT} s on a $FIO_SIZE file, and $RUNS runs.
EOF
	fi
	echo
}
