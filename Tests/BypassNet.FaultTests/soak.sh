#!/usr/bin/env bash
# Soak benchmark (not part of CI): an in-process BypassSocket echo server under checked load with connection churn and
# injected faults, printing round trips, bytes verified, mismatches, leaked buffers and RSS over time.
#   Tests/BypassNet.FaultTests/soak.sh [--seconds 600] [--engine iouring|socket] [--connections 64] [--poison] ...
# Exit code 0 only if no byte mismatched and every buffer and receive slot came home.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Tests/BypassNet.Soak -c Release -v quiet -nologo >/dev/null
exec dotnet Tests/BypassNet.Soak/bin/Release/net10.0/BypassNet.Soak.dll "$@"
