#!/usr/bin/env bash
# Measures what the BypassNet analyzers add to compile time. Generates a sample project (a realistic mix: a
# third of its methods use owned buffers, the rest is ordinary code), then compiles it repeatedly with and
# without the analyzers and compares the time of the Csc task. Prints numbers; decides nothing.
#   usage: measure-cost.sh [files=120] [runs=5]
set -euo pipefail
files=${1:-120}
runs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dotnet build "$root/Analyzers/BypassNet.Analyzers/BypassNet.Analyzers.csproj" -c Release -v:q -nologo >/dev/null
analyzer="$root/Analyzers/BypassNet.Analyzers/bin/Release/netstandard2.0/BypassNet.Analyzers.dll"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/Sample.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <EnableNETAnalyzers>false</EnableNETAnalyzers>
    <NuGetAudit>false</NuGetAudit>
    <NoWarn>\$(NoWarn);CS1998</NoWarn>
  </PropertyGroup>
  <ItemGroup Condition="'\$(WithBypass)' == 'true'">
    <Analyzer Include="$analyzer" />
  </ItemGroup>
</Project>
XML

# Findings stay warnings so a false positive shows up in the count below without failing the build; the
# rules still run (a rule suppressed with NoWarn would be skipped by the compiler and cost nothing).
cat > "$work/.editorconfig" <<'INI'
root = true
[*.cs]
dotnet_diagnostic.BYP001.severity = warning
dotnet_diagnostic.BYP002.severity = warning
dotnet_diagnostic.BYP004.severity = warning
INI

cat > "$work/Contract.cs" <<'CS'
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
namespace BypassNet;
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface)] public sealed class OwnedAttribute : Attribute { }
[AttributeUsage(AttributeTargets.Parameter)] public sealed class TakesOwnershipAttribute : Attribute { }
[Owned] public sealed class OwnedBuffer : MemoryManager<byte>, IDisposable
{
    private readonly byte[] _data = new byte[4096];
    public Span<byte> Span => _data.AsSpan(0, Length);
    public int Length { get; set; }
    public int Capacity => _data.Length;
    public override Span<byte> GetSpan() => _data;
    public override MemoryHandle Pin(int elementIndex = 0) => default;
    public override void Unpin() { }
    protected override void Dispose(bool disposing) { }
    public new void Dispose() { }
}
public sealed class BufferPool : IDisposable
{
    public OwnedBuffer Rent() => throw new NotSupportedException();
    public bool TryRent([NotNullWhen(true)] out OwnedBuffer? b) { b = null; return false; }
    public ValueTask<OwnedBuffer> RentAsync(CancellationToken ct = default) => throw new NotSupportedException();
    public void Dispose() { }
}
public sealed class BypassSocket
{
    public ValueTask<int> SendAsync([TakesOwnership] OwnedBuffer buffer, CancellationToken ct = default) => throw new NotSupportedException();
    public ValueTask<OwnedBuffer> ReceiveAsync(CancellationToken ct = default) => throw new NotSupportedException();
}
CS

for i in $(seq 1 "$files"); do
cat > "$work/Service$i.cs" <<CS
using System.Text;
using BypassNet;
namespace Sample.Area$((i % 7));

public sealed class Service$i
{
    private readonly BufferPool _pool = new();
    private readonly BypassSocket _socket = new();
    private readonly Dictionary<string, int> _counts = new();
    private readonly List<string> _log = new();

    public async Task<int> EchoAsync(CancellationToken ct)
    {
        var total = 0;
        while (!ct.IsCancellationRequested)
        {
            using var buffer = await _socket.ReceiveAsync(ct);
            if (buffer.Length == 0) break;
            total += buffer.Length;
            var reply = _pool.Rent();
            buffer.Span.CopyTo(reply.Span);
            reply.Length = buffer.Length;
            await _socket.SendAsync(reply, ct);
        }
        return total;
    }

    public int Frame(ReadOnlySpan<byte> payload)
    {
        if (!_pool.TryRent(out var buffer)) return -1;
        try
        {
            payload.CopyTo(buffer.Span);
            buffer.Length = payload.Length;
            return buffer.Length;
        }
        finally
        {
            buffer.Dispose();
        }
    }

