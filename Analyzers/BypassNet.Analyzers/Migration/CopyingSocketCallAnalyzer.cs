using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.Analyzers.Migration;

/// <summary>
/// BYP101: on a BypassSocket, a copying <c>SendAsync(ReadOnlyMemory&lt;byte&gt;)</c> / <c>ReceiveAsync(Memory&lt;byte&gt;)</c>
/// (or their ArraySegment forms) inside a loop, where the owned-buffer overloads would not copy. Per operation, so it
/// shows live in the editor.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CopyingSocketCallAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(MigrationDescriptors.CopyingSocketCall);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (CopyingCalls.Create(start.Compilation) is not { } calls)
            {
                return;
            }

            start.RegisterOperationAction(
                operation =>
                {
                    var invocation = (IInvocationOperation)operation.Operation;
                    if (calls.Classify(invocation) is not { } kind || !CopyingCalls.IsInLoop(invocation))
                    {
                        return;
                    }

                    IOperation buffer = invocation.Arguments[0].Value;
                    string what = kind == CopyingCalls.Kind.Receive
                        ? $"copies every received chunk into '{buffer.Syntax}'"
                        : $"sends from '{buffer.Syntax}', memory the ring has not registered, so it cannot use zero-copy send";
                    operation.ReportDiagnostic(Diagnostic.Create(
                        MigrationDescriptors.CopyingSocketCall,
                        invocation.Syntax.GetLocation(),
                        invocation.TargetMethod.Name,
                        what));
                },
                OperationKind.Invocation);
        });
    }
}
