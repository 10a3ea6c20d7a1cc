using System.Net.Sockets;
using BypassNet.Interop;

namespace BypassNet.Sockets;

/// <summary>Maps kernel errno values from completions to the <see cref="SocketError"/> that System.Net.Sockets reports for the same failure.</summary>
internal static class SocketErrors
{
    public static SocketError FromErrno(int errno) => errno switch
    {
        Libc.ECONNRESET => SocketError.ConnectionReset,
        Libc.EPIPE => SocketError.Shutdown,
        Libc.ENOTCONN => SocketError.NotConnected,
        Libc.ECANCELED => SocketError.OperationAborted,
        Libc.EBADF => SocketError.OperationAborted,
        Libc.EAGAIN => SocketError.WouldBlock,
        Libc.EINVAL => SocketError.InvalidArgument,
        Libc.ENOBUFS => SocketError.NoBufferSpaceAvailable,
        Libc.ENOMEM => SocketError.NoBufferSpaceAvailable,
        Libc.EMFILE or Libc.ENFILE => SocketError.TooManyOpenSockets,
        Libc.EALREADY => SocketError.AlreadyInProgress,
        Libc.EINPROGRESS => SocketError.InProgress,
        Libc.EOPNOTSUPP => SocketError.OperationNotSupported,
        Libc.EINTR => SocketError.Interrupted,
        103 => SocketError.ConnectionAborted,   // ECONNABORTED
        110 => SocketError.TimedOut,            // ETIMEDOUT
        111 => SocketError.ConnectionRefused,   // ECONNREFUSED
        113 => SocketError.HostUnreachable,     // EHOSTUNREACH
        101 => SocketError.NetworkUnreachable,  // ENETUNREACH
        100 => SocketError.NetworkDown,         // ENETDOWN
        98 => SocketError.AddressAlreadyInUse,  // EADDRINUSE
        99 => SocketError.AddressNotAvailable,  // EADDRNOTAVAIL
        106 => SocketError.IsConnected,         // EISCONN
        13 => SocketError.AccessDenied,         // EACCES
        _ => SocketError.SocketError,
    };

    public static SocketException Exception(int errno) => new((int)FromErrno(errno));
}
