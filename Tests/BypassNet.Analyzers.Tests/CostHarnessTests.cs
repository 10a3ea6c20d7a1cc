using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit.Abstractions;

namespace BypassNet.Analyzers.Tests;

/// <summary>
/// A realistic sample (the same one measure-cost.sh builds): it must give no ownership findings (a precision
/// check), and the test prints how long the analyzer ran against how long compiling took. Timing decides nothing.
/// </summary>
public sealed class CostHarnessTests
{
    private const string Contract = """
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
        """;

    private const string Service = """
        using System.Text;
        using BypassNet;
        namespace Sample.Area{AREA};

        public sealed class Service{N}
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
        """;

    private readonly ITestOutputHelper _output;

    public CostHarnessTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Realistic_sample_has_no_findings_and_prints_the_cost()
    {
        var files = int.TryParse(Environment.GetEnvironmentVariable("BYPASSNET_COST_FILES"), out var n) ? n : 12;
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText(Contract, parse, "Contract.cs"),
            CSharpSyntaxTree.ParseText("global using System; global using System.Collections.Generic; global using System.Linq; global using System.Threading; global using System.Threading.Tasks;", parse, "Usings.cs"),
        };
        for (var i = 1; i <= files; i++)
        {
            var text = Service.Replace("{N}", i.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{AREA}", (i % 7).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            trees.Add(CSharpSyntaxTree.ParseText(text, parse, $"Service{i}.cs"));
        }

        var references = Verifier.AnalyzerVerifier.CreateCompilation("").References;
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);
        var analyzer = new OwnershipAnalyzer();
        var compileMs = new List<double>();
        var analyzerMs = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            // Compile: bind everything and emit.
            var compilation = CSharpCompilation.Create("Sample" + round, trees, references, options);
            var watch = Stopwatch.StartNew();
            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            using (var stream = new MemoryStream())
            {
                compilation.Emit(stream);
            }

            compileMs.Add(watch.Elapsed.TotalMilliseconds);
            Assert.Empty(errors);

            var withAnalyzer = CSharpCompilation.Create("Analyzed" + round, trees, references, options).WithAnalyzers(
                ImmutableArray.Create<DiagnosticAnalyzer>(analyzer),
                new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false, logAnalyzerExecutionTime: true));
            var findings = await withAnalyzer.GetAnalyzerDiagnosticsAsync();
            Assert.Empty(findings.Where(d => d.Id.StartsWith("BYP", StringComparison.Ordinal) || d.Id == "AD0001"));
            var telemetry = await withAnalyzer.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None);
            analyzerMs.Add(telemetry.ExecutionTime.TotalMilliseconds);
        }

        // The first round pays for JIT; report the best of the rest.
        var compile = compileMs.Skip(1).Min();
        var analysis = analyzerMs.Skip(1).Min();
        _output.WriteLine($"{files} files: compile {compile:F0} ms, ownership analyzer {analysis:F0} ms, cost {analysis * 100 / compile:F1}% (first round: {compileMs[0]:F0} / {analyzerMs[0]:F0} ms)");
    }
}
