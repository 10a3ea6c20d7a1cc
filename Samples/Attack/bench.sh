#!/usr/bin/env bash
# Stalled peers and idle connections (issue 13), one command, bounded in time:
#  1. a healthy client's p50/p99 (one kept connection, a request every 10 ms) while 0, 100 and 1,000 peers push
#     MiB each with a 4 KiB SO_RCVBUF and never read; servers interleaved round by round, medians printed;
#  2. server memory per idle connection at 10,000 and 19,000 connections, from the server's VmRSS growth.
# Servers: the EchoServer sample at its defaults (BypassNet), the System.Net.Sockets echo (Samples/Demo
# --serve-sockets), and with RESP=1 the RespServer sample at its defaults (probed with PING, peers pipeline PINGs).
#
#   Samples/Attack/bench.sh                 # ~4 minutes
# Settings (environment): ROUNDS (3), HOLD seconds per measurement (5), PEERS ("0 100 1000"), MIB per peer (4),
#   STEPS idle-connection counts (10000,19000; the fd hard limit here is 20,000), RESP (0), SKIP_BUILD (0), MEMORY (1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ROUNDS=${ROUNDS:-3}
HOLD=${HOLD:-5}
PEERS=${PEERS:-0 100 1000}
MIB=${MIB:-4}
STEPS=${STEPS:-10000,19000}
RESP=${RESP:-0}
MEMORY=${MEMORY:-1}

# The attacker and the servers need more descriptors than the usual soft limit of 1,024.
ulimit -n "$(ulimit -Hn)"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    for project in Attack Demo EchoServer RespServer; do
        dotnet build "$root/Samples/$project" -c Release -v quiet -nologo >/dev/null || { echo "bench.sh: build of $project failed" >&2; exit 1; }
    done
fi
attack="$root/Samples/Attack/bin/Release/net10.0/Attack"
demo="$root/Samples/Demo/bin/Release/net10.0/Demo"
echo_dll="$root/Samples/EchoServer/bin/Release/net10.0/EchoServer.dll"
resp="$root/Samples/RespServer/bin/Release/net10.0/RespServer"

. "$root/Samples/bench-common.sh"
work=$(mktemp -d)
pids=()
cleanup() {
    stop_all
    exec 9>&- 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM
mkfifo "$work/hold"

declare -A port pid probe
start() { # name -> starts the server, sets port[name] pid[name] probe[name]
    local name=$1 p
    p=$(free_port)
    case $name in
        bypassnet) dotnet "$echo_dll" --port "$p" >"$work/$name.log" 2>&1 & probe[$name]=echo ;;
        # The sockets server stops when its stdin ends: fd 9 (the fifo's writer) closes when this script exits.
        sockets) "$demo" --serve-sockets --port "$p" <"$work/hold" >"$work/$name.log" 2>&1 & probe[$name]=echo ;;
        resp) "$resp" --port "$p" >"$work/$name.log" 2>&1 & probe[$name]=resp ;;
    esac
    pid[$name]=$!; pids+=("$!"); port[$name]=$p
    if [[ $name == sockets ]]; then exec 9>"$work/hold"; fi
    for _ in $(seq 1 200); do grep -q listening "$work/$name.log" && return 0; sleep 0.1; done
    echo "bench.sh: $name did not start:" >&2; cat "$work/$name.log" >&2; exit 1
}
stop() { kill "${pid[$1]}" 2>/dev/null || true; wait "${pid[$1]}" 2>/dev/null || true; }

servers=(bypassnet sockets)
[[ $RESP == 1 ]] && servers+=(resp)
for s in "${servers[@]}"; do start "$s"; done
echo "stalled peers: servers ${servers[*]}; $(nproc) CPUs; $(uptime | sed 's/.*load/load/')"
grep -h listening "$work"/*.log | sed 's/^/  /'

# One measurement: N stalled peers against a server; appends "p50 p99 answered total" to a result file.
measure() { # server peers round
    local s=$1 n=$2 out line
    out=$("$attack" stall --target "127.0.0.1:${port[$s]}" --connections "$n" --mib "$MIB" --probe "${probe[$s]}" \
        --hold "$HOLD" --after 1 --interval 10 --timeout 2000 || true)
    line=$(grep "during, kept connection" <<<"$out")
    # "  during, kept connection: answered X/Y, p50 A ms, p99 B ms, max C ms" (or "no answers")
    awk -v s="$s" -v n="$n" -v r="$3" '{
        split($5, a, "/"); sub(",", "", a[2]); p50 = "nan"; p99 = "nan"; mx = "nan";
        for (i = 1; i <= NF; i++) { if ($i == "p50") p50 = $(i+1); if ($i == "p99") p99 = $(i+1); if ($i == "max") mx = $(i+1) }
        printf "round %d %-9s %5d peers: answered %s/%s p50 %s ms p99 %s ms max %s ms\n", r, s, n, a[1], a[2], p50, p99, mx
    }' <<<"$line" | tee -a "$work/stall.txt"
}

for round in $(seq 1 "$ROUNDS"); do
    for n in $PEERS; do
        for s in "${servers[@]}"; do measure "$s" "$n" "$round"; done
    done
done

echo
echo "healthy client (one kept connection, a request every 10 ms, ${HOLD} s) with N stalled peers pushing ${MIB} MiB each, medians of $ROUNDS rounds:"
printf '  %-10s %6s %10s %10s %12s\n' server peers "p50 ms" "p99 ms" answered
for n in $PEERS; do
    for s in "${servers[@]}"; do
        rows=$(awk -v s="$s" -v n="$n" '$3 == s && $4 == n' "$work/stall.txt")
        p50=$(awk '{ print $9 }' <<<"$rows" | median); p99=$(awk '{ print $12 }' <<<"$rows" | median)
        answered=$(awk '{ split($7, a, "/"); x += a[1]; y += a[2] } END { printf "%d/%d", x, y }' <<<"$rows")
        printf '  %-10s %6d %10s %10s %12s\n' "$s" "$n" "$p50" "$p99" "$answered"
    done
done

if [[ $MEMORY == 1 ]]; then
    echo
    echo "memory per idle connection (server VmRSS growth over the connections; each server fresh, alone):"
    for s in bypassnet sockets; do
        stop "$s"; start "$s"
        echo "  $s:"
        "$attack" idle-memory --target "127.0.0.1:${port[$s]}" --pid "${pid[$s]}" --steps "$STEPS" --probe "${probe[$s]}" | sed 's/^/    /' || true
        stop "$s"
    done
fi
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
