using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace BypassNet.CodeFixes.Migration;

/// <summary>
/// The one BYP101 shape whose rewrite is mechanical and safe: inside a loop, three consecutive statements receive into
/// a buffer, stop at end of stream, and send exactly the received bytes on, with the buffer used nowhere else:
/// <code>
/// int n = await source.ReceiveAsync(buffer, ct);          // or buffer.AsMemory(), with SocketFlags.None
/// if (n == 0) break;                                      // or return; or n &lt;= 0
/// await target.SendAsync(buffer.AsMemory(0, n), ct);     // or buffer[..n], buffer.Slice(0, n)
/// </code>
/// becomes a forward of the kernel's own buffer:
/// <code>
/// OwnedBuffer chunk = await source.ReceiveAsync(ct);
/// if (chunk.Length == 0) { chunk.Dispose(); break; }
/// await target.SendAsync(chunk, ct);
/// </code>
/// The byte stream is the same; only the chunking can differ, which a stream does not observe.
/// </summary>
internal sealed class ForwardLoopPattern
{
    private ForwardLoopPattern(
        LocalDeclarationStatementSyntax receive,
        IfStatementSyntax check,
        ExpressionStatementSyntax send,
        ExpressionSyntax source,
        ExpressionSyntax? receiveToken,
        ExpressionSyntax target,
        ExpressionSyntax? sendToken,
        bool configureAwait)
    {
        Receive = receive;
        Check = check;
        Send = send;
        Source = source;
        ReceiveToken = receiveToken;
        Target = target;
        SendToken = sendToken;
        ConfigureAwaitFalse = configureAwait;
    }

    public LocalDeclarationStatementSyntax Receive { get; }

    public IfStatementSyntax Check { get; }

    public ExpressionStatementSyntax Send { get; }

    public ExpressionSyntax Source { get; }

    public ExpressionSyntax? ReceiveToken { get; }

    public ExpressionSyntax Target { get; }

    public ExpressionSyntax? SendToken { get; }

    public bool ConfigureAwaitFalse { get; }

    /// <summary>Finds the pattern around the BYP101 call at <paramref name="invocation"/> (the receive or the send).</summary>
    public static ForwardLoopPattern? Match(InvocationExpressionSyntax invocation, SemanticModel model, CancellationToken cancellationToken)
    {
        StatementSyntax? statement = invocation.FirstAncestorOrSelf<StatementSyntax>();
        if (statement?.Parent is not BlockSyntax block || block.Parent is not (WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or ForEachStatementSyntax))
        {
            return null;
        }

        int index = block.Statements.IndexOf(statement);
        int start = statement is LocalDeclarationStatementSyntax ? index : index - 2;
        if (start < 0 || start + 2 >= block.Statements.Count)
        {
            return null;
        }

        if (block.Statements[start] is not LocalDeclarationStatementSyntax receive
            || block.Statements[start + 1] is not IfStatementSyntax check
            || block.Statements[start + 2] is not ExpressionStatementSyntax send)
        {
            return null;
        }

        // int n = await source.ReceiveAsync(buffer[, SocketFlags.None][, ct])[.ConfigureAwait(false)];
        if (receive.Declaration.Variables.Count != 1 || receive.Declaration.Variables[0].Initializer?.Value is not AwaitExpressionSyntax receiveAwait
            || receive.Modifiers.Count != 0 || receive.UsingKeyword != default)
        {
            return null;
        }

        VariableDeclaratorSyntax countVariable = receive.Declaration.Variables[0];
        if (model.GetDeclaredSymbol(countVariable, cancellationToken) is not ILocalSymbol count || count.Type.SpecialType != SpecialType.System_Int32)
        {
            return null;
        }

        if (Unwrap(receiveAwait.Expression, out bool receiveConfigured) is not { } receiveCall
            || model.GetOperation(receiveCall, cancellationToken) is not IInvocationOperation receiveOperation
            || receiveOperation.TargetMethod.Name != "ReceiveAsync"
            || receiveOperation.TargetMethod.ContainingType?.ToDisplayString() != "BypassNet.BypassSocket"
            || receiveCall.Expression is not MemberAccessExpressionSyntax receiveAccess
            || !Arguments(receiveOperation, "System.Memory<byte>", out ExpressionSyntax? receiveBuffer, out ExpressionSyntax? receiveToken)
            || WholeBuffer(receiveBuffer!, model, cancellationToken) is not { } buffer)
        {
            return null;
        }

        // if (n == 0) break;   (or return;, n <= 0, 0 == n, braces)
        if (check.Else is not null || !IsEndCheck(check.Condition, count, model, cancellationToken) || JumpOf(check.Statement) is null)
        {
            return null;
        }

        // await target.SendAsync(buffer.AsMemory(0, n)[, SocketFlags.None][, ct])[.ConfigureAwait(false)];
        if (send.Expression is not AwaitExpressionSyntax sendAwait
            || Unwrap(sendAwait.Expression, out bool sendConfigured) is not { } sendCall
            || sendConfigured != receiveConfigured
            || model.GetOperation(sendCall, cancellationToken) is not IInvocationOperation sendOperation
            || sendOperation.TargetMethod.Name != "SendAsync"
            || sendOperation.TargetMethod.ContainingType?.ToDisplayString() != "BypassNet.BypassSocket"
            || sendCall.Expression is not MemberAccessExpressionSyntax sendAccess
            || !Arguments(sendOperation, "System.ReadOnlyMemory<byte>", out ExpressionSyntax? sendBuffer, out ExpressionSyntax? sendToken)
            || !IsPrefix(sendBuffer!, buffer, count, model, cancellationToken))
        {
            return null;
        }

        // n and the buffer are used nowhere else in the method: their values after the rewrite do not matter.
        SyntaxNode body = block.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax
            or AccessorDeclarationSyntax) ?? block;
        var allowed = new[] { receive.Span, check.Condition.Span, send.Span };
        foreach (IdentifierNameSyntax name in body.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (name.Identifier.ValueText != count.Name && name.Identifier.ValueText != buffer.Name)
            {
                continue;
            }

            ISymbol? symbol = model.GetSymbolInfo(name, cancellationToken).Symbol;
            if ((SymbolEqualityComparer.Default.Equals(symbol, count) || SymbolEqualityComparer.Default.Equals(symbol, buffer))
                && !allowed.Any(span => span.Contains(name.Span)))
            {
                return null;
            }
        }

