using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace BypassNet.CodeFixes.Tests.Verifier;

/// <summary>
/// A C# project in an <see cref="AdhocWorkspace"/>, compiled against the running framework's assemblies (the trusted
/// platform assemblies) and, unless told otherwise, the BypassNet runtime this test assembly was built with.
/// </summary>
public sealed class TestProject
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_framework = new(LoadFramework);

    public List<(string Name, string Text)> Sources { get; } = new();

    /// <summary>Contents of an .editorconfig at the project root, or null.</summary>
    public string? EditorConfig { get; set; }

    public OutputKind OutputKind { get; set; } = OutputKind.DynamicallyLinkedLibrary;

    /// <summary>Reference BypassNet.dll (the swap target). Off: the rules must stay silent.</summary>
    public bool ReferenceBypassNet { get; set; } = true;

    public NullableContextOptions Nullable { get; set; } = NullableContextOptions.Enable;

    /// <summary>More assemblies to compile against (a library the code under test implements).</summary>
    public List<MetadataReference> ExtraReferences { get; } = new();

    public static TestProject From(params string[] sources)
    {
        var project = new TestProject();
        for (int i = 0; i < sources.Length; i++)
        {
            project.Sources.Add(($"Test{i}.cs", sources[i]));
        }

        return project;
    }

    public TestProject AsExecutable()
    {
        OutputKind = OutputKind.ConsoleApplication;
        return this;
    }

    /// <summary>The framework's assemblies: every trusted platform assembly in the directory of System.Private.CoreLib.</summary>
    public static ImmutableArray<MetadataReference> FrameworkReferences => s_framework.Value;

    public static MetadataReference BypassNetReference { get; } = MetadataReference.CreateFromFile(typeof(BypassNet.BypassSocket).Assembly.Location);

    public Project Build(AdhocWorkspace workspace)
    {
        const string root = "/src/";
        ProjectId id = ProjectId.CreateNewId("Test");
        var references = new List<MetadataReference>(FrameworkReferences);
        if (ReferenceBypassNet)
        {
            references.Add(BypassNetReference);
        }

        references.AddRange(ExtraReferences);

        var info = ProjectInfo.Create(
                id,
                VersionStamp.Create(),
                "Test",
                "Test",
                LanguageNames.CSharp,
                filePath: root + "Test.csproj",
                compilationOptions: new CSharpCompilationOptions(OutputKind, nullableContextOptions: Nullable, allowUnsafe: true),
                parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
                metadataReferences: references);
        Solution solution = workspace.CurrentSolution.AddProject(info);
        foreach ((string name, string text) in Sources)
        {
            solution = solution.AddDocument(DocumentId.CreateNewId(id, name), name, SourceText.From(text), filePath: root + name);
        }

        if (EditorConfig is not null)
        {
            solution = solution.AddAnalyzerConfigDocument(
                DocumentId.CreateNewId(id, ".editorconfig"), ".editorconfig", SourceText.From(EditorConfig), filePath: root + ".editorconfig");
        }

        if (!workspace.TryApplyChanges(solution))
        {
            throw new InvalidOperationException("Could not set up the test workspace.");
        }

        return workspace.CurrentSolution.GetProject(id)!;
    }

    private static ImmutableArray<MetadataReference> LoadFramework()
    {
        string coreDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        return tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => string.Equals(Path.GetDirectoryName(path), coreDirectory, StringComparison.Ordinal))
            .Where(path => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}
