# The peers' chart's data and drawing, sourced by `bench/chart.sh --peers`
# (which runs bench_sync, bench_conn and bench_process into $tsv_dir): for
# each operation that multiproc shares with the libraries a C programmer
# would pick instead, each peer's time divided by multiproc's in the same run
# (1.0 is level; above 1, multiproc is faster), drawn by peers_chart.gp into
# $out. A peer the build lacks (libuv, Boost) or a run did not measure has
# no bar.

# peer/multiproc for metric $3 over metric $2 in TSV $1 (medians, column 4),
# or "?" when either was not measured.
rel() {
    awk -F '\t' -v mp="$2" -v peer="$3" '
        $1 == "metric" && $2 == mp { m = $4 }
        $1 == "metric" && $2 == peer { p = $4 }
        END { print (m == "" || p == "" || m == 0 ? "?" : sprintf("%.3f", p / m)) }' "$1"
}

sync=$tsv_dir/bench_sync.tsv
conn=$tsv_dir/bench_conn.tsv
proc=$tsv_dir/bench_process.tsv
data=$tsv_dir/peers.dat
# One row per operation: the multiproc metric, then raw, APR, libuv, Boost and
# CPython's metric for the same operation ("-": that peer has none).
row() {
    file=$1 label=$2 mp=$3
    shift 3
    printf '"%s"' "$label"
    for peer in "$@"; do
        if [ "$peer" = - ]; then printf ' ?'; else printf ' %s' "$(rel "$file" "$mp" "$peer")"; fi
    done
    printf '\n'
}
{
    echo "# peer time / multiproc time: operation raw APR libuv Boost CPython"
    row "$sync" 'lock+unlock\nuncontended' mp_lock_uncontended raw_mutex_pshared_uncontended \
        apr_proc_mutex_uncontended - boost_mutex_uncontended cpython_lock_uncontended
    row "$sync" 'increment,\n2 processes' mp_lock_contended_incr raw_mutex_contended_incr \
        apr_proc_mutex_contended_incr - boost_mutex_contended_incr cpython_contended_incr
    row "$sync" 'increment,\n8 processes' mp_lock_8procs_contended_incr raw_mutex_8procs_contended_incr - - - -
    row "$sync" 'shared memory\ncreate' mp_shm_create_cold raw_shm_create_cold apr_shm_create_cold - - \
        cpython_shm_create_cold
    row "$conn" '64 B round trip' mp_pipe_pingpong_64B raw_socketpair_pingpong_64B \
        apr_socket_pingpong_64B libuv_pipe_pingpong_64B - cpython_pipe_pingpong_64B
    row "$conn" '64 B round trip,\none CPU' mp_pipe_pingpong_64B_samecpu raw_socketpair_pingpong_64B_samecpu \
        apr_socket_pingpong_64B_samecpu libuv_pipe_pingpong_64B_samecpu - cpython_pipe_pingpong_64B_samecpu
    row "$proc" 'fork\nstart+join' mp_fork raw_fork_waitpid apr_proc_fork - - cpython_fork
    row "$proc" 'spawn\nstart+join' mp_spawn raw_posix_spawn_self apr_proc_create_self uv_spawn_self - cpython_spawn
} >"$data"

when=$(date -u -r "$sync" '+%Y-%m-%d %H:%M UTC')
title="Each peer's time over multiproc's in the same run (above 1: multiproc is faster; medians; 2 vCPUs; $when)"
mkdir -p "$(dirname "$out")"
gnuplot -c "$here/peers_chart.gp" "$data" "$out" "$title"
echo "chart.sh: wrote $out (its data: $data)" >&2
