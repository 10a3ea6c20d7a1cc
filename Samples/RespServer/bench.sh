#!/usr/bin/env bash
# Benchmarks the RESP server sample AT ITS DEFAULTS (no flags but the port: engine auto, one ring, inline
# continuations) against a real redis-server with redis-benchmark, in one run, interleaved round by round, and prints
# median requests/s per test, the ratio sample/redis-server, and server CPU time per request for both. SOCKET=1 adds
# the sample on the socket engine as a third column.
#
#   Samples/RespServer/bench.sh            # defaults below
#   N=500000 REPEAT=5 Samples/RespServer/bench.sh
#
# Settings (environment):
#   N          requests per test without pipelining           (default 200000)
#   NP         requests per test with -P 16                    (default 1000000)
#   CLIENTS    redis-benchmark connections (-c)                (default 50)
#   REPEAT     rounds; each cell is the median of the rounds   (default 3)
#   SOCKET     1 = also measure the sample with --engine socket (default 0)
#   SAMPLE_ARGS extra sample flags, e.g. "--rings 2" (default none: the sample's defaults)
#   PIN        1 = server on CPU 0, redis-benchmark on CPU 1   (default 1 when taskset exists and there are >= 2 CPUs)
#   NICE       run servers and redis-benchmark at this nice level, e.g. -10 on a busy shared machine (default: unchanged)
#   SKIP_BUILD 1 = use the existing Release build
#
# Fairness: redis-server runs its commands on one thread, and so does the sample at its defaults (one ring, inline
# continuations); on a 2-core machine the other core is redis-benchmark's. Targets are interleaved round by round so
# that background load hits all of them alike. Needs redis-server and redis-benchmark (apt: redis-server redis-tools).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
N="${N:-200000}"
NP="${NP:-1000000}"
CLIENTS="${CLIENTS:-50}"
REPEAT="${REPEAT:-3}"
SOCKET="${SOCKET:-0}"
SAMPLE_ARGS="${SAMPLE_ARGS:-}"
TESTS="ping,set,get"
NAMES=(PING_INLINE PING_MBULK SET GET)

for tool in redis-server redis-benchmark redis-cli dotnet; do
    command -v "$tool" >/dev/null || { echo "bench.sh: $tool not found (apt-get install -y redis-server redis-tools; .NET SDK 10)" >&2; exit 1; }
done

if [[ -z "${PIN:-}" ]]; then
    if command -v taskset >/dev/null && [[ "$(nproc)" -ge 2 ]]; then PIN=1; else PIN=0; fi
fi
server_cpu=(); client_cpu=()
if [[ -n "${NICE:-}" ]]; then server_cpu=(nice -n "$NICE"); client_cpu=(nice -n "$NICE"); fi
if [[ "$PIN" == 1 ]]; then server_cpu+=(taskset -c 0); client_cpu+=(taskset -c 1); fi

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    dotnet build "$here/RespServer.csproj" -c Release -v quiet -nologo >"${TMPDIR:-/tmp}/respserver-build.log" 2>&1 \
        || { cat "${TMPDIR:-/tmp}/respserver-build.log" >&2; echo "bench.sh: build failed" >&2; exit 1; }
fi
build="$root/Samples/RespServer/bin/Release/net10.0"
[[ -x "$build/RespServer" ]] || { echo "bench.sh: $build/RespServer missing (build failed?)" >&2; exit 1; }

. "$root/Samples/bench-common.sh"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM
# Run a private copy, so a rebuild during the benchmark cannot change the binary under a running server.
cp -r "$build" "$work/sample"
sample="$work/sample/RespServer"

wait_ready() { # port, log
    for _ in $(seq 1 300); do
        if [[ "$(redis-cli -p "$1" PING 2>/dev/null)" == PONG ]]; then return 0; fi
        sleep 0.1
    done
    echo "bench.sh: server on port $1 did not come up:" >&2; cat "$2" >&2; exit 1
}

