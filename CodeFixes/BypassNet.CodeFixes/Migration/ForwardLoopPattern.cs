using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace BypassNet.CodeFixes.Migration;

/// <summary>
/// The BYP101 shape whose rewrite is mechanical and safe: a loop that receives into a buffer, stops at end of stream,
/// and sends exactly the received bytes on, with the buffer used nowhere else. Two spellings are recognised:
/// <code>
/// while (true)                                              int read;
/// {                                                         while ((read = await source.ReceiveAsync(buffer, SocketFlags.None)) &gt; 0)
///     int read = await source.ReceiveAsync(buffer, ct);     {
///     if (read == 0) break;                                     ...
///     ...                                                       await target.SendAsync(new ArraySegment&lt;byte&gt;(buffer, 0, read), SocketFlags.None);
///     await target.SendAsync(buffer.AsMemory(0, read), ct); }
/// }
/// </code>
/// (the buffer a <c>byte[]</c>, <c>buffer.AsMemory()</c>, an <c>ArraySegment</c> over it or a <c>Memory&lt;byte&gt;</c>;
/// the sent prefix <c>buffer[..read]</c>, <c>buffer.AsMemory(0, read)</c>, <c>buffer.Slice(0, read)</c> or
/// <c>new ArraySegment&lt;byte&gt;(buffer, 0, read)</c>; SocketFlags absent or None), and both become a forward of the
/// kernel's own buffer:
/// <code>
/// while (true)
/// {
///     OwnedBuffer chunk = await source.ReceiveAsync(ct);
///     if (chunk.Length == 0) { chunk.Dispose(); break; }
///     int read = chunk.Length;                 // only when read is used elsewhere
///     try { ... } catch { chunk.Dispose(); throw; }   // only when statements run between receive and send
///     await target.SendAsync(chunk, ct);
/// }
/// </code>
/// The byte stream is the same; only the chunking can differ, which a stream does not observe.
/// </summary>
internal sealed class ForwardLoopPattern
{
    private ForwardLoopPattern(
        StatementSyntax loop,
        BlockSyntax body,
        int receiveIndex,
        int sendIndex,
        StatementSyntax jump,
        ExpressionSyntax source,
        ExpressionSyntax? receiveToken,
        ExpressionSyntax target,
        ExpressionSyntax? sendToken,
        bool configureAwait,
        ILocalSymbol count,
        bool keepCount,
        LocalDeclarationStatementSyntax? bufferDeclaration)
    {
        Loop = loop;
        Body = body;
        ReceiveIndex = receiveIndex;
        SendIndex = sendIndex;
        Jump = jump;
        Source = source;
        ReceiveToken = receiveToken;
        Target = target;
        SendToken = sendToken;
        ConfigureAwaitFalse = configureAwait;
        Count = count;
        KeepCount = keepCount;
        BufferDeclaration = bufferDeclaration;
    }

    /// <summary>The loop statement; for the while-condition form it is rewritten to <c>while (true)</c>.</summary>
    public StatementSyntax Loop { get; }

    public BlockSyntax Body { get; }

    /// <summary>Index in <see cref="Body"/> of the receive declaration; -1 when the receive is the while condition.</summary>
    public int ReceiveIndex { get; }

    public int SendIndex { get; }

    /// <summary>What ends the loop at end of stream (break or return).</summary>
    public StatementSyntax Jump { get; }

    public ExpressionSyntax Source { get; }

    public ExpressionSyntax? ReceiveToken { get; }

    public ExpressionSyntax Target { get; }

    public ExpressionSyntax? SendToken { get; }

    public bool ConfigureAwaitFalse { get; }

    public ILocalSymbol Count { get; }

    /// <summary>The count is read elsewhere: it stays, as the chunk's length.</summary>
    public bool KeepCount { get; private set; }

    /// <summary>The count's own declaration before a while-condition loop, removed when nothing reads the count any more.</summary>
    public LocalDeclarationStatementSyntax? CountDeclaration { get; private set; }

