using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using BypassNet.Engines.Uring;
using BypassNet.FaultTests.Support;
using BypassNet.Ring;

namespace BypassNet.FaultTests;

/// <summary>
/// A ring that fails: everything pending on it fails with the ring's error, its sockets dispose, the other ring goes on.
/// The failure is injected (a test-only hook makes one io_uring_enter return -EBADR) because the kernel cannot be
/// made to drop completions on demand; everything else — the sockets, the pending requests, the peers — is real.
/// </summary>
public sealed class RingFailureTests
{
    private const int EBADR = 53;

    [Fact]
    public async Task A_failed_ring_fails_its_pending_receive_accept_and_send_with_the_errno_and_the_other_ring_keeps_echoing()
    {
        if (!Faults.IoUringAvailable)
        {
            return;
        }

        var failures = new List<(long Value, int Errno)>();
        using var meter = new MeterListener();
        meter.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == BypassNetMetrics.MeterName && instrument.Name == "bypassnet.ring.failures")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meter.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            int errno = 0;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "errno")
                {
                    errno = (int)tag.Value!;
                }
            }

            lock (failures)
            {
                failures.Add((value, errno));
            }
        });
        meter.Start();

        using BypassRuntime runtime = Faults.Create(EngineKind.IoUring, o => o.RingCount = 2);
        using BypassSocket listener = Faults.Listen(runtime);

        // Accepted sockets go to the rings in turn: take one victim pair and one survivor per ring.
        var plainClients = new List<Socket>();
        var accepted = new List<BypassSocket>();
        for (int i = 0; i < 4; i++)
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            Task<BypassSocket> accept = listener.AcceptAsync();
            await client.ConnectAsync(listener.LocalEndPoint!).WaitAsync(Faults.Guard);
            plainClients.Add(client);
            accepted.Add(await accept.WaitAsync(Faults.Guard));
        }

        RingEventLoop failing = LoopOf(accepted[0]);
        int[] victims = Enumerable.Range(0, 4).Where(i => LoopOf(accepted[i]) == failing).ToArray();
        int survivorIndex = Enumerable.Range(0, 4).First(i => LoopOf(accepted[i]) != failing);
        Assert.True(victims.Length >= 2, "round-robin placement gives each ring two of four sockets");
        BypassSocket receiver = accepted[victims[0]];
        BypassSocket sender = accepted[victims[1]];
        BypassSocket survivor = accepted[survivorIndex];

        // A listener on the failing ring with an accept pending.
        var spare = new List<BypassSocket>();
        BypassSocket failingListener = Faults.Listen(runtime);
        while (LoopOf(failingListener) != failing)
        {
            spare.Add(failingListener);
            failingListener = Faults.Listen(runtime);
        }

        int before = failing.OperationsInFlight;
        Task<OwnedBuffer> pendingReceive = receiver.ReceiveAsync().AsTask();
        Task<BypassSocket> pendingAccept = failingListener.AcceptAsync();
        // 64 MiB to a peer that never reads cannot complete: the kernel's socket buffers hold a few MiB at most.
        Task<int> pendingSend = sender.SendAsync(new byte[64 << 20], SocketFlags.None);
        Assert.False(pendingReceive.IsCompleted);
        Assert.False(pendingAccept.IsCompleted);

        // The multishot accept and the send are in the kernel (the receive's multishot RECV was armed at accept), so the
        // failure has in-flight operations to fail, not only queued ones.
        await Faults.WaitUntilAsync(() => failing.OperationsInFlight >= before + 2, "accept and send in flight");
        failing.InjectEnterFailure(EBADR);

        foreach (Task pending in new Task[] { pendingReceive, pendingAccept, pendingSend })
        {
            Exception error = await Assert.ThrowsAnyAsync<Exception>(() => pending.WaitAsync(Faults.Guard));
            IOException ring = Assert.IsAssignableFrom<IOException>(error);
            Assert.Contains($"errno {EBADR}", ring.Message);
            Assert.Contains($"ring {failing.Index}", ring.Message);
        }

        await failing.Stopped.WaitAsync(Faults.Guard);
        Assert.Equal(EBADR, failing.Failure!.Errno);

        // Later calls on a socket of the failed ring say why, too.
        IOException later = await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            using OwnedBuffer none = await receiver.ReceiveAsync();
        });
        Assert.Contains($"errno {EBADR}", later.Message);

        // Disposing sockets of the dead ring completes (their close work is rejected and closes the descriptor).
        await receiver.DisposeAsync().AsTask().WaitAsync(Faults.Guard);
        await sender.DisposeAsync().AsTask().WaitAsync(Faults.Guard);
        await failingListener.DisposeAsync().AsTask().WaitAsync(Faults.Guard);

        // The other ring echoes as before.
        Task echo = Faults.EchoUntilClosedAsync(survivor);
        Socket peer = plainClients[survivorIndex];
        byte[] ping = "still here"u8.ToArray();
        await peer.SendAsync(ping, SocketFlags.None);
        byte[] echoed = new byte[ping.Length];
        int filled = 0;
        while (filled < echoed.Length)
        {
            int n = await peer.ReceiveAsync(echoed.AsMemory(filled), SocketFlags.None).AsTask().WaitAsync(Faults.Guard);
            Assert.True(n > 0, "the survivor closed instead of echoing");
            filled += n;
        }

        Assert.Equal(ping, echoed);
        peer.Shutdown(SocketShutdown.Send);
        await echo.WaitAsync(Faults.Guard);
        await survivor.DisposeAsync();

        meter.RecordObservableInstruments();
        lock (failures)
        {
            Assert.Contains(failures, f => f.Value == 1 && f.Errno == EBADR);
        }

        foreach (BypassSocket s in accepted.Concat(spare))
        {
            await s.DisposeAsync().AsTask().WaitAsync(Faults.Guard);
        }

        foreach (Socket c in plainClients)
        {
            c.Dispose();
        }
    }

    private static RingEventLoop LoopOf(BypassSocket socket) => ((UringConnection)socket.Transport).Loop;
}
