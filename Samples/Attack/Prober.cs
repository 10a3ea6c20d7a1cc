using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BypassNet.Samples.Attack;

/// <summary>
/// A healthy client beside an attack: every interval it sends one request and waits (up to the timeout) for the
/// answer, either on one kept connection (reconnecting after a failure) or on a new connection each time, which also
/// tests the accept path.
/// </summary>
internal sealed class Prober(IPEndPoint target, ProbeProtocol protocol, TimeSpan interval, TimeSpan timeout, bool freshConnections)
{
    public async Task<ProbeReport> RunAsync(string label, CancellationToken stop)
    {
        var report = new ProbeReport(label);
        Socket? kept = null;
        var buffer = new byte[64 * 1024];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                long started = Stopwatch.GetTimestamp();
                using var deadline = new CancellationTokenSource(timeout);
                try
                {
                    if (kept is null || freshConnections)
                    {
                        kept?.Dispose();
                        kept = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                        await kept.ConnectAsync(target, deadline.Token).ConfigureAwait(false);
                    }

                    await kept.SendAsync(protocol.Request, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                    int received = 0;
                    while (!protocol.IsComplete(buffer.AsSpan(0, received)))
                    {
                        int n = await kept.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, deadline.Token).ConfigureAwait(false);
                        if (n == 0)
                        {
                            throw new EndOfStreamException("the server closed the connection");
                        }

                        received += n;
                    }

                    report.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or EndOfStreamException or InvalidDataException)
                {
                    report.Fail(ex is OperationCanceledException ? $"no answer within {timeout.TotalMilliseconds:0} ms" : ex.Message);
                    kept?.Dispose();
                    kept = null;
                }

                TimeSpan left = interval - Stopwatch.GetElapsedTime(started);
                if (left > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(left, stop).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            kept?.Dispose();
        }

        return report;
    }
}
