namespace BypassNet.Analyzers.Tests.Verifier;

/// <summary>
/// Minimal stand-ins of the runtime's ownership contract, compiled beside every test source so the tests do not
/// depend on the runtime assembly. Bodies throw so the stand-ins themselves give no diagnostics.
/// </summary>
public static class StandIns
{
    /// <summary>The stand-in source.</summary>
    public const string Source = """
        #nullable enable
        using System;
        using System.Buffers;
        using System.Diagnostics.CodeAnalysis;
        using System.Net.Sockets;
        using System.Threading;
        using System.Threading.Tasks;

        namespace BypassNet
        {
            [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface, Inherited = true)]
            public sealed class OwnedAttribute : Attribute { }

            [AttributeUsage(AttributeTargets.Parameter)]
            public sealed class TakesOwnershipAttribute : Attribute { }

            [Owned]
            public sealed class OwnedBuffer : MemoryManager<byte>, IDisposable
            {
                public Span<byte> Span => throw new NotImplementedException();
                public int Length { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
                public int Capacity => throw new NotImplementedException();
                public override Span<byte> GetSpan() => throw new NotImplementedException();
                public override MemoryHandle Pin(int elementIndex = 0) => throw new NotImplementedException();
                public override void Unpin() => throw new NotImplementedException();
                protected override void Dispose(bool disposing) => throw new NotImplementedException();
                public void Dispose() => throw new NotImplementedException();
            }

            public sealed class BufferPool : IDisposable
            {
                public OwnedBuffer Rent() => throw new NotImplementedException();
                public bool TryRent([NotNullWhen(true)] out OwnedBuffer? buffer) => throw new NotImplementedException();
                public ValueTask<OwnedBuffer> RentAsync(CancellationToken ct = default) => throw new NotImplementedException();
                public void Dispose() => throw new NotImplementedException();
            }

            public sealed class BypassSocket
            {
                public ValueTask<int> SendAsync([TakesOwnership] OwnedBuffer buffer, CancellationToken ct = default) => throw new NotImplementedException();
                public ValueTask<OwnedBuffer> ReceiveAsync(CancellationToken ct = default) => throw new NotImplementedException();
                public ValueTask<int> SendAsync(ReadOnlyMemory<byte> m, SocketFlags f, CancellationToken ct = default) => throw new NotImplementedException();
            }

            /// A wrapper whose constructor takes ownership of its payload.
            public sealed class Frame : IDisposable
            {
                public Frame([TakesOwnership] OwnedBuffer payload, int header = 0) => throw new NotImplementedException();
                public void Dispose() => throw new NotImplementedException();
            }

            /// A wrapper whose constructor only borrows.
            public sealed class Reader
            {
                public Reader(OwnedBuffer buffer) => throw new NotImplementedException();
                public int Read() => throw new NotImplementedException();
            }

            public static class Wire
            {
                public static void Send([TakesOwnership] OwnedBuffer buffer) => throw new NotImplementedException();
                public static int SendWith([TakesOwnership] OwnedBuffer buffer, int length) => throw new NotImplementedException();
                public static int SendBoth([TakesOwnership] OwnedBuffer first, [TakesOwnership] OwnedBuffer second) => throw new NotImplementedException();
                public static int SendLater(int delay, [TakesOwnership] OwnedBuffer buffer) => throw new NotImplementedException();
                public static void Transmit([TakesOwnership] this OwnedBuffer buffer, BypassSocket socket) => throw new NotImplementedException();
                public static int Peek(this OwnedBuffer buffer) => throw new NotImplementedException();
                public static void Use(OwnedBuffer buffer) => throw new NotImplementedException();
                public static void Use(ReadOnlySpan<byte> span) => throw new NotImplementedException();
                public static void Use(ReadOnlyMemory<byte> memory) => throw new NotImplementedException();
                public static int Combine(int a, int b) => throw new NotImplementedException();
                public static bool Check(bool value) => throw new NotImplementedException();
            }
        }
        """;

    /// <summary>
    /// The same contract in the runtime's current shape: <c>OwnedBuffer</c> a readonly struct handle (no
    /// MemoryManager base) and <c>TryRent</c> with a plain out value, so the rules are checked on a value-type owned type.
    /// </summary>
    public static readonly string StructSource = Source
        .Replace(ClassOwnedBuffer, StructOwnedBuffer, StringComparison.Ordinal)
        .Replace(ClassTryRent, "public bool TryRent(out OwnedBuffer buffer) => throw new NotImplementedException();", StringComparison.Ordinal);

    private const string ClassTryRent = "public bool TryRent([NotNullWhen(true)] out OwnedBuffer? buffer) => throw new NotImplementedException();";

    private const string ClassOwnedBuffer = """
            [Owned]
            public sealed class OwnedBuffer : MemoryManager<byte>, IDisposable
            {
                public Span<byte> Span => throw new NotImplementedException();
                public int Length { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
                public int Capacity => throw new NotImplementedException();
                public override Span<byte> GetSpan() => throw new NotImplementedException();
                public override MemoryHandle Pin(int elementIndex = 0) => throw new NotImplementedException();
                public override void Unpin() => throw new NotImplementedException();
                protected override void Dispose(bool disposing) => throw new NotImplementedException();
                public void Dispose() => throw new NotImplementedException();
            }
        """;

    private const string StructOwnedBuffer = """
            [Owned]
            public readonly struct OwnedBuffer : IDisposable
            {
                public Span<byte> Span => throw new NotImplementedException();
                public Memory<byte> Memory => throw new NotImplementedException();
                public int Length { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
                public int Capacity => throw new NotImplementedException();
                public bool IsOwned => throw new NotImplementedException();
                public MemoryHandle Pin(int elementIndex = 0) => throw new NotImplementedException();
                public void Unpin() => throw new NotImplementedException();
                public void Dispose() => throw new NotImplementedException();
            }
        """;
}
