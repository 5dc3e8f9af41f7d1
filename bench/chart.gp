# The benchmarks' chart, drawn by chart.sh:
#   gnuplot -c chart.gp DATAFILE OUTFILE TITLE
# (OUTFILE ending in .png draws a PNG, else an SVG): three panels side by side.
#   1. tiny-task rates, Mtasks/s, log scale (multiproc, CPython and the raw
#      rings differ by up to four orders of magnitude);
#   2. speedups with 2 workers (serial time over parallel time), linear;
#   3. the parent's peak RSS during an imap of 1M and of 10M items, MiB.
# Data blocks (index 0, 1, 2): "case" multiproc CPython [raw]; "?" is a
# value the run did not measure (no bar).

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
set key top right font ",10" samplen 1.5
set xtics nomirror font ",9"
set ytics nomirror
set tics scale 0.5
set border 3
set bmargin 4

c_mp = "#1f77b4"
c_py = "#ff7f0e"
c_raw = "#7f7f7f"

# A bar's value above it: cluster i (column 0), bar k of n.
barx(k, n) = $0 + (k - (n - 1) / 2.0) / (n + 1.0)
num(v) = v >= 100 ? sprintf("%.0f", v) : v >= 1 ? sprintf("%.3g", v) : sprintf("%.2g", v)

set multiplot title chart_title font ",12"

# ---- 1. rates --------------------------------------------------------------
set origin 0, 0
set size 0.6, 0.95
set logscale y
set yrange [0.001:3000]
set format y "%g"
set ylabel "million tasks per second (log scale)"
set title "tiny tasks (x*x): rates, higher is better" font ",11"
plot datafile index 0 using 2:xtic(1) title "multiproc" lc rgb c_mp, \
     '' index 0 using 3 title "CPython" lc rgb c_py, \
     '' index 0 using 4 title "raw rings (C, shared memory)" lc rgb c_raw, \
     '' index 0 using (barx(0, 3)):2:(num($2)) with labels offset 0, 0.6 font ",8" notitle, \
     '' index 0 using (barx(1, 3)):3:(num($3)) with labels offset 0, 0.6 font ",8" notitle, \
     '' index 0 using (barx(2, 3)):4:(num($4)) with labels offset 0, 0.6 font ",8" notitle

# ---- 2. speedups -----------------------------------------------------------
unset logscale y
set origin 0.6, 0
set size 0.2, 0.95
set yrange [0:2.4]
set ytics 0.5
set ylabel "serial time / time with 2 workers"
set title "speedup with 2 workers" font ",11"
set key top left
plot datafile index 1 using 2:xtic(1) title "multiproc" lc rgb c_mp, \
     '' index 1 using 4 title "raw fork()" lc rgb c_raw, \
     '' index 1 using (barx(0, 2)):2:(sprintf("%.2fx", $2)) with labels offset 0, 0.6 font ",8" notitle, \
     '' index 1 using (barx(1, 2)):4:(sprintf("%.2fx", $4)) with labels offset 0, 0.6 font ",8" notitle

# ---- 3. imap's memory --------------------------------------------------------
set origin 0.8, 0
set size 0.2, 0.95
set yrange [0:*]
set offsets 0, 0, graph 0.25, 0
set ytics autofreq
set ylabel "peak RSS of the parent, MiB"
set title "imap: the parent's memory" font ",11"
set key top left
plot datafile index 2 using 2:xtic(1) title "multiproc" lc rgb c_mp, \
     '' index 2 using 3 title "CPython (1M)" lc rgb c_py, \
     '' index 2 using (barx(0, 2)):2:(sprintf("%.1f", $2)) with labels offset 0, 0.6 font ",8" notitle, \
     '' index 2 using (barx(1, 2)):3:(sprintf("%.1f", $3)) with labels offset 0, 0.6 font ",8" notitle

unset multiplot
