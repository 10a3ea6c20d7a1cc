#!/usr/bin/env bash
# Plaintext benchmark: KestrelPlaintext on Kestrel's socket transport and on BypassNet, same build, same machine,
# alternating rounds so background load hits both alike. Prints median RPS of each, the ratio and socket errors.
#
#   Samples/KestrelPlaintext/bench.sh [rounds] [duration] [connections]
# Environment: BYPASS_ARGS (extra server args for the bypassnet run, default "--inline true"), WRK_THREADS (2).
set -euo pipefail

ROUNDS=${1:-5}
DURATION=${2:-10s}
CONNECTIONS=${3:-64}
THREADS=${WRK_THREADS:-2}
BYPASS_ARGS=${BYPASS_ARGS:---inline true}
SOCKETS_PORT=5601
BYPASS_PORT=5602

here=$(cd "$(dirname "$0")" && pwd)
out="$here/bin/bench"
pids=()

cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

if ! command -v wrk >/dev/null 2>&1; then
    echo "wrk not found: installing the Debian package" >&2
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

echo "Building Release once..." >&2
dotnet publish "$here/KestrelPlaintext.csproj" -c Release -o "$out" -v quiet -nologo >/dev/null

start_server() { # transport port extra-args...
    local transport=$1 port=$2
    shift 2
    dotnet "$out/KestrelPlaintext.dll" --transport "$transport" --urls "http://127.0.0.1:$port" "$@" >"$out/$transport.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        if curl -fs "http://127.0.0.1:$port/plaintext" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    echo "server $transport did not come up; log:" >&2
    cat "$out/$transport.log" >&2
    exit 1
}

# shellcheck disable=SC2086
start_server sockets $SOCKETS_PORT
# shellcheck disable=SC2086
start_server bypassnet $BYPASS_PORT $BYPASS_ARGS

run_wrk() { # port duration -> "rps errors"
    local report rps errors
    report=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" "http://127.0.0.1:$1/plaintext")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
    # wrk prints "Socket errors: connect a, read b, write c, timeout d" only when there were any.
    errors=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' <<<"$report")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$report")
    echo "$rps $(( ${errors:-0} + ${non2xx:-0} ))"
}

echo "Warming up both servers..." >&2
run_wrk $SOCKETS_PORT 3s >/dev/null
run_wrk $BYPASS_PORT 3s >/dev/null

sockets_rps=()
bypass_rps=()
sockets_errors=0
bypass_errors=0
for round in $(seq 1 "$ROUNDS"); do
    read -r rps err < <(run_wrk $SOCKETS_PORT "$DURATION")
    sockets_rps+=("$rps"); sockets_errors=$((sockets_errors + err))
    read -r rps2 err2 < <(run_wrk $BYPASS_PORT "$DURATION")
    bypass_rps+=("$rps2"); bypass_errors=$((bypass_errors + err2))
    printf 'round %d: sockets %10.0f rps   bypassnet %10.0f rps\n' "$round" "$rps" "$rps2"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ms=$(median "${sockets_rps[@]}")
mb=$(median "${bypass_rps[@]}")
ratio=$(awk -v b="$mb" -v s="$ms" 'BEGIN {printf "%.2f", b / s}')

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS rounds, median:"
printf '  Kestrel sockets   : %10.0f rps  (socket errors + non-2xx: %d)\n' "$ms" "$sockets_errors"
printf '  Kestrel bypassnet : %10.0f rps  (socket errors + non-2xx: %d)  [%s]\n' "$mb" "$bypass_errors" "$BYPASS_ARGS"
echo "  ratio bypassnet/sockets: ${ratio}x"
