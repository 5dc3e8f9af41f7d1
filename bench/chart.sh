#!/bin/sh
# Draw the benchmarks as a chart: multiproc, CPython and the raw reference
# side by side per case (bench_pool, bench_executor, and bench_image when it
# was built), through gnuplot (Debian's gnuplot-nox) into docs/bench-pool.svg.
#
#   bench/chart.sh [--peers] [--build DIR] [--rounds N] [--tsv-dir DIR]
#                  [--no-run] [--no-python] [--out FILE]
#
#   --peers        draw the peers' chart instead (bench/peers_chart.sh):
#                  bench_sync, bench_conn and bench_process, each peer's time
#                  (raw POSIX, APR, libuv, Boost, CPython) over multiproc's,
#                  into docs/bench-peers.svg
#
#   --build DIR    the build whose benchmarks run (default build/gcc-werror,
#                  a Release build: an unoptimised one measures the compiler)
#   --rounds N     rounds of each benchmark, medians over them (default 3)
#   --tsv-dir DIR  where each benchmark's --tsv output is written, or read
#                  with --no-run (default DIR/bench/chart)
#   --no-run       do not run the benchmarks: redraw from the TSVs already in
#                  --tsv-dir (a run takes some minutes)
#   --no-python    leave CPython out of the run (its bars are then missing)
#   --out FILE     the image (default docs/bench-pool.svg, or
#                  docs/bench-peers.svg with --peers; .png draws a PNG)
#
# Run from the source tree's top. Every number on the chart is a median of
# one run's rounds, each benchmark's cases measured in the same run; the
# bars of one case share a run, so compare within a case.
set -eu

build=build/gcc-werror
rounds=3
tsv_dir=
run=1
peers=0
python=
out=
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --tsv-dir) tsv_dir=$2; shift 2 ;;
    --no-run) run=0; shift ;;
    --no-python) python=--no-python; shift ;;
    --peers) peers=1; shift ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "chart.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -n "$tsv_dir" ] || tsv_dir=$build/bench/chart
benches="bench_pool bench_executor"
[ "$peers" = 0 ] || benches="bench_sync bench_conn bench_process"
if [ -z "$out" ]; then
    out=docs/bench-pool.svg
    [ "$peers" = 0 ] || out=docs/bench-peers.svg
fi
here=$(cd "$(dirname "$0")" && pwd)
command -v gnuplot >/dev/null || {
    echo "chart.sh: gnuplot is missing (Debian: apt-get install gnuplot-nox)" >&2
    exit 1
}

# ---- running the benchmarks ------------------------------------------------

# bench_image is another program's (the image example's speedup, optional on
# libvips): it may take --tsv like the others, else its last "speedup ... Nx"
# line is read.
run_image() {
    exe=$build/bench/bench_image
    [ -x "$exe" ] || { rm -f "$tsv_dir/bench_image.tsv"; return 0; }
    if "$exe" --help 2>&1 | grep -q -- --tsv; then
        "$exe" --tsv "$tsv_dir/bench_image.tsv"
    else
        "$exe" | tee "$tsv_dir/bench_image.out" |
            sed -n 's/.*[Ss]peedup[^0-9]*\([0-9][0-9.]*\)x.*/\1/p' | tail -n 1 |
            awk '{ print "kind\tname\tround\tvalue"; print "ratio\timage_speedup\t-\t" $1 }' \
                >"$tsv_dir/bench_image.tsv"
    fi
}

if [ "$run" = 1 ]; then
    mkdir -p "$tsv_dir"
    for b in $benches; do
        [ -x "$build/bench/$b" ] || { echo "chart.sh: no $build/bench/$b (build it first)" >&2; exit 1; }
        echo "chart.sh: running $b --rounds $rounds" >&2
        # shellcheck disable=SC2086 # $python is one flag or nothing
        "$build/bench/$b" --rounds "$rounds" $python --tsv "$tsv_dir/$b.tsv"
    done
    [ "$peers" = 1 ] || run_image
fi
for b in $benches; do
    [ -r "$tsv_dir/$b.tsv" ] || { echo "chart.sh: no $tsv_dir/$b.tsv (run without --no-run)" >&2; exit 1; }
done

# ---- the chart's data --------------------------------------------------------