    /// <summary>The buffer's own declaration, removed with the loop when nothing else uses it; null to keep it.</summary>
    public LocalDeclarationStatementSyntax? BufferDeclaration { get; }

    public bool IsWhileCondition => ReceiveIndex < 0;

    /// <summary>Where the pattern starts in the document (one rewrite per loop).</summary>
    public int SpanStart => Loop.SpanStart;

    /// <summary>Finds the pattern around the BYP101 call at <paramref name="invocation"/> (the receive or the send).</summary>
    public static ForwardLoopPattern? Match(InvocationExpressionSyntax invocation, SemanticModel model, CancellationToken cancellationToken)
    {
        StatementSyntax? loop = invocation.Ancestors().OfType<StatementSyntax>()
            .FirstOrDefault(s => s is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or ForEachStatementSyntax);
        BlockSyntax? body = loop switch
        {
            WhileStatementSyntax w => w.Statement as BlockSyntax,
            DoStatementSyntax d => d.Statement as BlockSyntax,
            ForStatementSyntax f => f.Statement as BlockSyntax,
            ForEachStatementSyntax f => f.Statement as BlockSyntax,
            _ => null,
        };
        if (loop is null || body is null)
        {
            return null;
        }

        return loop is WhileStatementSyntax { Condition: var condition } && condition.Contains(invocation)
            ? MatchWhileCondition((WhileStatementSyntax)loop, body, model, cancellationToken)
            : MatchDeclaration(loop, body, model, cancellationToken);
    }

    private static ForwardLoopPattern? MatchDeclaration(StatementSyntax loop, BlockSyntax body, SemanticModel model, CancellationToken cancellationToken)
    {
        // int n = await source.ReceiveAsync(buffer[, SocketFlags.None][, ct])[.ConfigureAwait(false)];  then  if (n == 0) break;
        for (int start = 0; start + 1 < body.Statements.Count; start++)
        {
            if (body.Statements[start] is not LocalDeclarationStatementSyntax receive
                || body.Statements[start + 1] is not IfStatementSyntax check
                || receive.Declaration.Variables.Count != 1
                || receive.Declaration.Variables[0].Initializer?.Value is not AwaitExpressionSyntax receiveAwait
                || receive.Modifiers.Count != 0 || receive.UsingKeyword != default
                || model.GetDeclaredSymbol(receive.Declaration.Variables[0], cancellationToken) is not ILocalSymbol count
                || count.Type.SpecialType != SpecialType.System_Int32
                || !Receive(receiveAwait, model, cancellationToken, out ExpressionSyntax? source, out ExpressionSyntax? receiveToken, out ILocalSymbol? buffer, out bool configured)
                || check.Else is not null || !IsEndCheck(check.Condition, count, model, cancellationToken) || JumpOf(check.Statement) is not { } jump)
            {
                continue;
            }

            return Complete(loop, body, start, start + 2, jump, source!, receiveToken, buffer!, count, configured,
                new[] { receive.Span, check.Condition.Span }, model, cancellationToken);
        }

        return null;
    }

