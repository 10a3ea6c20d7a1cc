#!/usr/bin/env bash
# Adopting BypassNet in an existing app, end to end:
#   1. copy Samples/Migration/Before (an echo app on System.Net.Sockets) to a scratch directory and run it;
#   2. reference the BypassNet runtime project, and the analyzer and code-fix projects as analyzers;
#   3. let `dotnet format analyzers` apply BYP100 (swap Socket for BypassNet.BypassSocket), and show the diff;
#   4. build the result, run it with BYPASSNET_ENGINE=iouring, and check it echoes every byte intact, on io_uring.
#
# Usage: Samples/Migration/migrate.sh [scratch-dir] [payload-count]
# Environment: BYPASSNET_ALLOW_FALLBACK=1 accepts the socket engine when this kernel has no io_uring.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/bypassnet-migration.XXXXXX")}"
count="${2:-200}"
before="$work/before"
app="$work/EchoApp"

say() { printf '\n== migrate.sh: %s\n' "$*"; }
fail() { printf '\nmigrate.sh: FAILED: %s\n' "$*" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say "copying $here/Before to $work"
rm -rf "$before" "$app"
mkdir -p "$before" "$app"
for f in "$here"/Before/*.cs "$here"/Before/*.csproj; do
  cp "$f" "$before/"
  cp "$f" "$app/"
done

say "running the app as it is (System.Net.Sockets)"
dotnet build "$before/EchoApp.csproj" -nologo -v q -clp:NoSummary >/dev/null || fail "the original app does not build"
before_out="$(dotnet run --no-build --project "$before/EchoApp.csproj" -- "$count")" || fail "the original app failed"
echo "$before_out"

say "referencing BypassNet and its analyzers"
references="  <ItemGroup>
    <ProjectReference Include=\"$repo/Runtime/BypassNet/BypassNet.csproj\" />
    <ProjectReference Include=\"$repo/Analyzers/BypassNet.Analyzers/BypassNet.Analyzers.csproj\" OutputItemType=\"Analyzer\" ReferenceOutputAssembly=\"false\" />
    <ProjectReference Include=\"$repo/CodeFixes/BypassNet.CodeFixes/BypassNet.CodeFixes.csproj\" OutputItemType=\"Analyzer\" ReferenceOutputAssembly=\"false\" />
  </ItemGroup>
</Project>"
csproj="$app/EchoApp.csproj"
grep -q '</Project>' "$csproj" || fail "$csproj has no </Project>"
content="$(sed '$d' "$csproj" | sed '/<\/Project>/d')"
printf '%s\n%s\n' "$content" "$references" > "$csproj"

# Build once so the analyzer assemblies exist: dotnet format loads them through the project references.
build_log="$work/build-before-format.log"
dotnet build "$csproj" -nologo -v q -clp:NoSummary >"$build_log" 2>&1 || { cat "$build_log"; fail "the app does not build with BypassNet referenced"; }

# Builds do not print info diagnostics; dotnet format lists what it would fix.
say "BYP100 found (dotnet format analyzers --verify-no-changes):"
dotnet format analyzers "$csproj" --diagnostics BYP100 --severity info --verify-no-changes --no-restore 2>&1 \
  | sed -e "s|$app/||" -e 's/ \[.*\]$//' || true

say "dotnet format analyzers --diagnostics BYP100 --severity info"
dotnet format analyzers "$csproj" --diagnostics BYP100 --severity info --no-restore -v normal || fail "dotnet format failed"

say "the migration, as a diff"
diff -ru --exclude=bin --exclude=obj "$before" "$app" || true

grep -q 'BypassSocket' "$app"/*.cs || fail "dotnet format did not swap any socket"
if grep -n 'new Socket(' "$app"/*.cs | grep -v 'Dgram' ; then
  fail "a TCP socket was left on System.Net.Sockets (above)"
fi

# A probe that is not part of the app: print which engine carried the sockets and what it moved.
cat > "$app/MigrationProbe.cs" <<'PROBE'
using System.Runtime.CompilerServices;

internal static class MigrationProbe
{
    [ModuleInitializer]
    internal static void Register() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        var runtime = BypassNet.BypassRuntime.Shared;
        var stats = runtime.GetStatistics();
        Console.WriteLine($"engine: {runtime.Engine} (fallback: {runtime.FallbackReason ?? "none"}), bytes sent: {stats.BytesSent}, received: {stats.BytesReceived}");
    };
}
PROBE

say "building the migrated app"
dotnet build "$csproj" -nologo -v q -clp:NoSummary || fail "the migrated app does not build"

say "running the migrated app with BYPASSNET_ENGINE=iouring"
after_out="$(BYPASSNET_ENGINE=iouring dotnet run --no-build --project "$csproj" -- "$count")" || { echo "$after_out"; fail "the migrated app failed"; }
echo "$after_out"

ok_before="$(grep '^OK:' <<<"$before_out")"
ok_after="$(grep '^OK:' <<<"$after_out")" || fail "the migrated app did not print OK"
[ "$ok_before" = "$ok_after" ] || fail "different results: '$ok_before' before, '$ok_after' after"
grep -q '^udp: ping$' <<<"$after_out" || fail "the UDP self-test changed"
if ! grep -q '^engine: IoUring' <<<"$after_out"; then
  if [ "${BYPASSNET_ALLOW_FALLBACK:-0}" = "1" ]; then
    echo "migrate.sh: note: ran on the socket engine (no io_uring here), accepted because BYPASSNET_ALLOW_FALLBACK=1"
  else
    fail "the migrated app did not run on io_uring (set BYPASSNET_ALLOW_FALLBACK=1 to accept the fallback)"
  fi
fi

say "MIGRATION OK: same output before and after ($ok_after), now on BypassNet. Scratch directory: $work"
