#!/usr/bin/env bash
# The benchmark: BypassNet vs System.Net.Sockets (and a C liburing echo server as an anchor, when liburing-dev is
# installed), the two standard cases, repeated, medians reported. Extra arguments go to the benchmark, for example
#   Samples/Demo/bench.sh --repetitions 30 --duration 3
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$here/bin/native"
mkdir -p "$out"
native=()
if gcc -O2 -Wall -o "$out/echo_uring" "$here/native/echo_uring.c" -luring; then
  native=(--native "$out/echo_uring")
else
  echo "C anchor skipped: needs gcc and liburing-dev (apt-get install -y liburing-dev)" >&2
fi
exec dotnet run -c Release --project "$root/Samples/Demo" -- --bench "${native[@]}" "$@"