    public async ValueTask ForwardAsync(BypassSocket target, int count, CancellationToken ct)
    {
        for (var n = 0; n < count; n++)
        {
            var buffer = await _socket.ReceiveAsync(ct);
            var header = buffer.Memory.Slice(0, Math.Min(4, buffer.Length));
            _log.Add("forward " + header.Length);
            await target.SendAsync(buffer, ct);
        }
    }

    public string Describe(IEnumerable<int> values)
    {
        var sb = new StringBuilder();
        foreach (var v in values.Where(x => x % 3 != 0).OrderBy(x => x))
        {
            sb.Append(v switch { < 0 => "neg", 0 => "zero", < 10 => "small", _ => "big" }).Append(',');
        }
        return sb.ToString();
    }

    public int Count(string key)
    {
        lock (_counts)
        {
            _counts.TryGetValue(key, out var c);
            _counts[key] = c + 1;
            return c + 1;
        }
    }

    public IEnumerable<string> Lines(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                yield return text.Substring(start, i - start);
                start = i + 1;
            }
        }
        if (start < text.Length) yield return text.Substring(start);
    }

    public double Average(IReadOnlyList<double> xs)
    {
        if (xs.Count == 0) throw new ArgumentException("empty", nameof(xs));
        double sum = 0;
        foreach (var x in xs) sum += x;
        return sum / xs.Count;
    }

    public async Task<string> RetryAsync(Func<Task<string>> action, int attempts)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                return await action();
            }
            catch (InvalidOperationException) when (i < attempts)
            {
                await Task.Delay(10 * i);
            }
        }
    }

    public record Item(string Name, int Size);

    public Item[] Parse(string csv) => csv.Split(';').Select(p => p.Split('=')).Where(p => p.Length == 2)
        .Select(p => new Item(p[0].Trim(), int.Parse(p[1]))).ToArray();
}
CS
done

out="$work/out.txt"
csc_ms() {
    # The Csc task's time from MSBuild's performance summary; the full log stays in $out.
    dotnet build "$work/Sample.csproj" -c Release --no-incremental -nologo -v:d -clp:PerformanceSummary \
        -p:WithBypass="$1" -p:ReportAnalyzer=true --disable-build-servers -p:UseSharedCompilation=false >"$out" 2>&1 || true
    awk '/Task Performance Summary/{t=1} t && $3=="Csc" {print $1; exit}' "$out"
}
ours_ms() {
    # This build's execution time of the BypassNet analyzers, from the compiler's /reportanalyzer table.
    awk '/BypassNet.Analyzers, Version/ { v=$1; if (v ~ /^</) v=0; printf "%d\n", v*1000; exit }' "$out"
}

dotnet build "$work/Sample.csproj" -c Release -nologo -v:q -p:WithBypass=true >/dev/null 2>&1 || true  # restore, warm up
declare -a without with ours
for r in $(seq 1 "$runs"); do
    without+=("$(csc_ms false)")
    with+=("$(csc_ms true)")
    ours+=("$(ours_ms)")
done
findings=$( (grep -oE "warning BYP00[1-4]" "$out" || true) | sort | uniq -c | tr '\n' ' ')
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m0=$(median "${without[@]}")
m1=$(median "${with[@]}")
m2=$(median "${ours[@]}")
echo "sample: $files files, $(cat "$work"/*.cs | wc -l) lines; runs: $runs; BYP findings in sample: ${findings:-none}"
echo "Csc without BypassNet analyzers (ms): ${without[*]}  median $m0"
echo "Csc with BypassNet analyzers    (ms): ${with[*]}  median $m1"
echo "BypassNet analyzer time         (ms): ${ours[*]}  median $m2"
awk -v a="$m0" -v b="$m1" -v c="$m2" 'BEGIN {
    printf "Csc wall-time difference: %+.1f%%\n", (b - a) * 100 / a
    printf "analyzer cost (analyzer time / compile time without): %.1f%%\n", c * 100 / a }'