        return new ForwardLoopPattern(receive, check, send, receiveAccess.Expression, receiveToken, sendAccess.Expression, sendToken, receiveConfigured);
    }

    /// <summary>The break/return/continue that ends the loop iteration in the check.</summary>
    public static StatementSyntax? JumpOf(StatementSyntax statement) => statement switch
    {
        BreakStatementSyntax or ReturnStatementSyntax { Expression: null } => statement,
        BlockSyntax { Statements.Count: 1 } single when single.Statements[0] is BreakStatementSyntax or ReturnStatementSyntax { Expression: null } => single.Statements[0],
        _ => null,
    };

    private static InvocationExpressionSyntax? Unwrap(ExpressionSyntax expression, out bool configureAwaitFalse)
    {
        configureAwaitFalse = false;
        if (expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Expression: InvocationExpressionSyntax inner } } configured
            && configured.ArgumentList.Arguments.Count == 1
            && configured.ArgumentList.Arguments[0].Expression.IsKind(SyntaxKind.FalseLiteralExpression))
        {
            configureAwaitFalse = true;
            return inner;
        }

        return expression as InvocationExpressionSyntax;
    }

    /// <summary>The buffer argument (of the given type), SocketFlags only as a constant None, and the token if one is passed.</summary>
    private static bool Arguments(IInvocationOperation invocation, string bufferType, out ExpressionSyntax? buffer, out ExpressionSyntax? token)
    {
        buffer = null;
        token = null;
        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            IParameterSymbol? parameter = argument.Parameter;
            if (parameter is null)
            {
                return false;
            }

            string type = parameter.Type.ToDisplayString();
            if (parameter.Ordinal == 0)
            {
                if (type != bufferType)
                {
                    return false;
                }

                buffer = (argument.Syntax as ArgumentSyntax)?.Expression;
                if (buffer is null)
                {
                    return false;
                }
            }
            else if (type == "System.Net.Sockets.SocketFlags")
            {
                if (argument.ArgumentKind != ArgumentKind.DefaultValue
                    && !(argument.Value.ConstantValue.HasValue && argument.Value.ConstantValue.Value is int flags && flags == 0))
                {
                    return false;
                }
            }
            else if (type == "System.Threading.CancellationToken")
            {
                if (argument.ArgumentKind != ArgumentKind.DefaultValue)
                {
                    token = (argument.Syntax as ArgumentSyntax)?.Expression;
                    if (token is null)
                    {
                        return false;
                    }
                }
            }
            else
            {
                return false;
            }
        }

        return buffer is not null;
    }

    /// <summary>A local byte[] or Memory&lt;byte&gt; received into whole: <c>buffer</c> or <c>buffer.AsMemory()</c>.</summary>
    private static ILocalSymbol? WholeBuffer(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken)
    {
        if (expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "AsMemory" } access, ArgumentList.Arguments.Count: 0 })
        {
            expression = access.Expression;
        }

        return expression is IdentifierNameSyntax && model.GetSymbolInfo(expression, cancellationToken).Symbol is ILocalSymbol local && IsByteBuffer(local.Type)
            ? local
            : null;
    }

    /// <summary>The first <paramref name="count"/> bytes of <paramref name="buffer"/>: <c>buffer.AsMemory(0, n)</c>, <c>buffer.Slice(0, n)</c>, <c>buffer[..n]</c>.</summary>
    private static bool IsPrefix(ExpressionSyntax expression, ILocalSymbol buffer, ILocalSymbol count, SemanticModel model, CancellationToken cancellationToken)
    {
        switch (expression)
        {
            case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "AsMemory" or "Slice" } access } invocation
                when invocation.ArgumentList.Arguments.Count == 2:
                return IsLocal(access.Expression, buffer, model, cancellationToken)
                    && IsZero(invocation.ArgumentList.Arguments[0].Expression)
                    && IsLocal(invocation.ArgumentList.Arguments[1].Expression, count, model, cancellationToken);
            case ElementAccessExpressionSyntax { ArgumentList.Arguments.Count: 1 } element
                when element.ArgumentList.Arguments[0].Expression is RangeExpressionSyntax range:
                return IsLocal(element.Expression, buffer, model, cancellationToken)
                    && (range.LeftOperand is null || IsZero(range.LeftOperand))
                    && range.RightOperand is { } right && IsLocal(right, count, model, cancellationToken);
            default:
                return false;
        }
    }

    private static bool IsLocal(ExpressionSyntax expression, ILocalSymbol local, SemanticModel model, CancellationToken cancellationToken) =>
        expression is IdentifierNameSyntax && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(expression, cancellationToken).Symbol, local);

    private static bool IsZero(ExpressionSyntax expression) => expression is LiteralExpressionSyntax { Token.Value: 0 };

    private static bool IsEndCheck(ExpressionSyntax condition, ILocalSymbol count, SemanticModel model, CancellationToken cancellationToken)
    {
        if (condition is ParenthesizedExpressionSyntax parenthesized)
        {
            return IsEndCheck(parenthesized.Expression, count, model, cancellationToken);
        }

        if (model.GetOperation(condition, cancellationToken) is not IBinaryOperation binary)
        {
            return false;
        }

        return binary.OperatorKind switch
        {
            BinaryOperatorKind.Equals => (IsLocal(binary.LeftOperand, count) && IsZero(binary.RightOperand))
                || (IsZero(binary.LeftOperand) && IsLocal(binary.RightOperand, count)),
            BinaryOperatorKind.LessThanOrEqual => IsLocal(binary.LeftOperand, count) && IsZero(binary.RightOperand),
            _ => false,
        };
    }

    private static bool IsByteBuffer(ITypeSymbol type) =>
        type is IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Byte, Rank: 1 }
        || (type is INamedTypeSymbol { Name: "Memory", IsGenericType: true } memory && memory.TypeArguments[0].SpecialType == SpecialType.System_Byte);

    private static bool IsLocal(IOperation operation, ILocalSymbol local)
    {
        while (operation is IConversionOperation { IsImplicit: true } conversion)
        {
            operation = conversion.Operand;
        }

        return operation is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local);
    }

    private static bool IsZero(IOperation operation) => operation.ConstantValue.HasValue && operation.ConstantValue.Value is int value && value == 0;
}
