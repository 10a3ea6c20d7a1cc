#!/usr/bin/env bash
# The echo benchmark, one command: the EchoServer sample at its defaults (BypassNet), the System.Net.Sockets echo and
# the C liburing echo (Samples/Demo/native, built when gcc and liburing-dev are installed), each in its own process,
# all up at once, measured in alternating 2 s slices over 15 rounds; cases 1 connection (latency), 64 x 64 B,
# 1,000 x 64 B and 4 x 64 KiB. Prints medians of round trips/s, server CPU us per round trip, p50/p99, allocated bytes,
# system calls and io_uring_enter calls per round trip, with ratios over sockets and over C. About 8 minutes.
# Extra arguments go to the benchmark, for example
#   Samples/Demo/bench.sh --repetitions 31 --duration 3 --case small,scale
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# System calls are counted with perf events on tracefs tracepoints; mount tracefs if it is missing and we may.
if [[ ! -e /sys/kernel/tracing/events/raw_syscalls ]] && [[ $(id -u) == 0 ]]; then
    mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || echo "tracefs could not be mounted: system calls will show n/a" >&2
fi
if [[ ! -f /usr/include/liburing.h ]]; then
    echo "C anchor skipped: needs gcc and liburing-dev (apt-get install -y liburing-dev)" >&2
fi
# 1,000 load connections and as many server sockets.
ulimit -n "$(ulimit -Hn)"
dotnet build "$here/Demo.csproj" -c Release -v quiet -nologo >/dev/null || { echo "bench.sh: build failed" >&2; exit 1; }
exec "$here/bin/Release/net10.0/Demo" --bench "$@"
