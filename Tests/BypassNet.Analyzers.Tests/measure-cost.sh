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

cp "$here/CostSample/Contract.cs.txt" "$work/Contract.cs"

for i in $(seq 1 "$files"); do
    sed -e "s/{N}/$i/g" -e "s/{AREA}/$((i % 7))/g" "$here/CostSample/Service.cs.txt" > "$work/Service$i.cs"
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
