#!/usr/bin/env bash
# Plaintext benchmark: KestrelPlaintext on stock Kestrel (sockets), on UseBypassNet() in its default mode, and on
# UseBypassNet() with InlineContinuations, same build, all up at once, wrk rounds interleaved between them so
# background load hits all alike. For each connection count it prints medians of requests/s, server CPU time per
# request (utime+stime from /proc/PID/stat over the wrk run), p50/p99 latency (wrk --latency) and the server's RSS
# after the run, with ratios over stock Kestrel.
#
#   Samples/KestrelPlaintext/bench.sh [rounds] [duration] [connection counts]     # defaults: 5 10s "64 1000"
# Environment: WRK_THREADS (2), SKIP_BUILD (0).
set -euo pipefail

ROUNDS=${1:-5}
DURATION=${2:-10s}
CONNECTIONS=${3:-64 1000}
THREADS=${WRK_THREADS:-2}

here=$(cd "$(dirname "$0")" && pwd)
out="$here/bin/bench"
. "$here/../bench-common.sh"
work=$(mktemp -d)
pids=()
cleanup() {
    stop_all
    rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM
# wrk -c1000 needs a descriptor per connection.
ulimit -n "$(ulimit -Hn)"

if ! command -v wrk >/dev/null 2>&1; then
    echo "wrk not found: installing the Debian package" >&2
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    echo "Building Release once..." >&2
    dotnet publish "$here/KestrelPlaintext.csproj" -c Release -o "$out" -v quiet -nologo >/dev/null
fi

names=(stock bypassnet inline)
declare -A port pid args
args[stock]="--transport sockets"
args[bypassnet]="--transport bypassnet"
args[inline]="--transport bypassnet --inline true"
start_server() { # name
    local name=$1
    port[$name]=$(free_port)
    # shellcheck disable=SC2086
    dotnet "$out/KestrelPlaintext.dll" ${args[$name]} --urls "http://127.0.0.1:${port[$name]}" >"$work/$name.log" 2>&1 &
    pid[$name]=$!; pids+=("$!")
    for _ in $(seq 1 200); do
        if curl -fs "http://127.0.0.1:${port[$name]}/plaintext" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "server $name did not come up; log:" >&2; cat "$work/$name.log" >&2; exit 1
}
for name in "${names[@]}"; do start_server "$name"; done

hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_mib() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
to_us() { awk '{ v = $1; if (v ~ /us$/) { sub("us", "", v); print v } else if (v ~ /ms$/) { sub("ms", "", v); print v * 1000 } else if (v ~ /s$/) { sub("s", "", v); print v * 1e6 } else print "nan" }'; }

# One wrk run against a server: appends "rps cpu_us_per_request p50_us p99_us rss_mib errors" to its result file.
run_wrk() { # name connections duration record(0|1)
    local name=$1 c=$2 before after report requests rps p50 p99 errors non2xx
    before=$(cpu_ticks "${pid[$name]}")
    report=$(wrk -t"$THREADS" -c"$c" -d"$3" --latency "http://127.0.0.1:${port[$name]}/plaintext")
    after=$(cpu_ticks "${pid[$name]}")
    [[ $4 == 1 ]] || return 0
    requests=$(awk '/requests in/ { print $1 }' <<<"$report")
    rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$report")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$report" | to_us)
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$report" | to_us)
    # wrk prints "Socket errors: connect a, read b, write c, timeout d" only when there were any.
    errors=$(awk -F'[ ,]+' '/Socket errors/ { print $4 + $6 + $8 + $10 }' <<<"$report")
    non2xx=$(awk '/Non-2xx/ { print $NF }' <<<"$report")
    echo "$rps $(awk -v t=$((after - before)) -v hz="$hz" -v n="$requests" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }') $p50 $p99 $(rss_mib "${pid[$name]}") $(( ${errors:-0} + ${non2xx:-0} ))" \
        >>"$work/result.$name.$c"
}

echo "Warming up each server (3 s per connection count)..." >&2
for c in $CONNECTIONS; do for name in "${names[@]}"; do run_wrk "$name" "$c" 3s 0; done; done

for round in $(seq 1 "$ROUNDS"); do
    for c in $CONNECTIONS; do
        # Alternate the order so that no server always follows the same one.
        order=("${names[@]}"); (( round % 2 == 0 )) && order=(inline bypassnet stock)
        line="round $round -c$c:"
        for name in "${order[@]}"; do
            run_wrk "$name" "$c" "$DURATION" 1
            line+=$(awk -v n="$name" 'END { printf "  %s %.0f rps %.1f us/req p99 %.0f us", n, $1, $2, $4 }' "$work/result.$name.$c")
        done
        echo "$line"
    done
done

col() { awk -v k="$3" '{ print $k }' "$work/result.$1.$2" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
label() { case $1 in stock) echo "stock Kestrel (sockets)";; bypassnet) echo "UseBypassNet() default";; inline) echo "UseBypassNet() inline";; esac; }

echo
echo "KestrelPlaintext, wrk -t$THREADS -d$DURATION --latency, medians of $ROUNDS interleaved rounds; $(nproc) CPUs; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
for c in $CONNECTIONS; do
    echo
    echo "-c$c"
    printf '  %-32s %12s %12s %10s %10s %9s %7s\n' server "requests/s" "CPU us/req" "p50 us" "p99 us" "RSS MiB" errors
    for name in "${names[@]}"; do
        errors=$(awk '{ s += $6 } END { print s + 0 }' "$work/result.$name.$c")
        printf '  %-32s %12.0f %12s %10.0f %10.0f %9s %7s\n' "$(label "$name")" "$(col "$name" "$c" 1)" "$(col "$name" "$c" 2)" "$(col "$name" "$c" 3)" "$(col "$name" "$c" 4)" "$(col "$name" "$c" 5)" "$errors"
    done
    for name in bypassnet inline; do
        printf '  %-32s %12s %12s %10s %10s %9s\n' "$(label "$name") / stock" \
            "$(ratio "$(col "$name" "$c" 1)" "$(col stock "$c" 1)")" "$(ratio "$(col "$name" "$c" 2)" "$(col stock "$c" 2)")" \
            "$(ratio "$(col "$name" "$c" 3)" "$(col stock "$c" 3)")" "$(ratio "$(col "$name" "$c" 4)" "$(col stock "$c" 4)")" \
            "$(ratio "$(col "$name" "$c" 5)" "$(col stock "$c" 5)")"
    done
done
