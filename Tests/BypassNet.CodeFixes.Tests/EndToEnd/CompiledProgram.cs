using System.Reflection;
using System.Runtime.Loader;
using BypassNet.CodeFixes.Tests.Verifier;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Verify = BypassNet.CodeFixes.Tests.Verifier.CodeFixVerifier<
    BypassNet.Analyzers.Migration.SocketMigrationAnalyzer,
    BypassNet.CodeFixes.Migration.SocketMigrationCodeFixProvider>;

namespace BypassNet.CodeFixes.Tests.EndToEnd;

/// <summary>
/// A test program before and after a fix, compiled and loaded into this process so a test can run both against the
/// same real clients: each build gets an assembly name and a load context of its own, so the two never share statics.
/// </summary>
internal static class CompiledProgram
{
    /// <summary>Builds <paramref name="project"/> as <paramref name="assemblyName"/> and loads it; fails the test when it does not emit.</summary>
    public static async Task<Assembly> LoadAsync(TestProject project, string assemblyName)
    {
        using var workspace = new AdhocWorkspace();
        Compilation compilation = (await project.Build(workspace).GetCompilationAsync())!.WithAssemblyName(assemblyName);
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        image.Position = 0;
        return new AssemblyLoadContext(assemblyName).LoadFromStream(image);
    }

    /// <summary>
    /// Migrates <paramref name="sources"/> with BYP100, then loads the original and the migrated build (as
    /// <c>{assemblyName}.before</c> and <c>.after</c>), gets <paramref name="typeName"/> from each and runs
    /// <paramref name="run"/> on it. Asserts that both transcripts are the same, that the migrated one went through
    /// BypassNet (it sent bytes; the original sends none through it) and, where this kernel allows, on io_uring.
    /// </summary>
    public static async Task<Comparison> CompareBeforeAndAfterAsync(
        IEnumerable<(string Name, string Text)> sources, string assemblyName, string typeName, Func<Type, Task<List<string>>> run)
    {
        var original = new TestProject();
        original.Sources.AddRange(sources);
        (TestProject migrated, string[] migratedSources) = await MigrateAsync(original);

        List<string> before = await run(await TypeAsync(original, assemblyName + ".before", typeName));
        long sentBefore = BypassRuntime.Shared.GetStatistics().BytesSent;
        List<string> after = await run(await TypeAsync(migrated, assemblyName + ".after", typeName));
        long sentAfter = BypassRuntime.Shared.GetStatistics().BytesSent;

        Assert.Equal(before, after);
        Assert.True(sentAfter > sentBefore, $"BypassNet sent {sentAfter - sentBefore} bytes for the migrated program");
        if (BypassNet.Testing.IoUringAvailability.Available)
        {
            Assert.Equal(EngineKind.IoUring, BypassRuntime.Shared.Engine);
        }

        return new Comparison(migratedSources, after);
    }

    private static async Task<Type> TypeAsync(TestProject project, string assemblyName, string typeName) =>
        (await LoadAsync(project, assemblyName)).GetType(typeName, throwOnError: true)!;

    /// <summary>
    /// <paramref name="original"/> after BYP100's Fix All over the solution (which must compile), as a project with
    /// the same file names, and its sources in the original's order.
    /// </summary>
    public static async Task<(TestProject Project, string[] Sources)> MigrateAsync(TestProject original)
    {
        string[] sources = await Verify.FixAllAndCompileAsync("BYP100", original, FixAllScope.Solution);
        var migrated = new TestProject();
        for (int i = 0; i < sources.Length; i++)
        {
            migrated.Sources.Add((original.Sources[i].Name, sources[i]));
        }

        return (migrated, sources);
    }

    /// <summary>What <see cref="CompareBeforeAndAfterAsync"/> found: the migrated sources (in the original's order) and the transcript both runs gave.</summary>
    public sealed record Comparison(string[] MigratedSources, List<string> Transcript);
}