    private static ForwardLoopPattern? MatchWhileCondition(WhileStatementSyntax loop, BlockSyntax body, SemanticModel model, CancellationToken cancellationToken)
    {
        // while ((n = await source.ReceiveAsync(buffer, ...)) > 0)   (or != 0, 0 < (...))
        if (model.GetOperation(loop.Condition, cancellationToken) is not IBinaryOperation binary)
        {
            return null;
        }

        IOperation? assignmentSide = binary.OperatorKind switch
        {
            BinaryOperatorKind.GreaterThan or BinaryOperatorKind.NotEquals when IsZero(binary.RightOperand) => binary.LeftOperand,
            BinaryOperatorKind.LessThan or BinaryOperatorKind.NotEquals when IsZero(binary.LeftOperand) => binary.RightOperand,
            _ => null,
        };
        if (assignmentSide is not ISimpleAssignmentOperation { Target: ILocalReferenceOperation { Local: var count } } assignment
            || count.Type.SpecialType != SpecialType.System_Int32
            || assignment.Value.Syntax is not AwaitExpressionSyntax receiveAwait
            || !Receive(receiveAwait, model, cancellationToken, out ExpressionSyntax? source, out ExpressionSyntax? receiveToken, out ILocalSymbol? buffer, out bool configured))
        {
            return null;
        }

        // The count must not be read after the loop: after the rewrite it is assigned only inside it.
        if (References(loop.Parent, count, model, cancellationToken).Any(n => !loop.Span.Contains(n.Span)
            && !(n.Parent is VariableDeclaratorSyntax)))
        {
            return null;
        }

        ForwardLoopPattern? pattern = Complete(loop, body, -1, 0, SyntaxFactory.BreakStatement(), source!, receiveToken, buffer!, count, configured,
            new[] { loop.Condition.Span }, model, cancellationToken);
        if (pattern is not null && !pattern.KeepCount)
        {
            // Nothing reads the count any more: its declaration goes too, or it would be an unused variable.
            if (count.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax
                {
                    Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax countDeclaration },
                } declarator
                && (declarator.Initializer is null || declarator.Initializer.Value is LiteralExpressionSyntax))
            {
                pattern.CountDeclaration = countDeclaration;
            }
            else
            {
                pattern.KeepCount = true;
            }
        }

