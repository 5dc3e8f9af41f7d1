# The peers' chart, drawn by peers_chart.sh:
#   gnuplot -c peers_chart.gp DATAFILE OUTFILE TITLE
# (OUTFILE ending in .png draws a PNG, else an SVG). One cluster per
# operation, one bar per peer: its time over multiproc's, on a log scale
# (CPython is ten times slower at some operations, raw POSIX level with
# multiproc at others); the line at 1 is multiproc.
# Data: "operation" raw APR libuv Boost CPython; "?" is no bar.

datafile = ARG1
outfile = ARG2
chart_title = ARG3
if (outfile[strlen(outfile) - 3:] eq ".png") {
    set terminal pngcairo size 1400, 560 font "sans,10"
} else {
    set terminal svg size 1400, 560 dynamic font "sans,11" background "white"
}
set output outfile
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics lc rgb "#dddddd"
set key top left font ",10" samplen 1.5
set xtics nomirror font ",9"
set ytics nomirror
set tics scale 0.5
set border 3
set bmargin 4
set logscale y
set yrange [0.25:*]
set ylabel "peer time / multiproc time (log scale)"
set title chart_title font ",11"
set arrow from graph 0, first 1 to graph 1, first 1 nohead lc rgb "#1f77b4" lw 2 front

plot datafile using 2:xtic(1) title "raw POSIX" lc rgb "#7f7f7f", \
     "" using 3 title "APR" lc rgb "#2ca02c", \
     "" using 4 title "libuv" lc rgb "#9467bd", \
     "" using 5 title "Boost.Interprocess" lc rgb "#8c564b", \
     "" using 6 title "CPython" lc rgb "#ff7f0e"
