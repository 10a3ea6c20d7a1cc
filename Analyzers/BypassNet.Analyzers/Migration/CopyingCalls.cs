using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.Analyzers.Migration;

/// <summary>Recognises BypassSocket's copying send/receive overloads and whether a call runs in a loop (BYP101).</summary>
internal sealed class CopyingCalls
{
    private readonly INamedTypeSymbol _bypassSocket;
    private readonly INamedTypeSymbol? _memory;
    private readonly INamedTypeSymbol? _readOnlyMemory;
    private readonly INamedTypeSymbol? _arraySegment;

    private CopyingCalls(Compilation compilation, INamedTypeSymbol bypassSocket)
    {
        _bypassSocket = bypassSocket;
        _memory = compilation.GetTypeByMetadataName("System.Memory`1");
        _readOnlyMemory = compilation.GetTypeByMetadataName("System.ReadOnlyMemory`1");
        _arraySegment = compilation.GetTypeByMetadataName("System.ArraySegment`1");
    }

    public enum Kind
    {
        Send,
        Receive,
    }

    public static CopyingCalls? Create(Compilation compilation) =>
        compilation.GetTypeByMetadataName("BypassNet.BypassSocket") is { } bypass ? new CopyingCalls(compilation, bypass) : null;

    /// <summary>Send or Receive when <paramref name="invocation"/> is a copying overload of BypassSocket; null otherwise.</summary>
    public Kind? Classify(IInvocationOperation invocation)
    {
        IMethodSymbol method = invocation.TargetMethod;
        if (!SymbolEqualityComparer.Default.Equals(method.ContainingType, _bypassSocket) || method.Parameters.Length == 0
            || invocation.Arguments.Length == 0)
        {
            return null;
        }

        ITypeSymbol first = method.Parameters[0].Type;
        if (first is not INamedTypeSymbol { IsGenericType: true } named || named.TypeArguments[0].SpecialType != SpecialType.System_Byte)
        {
            return null;
        }

        INamedTypeSymbol definition = named.OriginalDefinition;
        return method.Name switch
        {
            "SendAsync" when Is(definition, _readOnlyMemory) || Is(definition, _arraySegment) => Kind.Send,
            "ReceiveAsync" when Is(definition, _memory) || Is(definition, _arraySegment) => Kind.Receive,
            _ => null,
        };
    }

    /// <summary>True when the call is inside a for/foreach/while/do loop of the same method (not across a lambda or local function).</summary>
    public static bool IsInLoop(IOperation operation)
    {
        for (IOperation? current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case ILoopOperation:
                    return true;
                case IAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                    return false;
            }
        }

        return false;
    }

    private static bool Is(INamedTypeSymbol definition, INamedTypeSymbol? expected) => SymbolEqualityComparer.Default.Equals(definition, expected);
}