if [ "$peers" = 1 ]; then
    # shellcheck source=bench/peers_chart.sh
    . "$here/peers_chart.sh"
    exit 0
fi

# The median of metric $2 in TSV $1 ("?" when the run did not measure it:
# gnuplot then draws no bar).
median() {
    awk -F '\t' -v n="$2" '$1 == "metric" && $2 == n { v = $4 } END { print (v == "" ? "?" : v) }' "$1"
}

# The value of ratio $2 (num/den) in TSV $1, or "?".
ratio() {
    [ -r "$1" ] || { echo "?"; return; }
    awk -F '\t' -v n="$2" '$1 == "ratio" && $2 == n { v = $4 } END { print (v == "" ? "?" : v) }' "$1"
}

# The image example's speedup: its TSV's first ratio with "serial" in its name
# (serial time over the 2 workers'), else its "image_speedup".
image_speedup() {
    f=$tsv_dir/bench_image.tsv
    [ -r "$f" ] || { echo "?"; return; }
    awk -F '\t' '$1 == "ratio" && ($2 ~ /serial/ || $2 == "image_speedup") && v == "" { v = $4 }
                 END { print (v == "" ? "?" : v) }' "$f"
}

pool=$tsv_dir/bench_pool.tsv
exe=$tsv_dir/bench_executor.tsv
data=$tsv_dir/chart.dat
raw_p=$(median "$pool" raw_task_rings_pipelined)
raw_e=$(median "$exe" raw_task_rings_pipelined)
{
    echo "# rates, Mtasks/s: case multiproc CPython raw"
    printf '"Pool.map\\nauto chunksize" %s %s %s\n' "$(median "$pool" mp_pool_map_auto)" \
        "$(median "$pool" cpython_pool_map_auto)" "$raw_p"
    printf '"Pool.map\\nchunksize 1" %s %s %s\n' "$(median "$pool" mp_pool_map_chunk1)" \
        "$(median "$pool" cpython_pool_map_chunk1)" "$raw_p"
    printf '"Pool.imap, 10M\\nfrom an iterator" %s %s %s\n' "$(median "$pool" mp_pool_imap_10M)" \
        "$(median "$pool" cpython_pool_imap)" "$raw_p"
    printf '"Executor.map\\nauto chunksize" %s %s %s\n' "$(median "$exe" mp_map_auto_chunksize)" \
        "$(median "$exe" cpython_map_chunk1000)" "$raw_e"
    printf '"Executor submit\\nburst" %s %s %s\n' "$(median "$exe" mp_submit_burst)" \
        "$(median "$exe" cpython_submit_burst)" "$raw_e"
    printf '"Executor submit\\none at a time" %s %s %s\n' "$(median "$exe" mp_submit_one_at_a_time)" \
        "$(median "$exe" cpython_submit_one_at_a_time)" "$(median "$exe" raw_task_rings_one_at_a_time)"
    printf '\n\n'
    echo "# speedups with 2 workers: case multiproc CPython raw"
    printf '"CPU-bound tasks\\n(executor)" %s ? %s\n' "$(ratio "$exe" cpu_serial/mp_cpu_2workers)" \
        "$(ratio "$exe" cpu_serial/raw_cpu_2forks)"
    img=$(image_speedup)
    [ "$img" = "?" ] || printf '"image example\\n(libvips)" %s ? ?\n' "$img"
    printf '\n\n'
    echo "# imap peak RSS of the parent, MiB: case multiproc CPython"
    printf '"imap 1M" %s %s\n' "$(median "$pool" mp_pool_imap_1M_peak_rss)" \
        "$(median "$pool" cpython_pool_imap_peak_rss)"
    printf '"imap 10M" %s ?\n' "$(median "$pool" mp_pool_imap_10M_peak_rss)"
} >"$data"

# When the run was, for the chart's title.
when=$(date -u -r "$pool" '+%Y-%m-%d %H:%M UTC')
title="multiproc beside CPython 3.11 multiprocessing and the raw OS limit (2 workers, 2 vCPUs; medians; $when)"

mkdir -p "$(dirname "$out")"
gnuplot -c "$here/chart.gp" "$data" "$out" "$title"
echo "chart.sh: wrote $out (its data: $data)" >&2