declare -A port pid
start_redis() {
    port[redis]="$(free_port)"
    "${server_cpu[@]}" redis-server --port "${port[redis]}" --save '' --appendonly no --daemonize no >"$work/redis.log" 2>&1 &
    pid[redis]=$!; pids+=("$!")
    wait_ready "${port[redis]}" "$work/redis.log"
}
start_sample() { # sample (its defaults) | socket (--engine socket)
    local extra=()
    [[ "$1" == socket ]] && extra=(--engine socket)
    port[$1]="$(free_port)"
    # shellcheck disable=SC2086
    "${server_cpu[@]}" "$sample" --port "${port[$1]}" "${extra[@]}" $SAMPLE_ARGS >"$work/$1.log" 2>&1 &
    pid[$1]=$!; pids+=("$!")
    for _ in $(seq 1 300); do grep -q listening "$work/$1.log" && break; sleep 0.1; done
    grep -q listening "$work/$1.log" || { echo "bench.sh: sample ($1) did not start:" >&2; cat "$work/$1.log" >&2; exit 1; }
    if [[ "$1" == sample ]] && ! grep -q "engine IoUring" "$work/$1.log"; then
        echo "bench.sh: warning: the sample at its defaults is not on io_uring: $(cat "$work/$1.log")" >&2
    fi
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run target pipeline requests -> appends "test rps" lines to $work/result.<target>.<pipeline>, CPU ticks to .cpu
run() {
    local target=$1 pipeline=$2 requests=$3 before after
    before="$(cpu_ticks "${pid[$target]}")"
    "${client_cpu[@]}" redis-benchmark -p "${port[$target]}" -t "$TESTS" -c "$CLIENTS" -n "$requests" -P "$pipeline" -q 2>/dev/null \
        | tr '\r' '\n' | awk -F'[:, ]+' '/requests per second/ { print $1, $2 }' >>"$work/result.$target.$pipeline"
    after="$(cpu_ticks "${pid[$target]}")"
    echo $((after - before)) >>"$work/cpu.$target.$pipeline"
}


targets=(redis sample)
[[ "$SOCKET" == 1 ]] && targets+=(socket)
start_redis
start_sample sample
[[ "$SOCKET" == 1 ]] && start_sample socket

echo "Warming up (JIT tiering of the sample, page cache, connections)..." >&2
for target in "${targets[@]}"; do
    "${client_cpu[@]}" redis-benchmark -p "${port[$target]}" -t "$TESTS" -c "$CLIENTS" -n 100000 -q >/dev/null 2>&1
    "${client_cpu[@]}" redis-benchmark -p "${port[$target]}" -t "$TESTS" -c "$CLIENTS" -n 200000 -P 16 -q >/dev/null 2>&1
done

for round in $(seq 1 "$REPEAT"); do
    echo "Round $round/$REPEAT..." >&2
    for pipeline in 1 16; do
        requests=$N; [[ $pipeline == 16 ]] && requests=$NP
        # Alternate the order so that no target always follows the same one.
        order=("${targets[@]}"); (( round % 2 == 0 )) && order=($(printf '%s\n' "${targets[@]}" | tac))
        for target in "${order[@]}"; do run "$target" "$pipeline" "$requests"; done
    done
done

hz="$(getconf CLK_TCK)"
cell() { awk -v t="$3" '$1 == t { print $2 }' "$work/result.$1.$2" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
cpu_per_request() { # target pipeline requests -> microseconds of server CPU per request
    median <"$work/cpu.$1.$2" | awk -v hz="$hz" -v n="$3" -v k="${#NAMES[@]}" '{ printf "%.2f", $1 / hz * 1e6 / (n * k) }'
}

redis_version="$(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')"
echo
echo "RESP server sample vs redis-server $redis_version: redis-benchmark -t $TESTS -c $CLIENTS -q, -n $N (-n $NP with -P 16)"
echo "median of $REPEAT interleaved rounds; sample: $(sed -n 's/.*(\(engine.*\))/\1/p' "$work/sample.log" | head -1)${SAMPLE_ARGS:+ plus $SAMPLE_ARGS}"
echo "pinned: $([[ $PIN == 1 ]] && echo 'servers CPU 0, redis-benchmark CPU 1' || echo no); nice: ${NICE:-0}; $(nproc) CPUs; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
header=(test -P redis-server sample ratio); [[ "$SOCKET" == 1 ]] && header+=(sample-socket ratio)
if [[ "$SOCKET" == 1 ]]; then printf '%-12s %-4s %14s %14s %7s %14s %7s\n' "${header[@]}"; else printf '%-12s %-4s %14s %14s %7s\n' "${header[@]}"; fi
for pipeline in 1 16; do
    sum_r=0; sum_i=0
    for name in "${NAMES[@]}" SUM; do
        if [[ $name == SUM ]]; then r=$sum_r; i=$sum_i; s=${sum_s:-0}
        else
            r="$(cell redis "$pipeline" "$name")"; i="$(cell sample "$pipeline" "$name")"
            sum_r=$(awk -v a="$sum_r" -v b="$r" 'BEGIN { print a + b }'); sum_i=$(awk -v a="$sum_i" -v b="$i" 'BEGIN { print a + b }')
            if [[ "$SOCKET" == 1 ]]; then s="$(cell socket "$pipeline" "$name")"; sum_s=$(awk -v a="${sum_s:-0}" -v b="$s" 'BEGIN { print a + b }'); fi
        fi
        if [[ "$SOCKET" == 1 ]]; then
            printf '%-12s %-4s %14.0f %14.0f %7s %14.0f %7s\n' "$name" "$pipeline" "$r" "$i" "$(ratio "$i" "$r")" "$s" "$(ratio "$s" "$r")"
        else
            printf '%-12s %-4s %14.0f %14.0f %7s\n' "$name" "$pipeline" "$r" "$i" "$(ratio "$i" "$r")"
        fi
    done
    sum_s=0
done
echo
echo "server CPU time per request (µs, lower is better; the same load generator drives every target):"
for pipeline in 1 16; do
    requests=$N; [[ $pipeline == 16 ]] && requests=$NP
    r="$(cpu_per_request redis "$pipeline" "$requests")"; i="$(cpu_per_request sample "$pipeline" "$requests")"
    line="$(printf '  -P %-3s redis-server %6s   sample %6s (%s)' "$pipeline" "$r" "$i" "$(ratio "$i" "$r")")"
    [[ "$SOCKET" == 1 ]] && line+="$(printf '   sample-socket %6s' "$(cpu_per_request socket "$pipeline" "$requests")")"
    echo "$line"
done
