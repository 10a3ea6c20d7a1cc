using System.Runtime.InteropServices;

namespace BypassNet.Interop;

/// <summary>A small block of native memory (a sockaddr for CONNECT) that must outlive the submission naming it.</summary>
internal sealed unsafe class NativeBuffer : SafeHandle
{
    public NativeBuffer(ReadOnlySpan<byte> contents) : base(IntPtr.Zero, ownsHandle: true)
    {
        Length = contents.Length;
        void* memory = NativeMemory.AllocZeroed((nuint)Math.Max(1, contents.Length));
        contents.CopyTo(new Span<byte>(memory, contents.Length));
        SetHandle((nint)memory);
    }

    public int Length { get; }

    public nint Address => handle;

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMemory.Free((void*)handle);
        return true;
    }
}