        return pattern;
    }

    /// <summary>Finds the send of the buffer's prefix after <paramref name="from"/>, and checks what lies between.</summary>
    private static ForwardLoopPattern? Complete(
        StatementSyntax loop,
        BlockSyntax body,
        int receiveIndex,
        int from,
        StatementSyntax jump,
        ExpressionSyntax source,
        ExpressionSyntax? receiveToken,
        ILocalSymbol buffer,
        ILocalSymbol count,
        bool configured,
        TextSpan[] allowed,
        SemanticModel model,
        CancellationToken cancellationToken)
    {
        for (int index = from; index < body.Statements.Count; index++)
        {
            StatementSyntax statement = body.Statements[index];
            if (statement is ExpressionStatementSyntax { Expression: AwaitExpressionSyntax sendAwait } send
                && Unwrap(sendAwait.Expression, out bool sendConfigured) is { } sendCall
                && sendConfigured == configured
                && model.GetOperation(sendCall, cancellationToken) is IInvocationOperation sendOperation
                && sendOperation.TargetMethod.Name == "SendAsync"
                && sendOperation.TargetMethod.ContainingType?.ToDisplayString() == "BypassNet.BypassSocket"
                && sendCall.Expression is MemberAccessExpressionSyntax sendAccess
                && Arguments(sendOperation, out ExpressionSyntax? sendBuffer, out ExpressionSyntax? sendToken)
                && IsPrefix(sendBuffer!, buffer, count, model, cancellationToken))
            {
                // Statements between the end check and the send: no jump may skip the send (the chunk would leak).
                for (int between = from; between < index; between++)
                {
                    if (body.Statements[between].DescendantNodesAndSelf().Any(n => n is BreakStatementSyntax or ContinueStatementSyntax
                        or ReturnStatementSyntax or GotoStatementSyntax or YieldStatementSyntax))
                    {
                        return null;
                    }
                }

                // The buffer is used nowhere else in the method: its contents after the rewrite do not matter.
                SyntaxNode method = loop.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax
                    or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax) ?? loop;
                var spans = allowed.Concat(new[] { send.Span }).ToArray();
                LocalDeclarationStatementSyntax? bufferDeclaration = null;
                foreach (IdentifierNameSyntax name in References(method, buffer, model, cancellationToken))
                {
                    if (!spans.Any(span => span.Contains(name.Span)))
                    {
                        return null;
                    }
                }

                if (buffer.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax
                    {
                        Initializer.Value: var initializer,
                        Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0 } declaration },
                    }
                    && IsFreshArray(initializer, model, cancellationToken))
                {
                    bufferDeclaration = declaration;
                }

                bool keepCount = References(method, count, model, cancellationToken)
                    .Any(n => !spans.Any(span => span.Contains(n.Span)) && n.Parent is not VariableDeclaratorSyntax);
                return new ForwardLoopPattern(loop, body, receiveIndex, index, jump, source, receiveToken, sendAccess.Expression, sendToken,
                    configured, count, keepCount, bufferDeclaration);
            }
        }

        return null;
    }

    /// <summary><c>await source.ReceiveAsync(buffer[, SocketFlags.None][, ct])[.ConfigureAwait(false)]</c> on a BypassSocket.</summary>
    private static bool Receive(AwaitExpressionSyntax receiveAwait, SemanticModel model, CancellationToken cancellationToken,
        out ExpressionSyntax? source, out ExpressionSyntax? token, out ILocalSymbol? buffer, out bool configured)
    {
        source = null;
        token = null;
        buffer = null;
        if (Unwrap(receiveAwait.Expression, out configured) is not { } receiveCall
            || model.GetOperation(receiveCall, cancellationToken) is not IInvocationOperation receiveOperation
            || receiveOperation.TargetMethod.Name != "ReceiveAsync"
            || receiveOperation.TargetMethod.ContainingType?.ToDisplayString() != "BypassNet.BypassSocket"
            || receiveCall.Expression is not MemberAccessExpressionSyntax receiveAccess
            || !Arguments(receiveOperation, out ExpressionSyntax? receiveBuffer, out token))
        {
            return false;
        }

        buffer = WholeBuffer(receiveBuffer!, model, cancellationToken);
        source = receiveAccess.Expression;
        return buffer is not null;
    }

    private static IEnumerable<IdentifierNameSyntax> References(SyntaxNode? scope, ILocalSymbol local, SemanticModel model, CancellationToken cancellationToken) =>
        scope is null
            ? Enumerable.Empty<IdentifierNameSyntax>()
            : scope.DescendantNodes().OfType<IdentifierNameSyntax>()
                .Where(n => n.Identifier.ValueText == local.Name && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(n, cancellationToken).Symbol, local));

    /// <summary>A new array of constant size (<c>new byte[16 * 1024]</c>): dropping it changes nothing but an allocation.</summary>
    private static bool IsFreshArray(ExpressionSyntax initializer, SemanticModel model, CancellationToken cancellationToken)
    {
        IOperation? operation = model.GetOperation(initializer, cancellationToken);
        while (operation is IConversionOperation { IsImplicit: true } conversion)
        {
            operation = conversion.Operand;
        }

        return operation is IArrayCreationOperation { Initializer: null } array && array.DimensionSizes.All(d => d.ConstantValue.HasValue);
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

    /// <summary>The buffer argument (Memory, ReadOnlyMemory or ArraySegment of byte), SocketFlags only as a constant None, and the token if one is passed.</summary>
    private static bool Arguments(IInvocationOperation invocation, out ExpressionSyntax? buffer, out ExpressionSyntax? token)
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
                if (type is not ("System.Memory<byte>" or "System.ReadOnlyMemory<byte>" or "System.ArraySegment<byte>"))
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
        else if (expression is BaseObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: 1 } segment && IsArraySegment(segment, model, cancellationToken))
        {
            expression = segment.ArgumentList!.Arguments[0].Expression;
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
            case BaseObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: 3 } segment when IsArraySegment(segment, model, cancellationToken):
                return IsLocal(segment.ArgumentList!.Arguments[0].Expression, buffer, model, cancellationToken)
                    && IsZero(segment.ArgumentList.Arguments[1].Expression)
                    && IsLocal(segment.ArgumentList.Arguments[2].Expression, count, model, cancellationToken);
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

    private static bool IsArraySegment(BaseObjectCreationExpressionSyntax creation, SemanticModel model, CancellationToken cancellationToken) =>
        model.GetTypeInfo(creation, cancellationToken).Type?.ToDisplayString() == "System.ArraySegment<byte>";

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
            BinaryOperatorKind.LessThan => IsLocal(binary.LeftOperand, count) && binary.RightOperand.ConstantValue is { HasValue: true, Value: 1 },
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
