# Helpers shared by the GPU benchmark scripts (sourced, not run).
# The caller sets: summary (file say() appends to), native (nvdec_native),
# MIN_SECONDS (calibrate's target for one stream).

say() { echo "$*" | tee -a "$summary"; }

# field NAME < RESULT-line: value of NAME=...
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

# median and spread ((max-min)/median, %) of numbers on stdin; the median
# with DIGITS decimals (default 1)
stats() { sort -g | awk -v d="${1:-1}" '{v[NR]=$1} END {
    if (!NR) { print "nan nan"; exit }
    m = NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2;
    printf "%." d "f %.1f\n", m, (m > 0 ? 100 * (v[NR] - v[1]) / m : 0) }'; }

# repeat count so that one stream decodes for >= MIN_SECONDS
calibrate() { # clipfile -> K
    local line frames secs
    line=$("$native" "$1" | tail -n 1)
    frames=$(echo "$line" | field frames); secs=$(echo "$line" | field seconds)
    awk -v f="$frames" -v s="$secs" -v m="$MIN_SECONDS" \
        'BEGIN { if (f <= 0 || s <= 0) { print 1; exit } k = m / s; print (k == int(k)) ? k : int(k) + 1 }'
}

# utime+stime and cutime+cstime of PID, clock ticks
ticks() { awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[12] + f[13], f[14] + f[15] }' \
    "/proc/$1/stat" 2>/dev/null || echo "0 0"; }

# cpu_now DAEMON_PID -> "daemon_ticks workers_ticks": the workers are its
# live children and those it has reaped (its cutime + cstime).
cpu_now() {
    local own reaped w=0 p t
    read -r own reaped < <(ticks "$1")
    for p in $(pgrep -P "$1"); do t=$(ticks "$p"); w=$((w + ${t% *})); done
    echo "$own $((reaped + w))"
}

# clip_frames CLIP: its frames as ffmpeg decodes them
clip_frames() {
    ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
        -of csv=p=0 "$1"
}

# ticks_per_frame U0 S0 U1 S1 N: ms per frame of the CPU ticks (utime,
# stime) between two readings, over N frames
ticks_per_frame() {
    awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" -v hz="$(getconf CLK_TCK)" -v n="$5" \
        'BEGIN { printf "%.2f\n", 1000 * ((c + d) - (a + b)) / hz / n }'
}
