using System.Net.Sockets;
using BypassNet.FaultTests.Support;
using BypassNet.Ring;

namespace BypassNet.FaultTests;

/// <summary>
/// Completion racing cancellation, thousands of times, on the real ring: every await completes exactly once (a value or
/// a cancellation, nothing lost, nothing twice) and no token registration outlives its wait — counted by
/// <see cref="CancelableWait.LiveRegistrations"/> while a long-lived token, which would keep a leaked one forever, is
/// still alive.
/// </summary>
public sealed class RegistrationRaceTests
{
    private const int Rounds = 3000;

    [Fact]
    public async Task Receives_racing_data_against_cancellation_complete_once_lose_nothing_and_leak_no_registration()
    {
        if (!Faults.IoUringAvailable)
        {
            return;
        }

        using BypassRuntime runtime = Faults.Create(EngineKind.IoUring, o => o.RingCount = 1);
        using BypassSocket listener = Faults.Listen(runtime);
        using var client = new Socket(System.Net.Sockets.AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Task<BypassSocket> accepting = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        await using BypassSocket server = await accepting.WaitAsync(Faults.Guard);
        using var longLived = new CancellationTokenSource();
        long baseline = CancelableWait.LiveRegistrations;

        long received = 0;
        int canceled = 0;
        byte[] one = { 1 };
        byte[] target = new byte[1];
        for (int i = 0; i < Rounds; i++)
        {
            // Even rounds: the token fires while the byte arrives. Odd rounds: a token that never fires, with the byte
            // arriving while the receive registers (the window where a registration used to leak).
            using var perRound = new CancellationTokenSource();
            bool racingCancel = i % 2 == 0;
            CancellationToken token = racingCancel ? perRound.Token : longLived.Token;
            Task send = Task.Run(() => client.Send(one));
            Task cancel = racingCancel ? Task.Run(perRound.Cancel) : Task.CompletedTask;
            try
            {
                if (i % 4 < 2)
                {
                    received += await server.ReceiveAsync(target, SocketFlags.None, token).AsTask().WaitAsync(Faults.Guard);
                }
                else
                {
                    using OwnedBuffer buffer = await server.ReceiveAsync(token).AsTask().WaitAsync(Faults.Guard);
                    received += buffer.Length;
                }
            }
            catch (OperationCanceledException)
            {
                Assert.True(racingCancel, "only a fired token cancels");
                canceled++;
            }

            await send;
            await cancel;
        }

        Assert.Equal(baseline, CancelableWait.LiveRegistrations);

        // Bytes a canceled receive left behind are still queued: the stream is whole.
        client.Shutdown(SocketShutdown.Send);
        byte[] rest = await Faults.ReadToEndAsync(server).WaitAsync(Faults.Guard);
        Assert.Equal(Rounds, received + rest.Length);
        Assert.True(canceled <= Rounds / 2);
        longLived.Cancel();
        Assert.Equal(baseline, CancelableWait.LiveRegistrations);
    }

    [Fact]
    public async Task Accepts_racing_connections_against_cancellation_complete_once_lose_no_connection_and_leak_no_registration()
    {
        if (!Faults.IoUringAvailable)
        {
            return;
        }

        const int rounds = 400;
        using BypassRuntime runtime = Faults.Create(EngineKind.IoUring, o => o.RingCount = 1);
        using BypassSocket listener = Faults.Listen(runtime);
        using var longLived = new CancellationTokenSource();
        long baseline = CancelableWait.LiveRegistrations;
        var clients = new List<Socket>();
        var accepted = new List<BypassSocket>();
        for (int i = 0; i < rounds; i++)
        {
            using var perRound = new CancellationTokenSource();
            bool racingCancel = i % 2 == 0;
            var client = new Socket(System.Net.Sockets.AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            clients.Add(client);
            Task connect = client.ConnectAsync(listener.LocalEndPoint!);
            Task cancel = racingCancel ? Task.Run(perRound.Cancel) : Task.CompletedTask;
            try
            {
                accepted.Add(await listener.AcceptAsync(racingCancel ? perRound.Token : longLived.Token).AsTask().WaitAsync(Faults.Guard));
            }
            catch (OperationCanceledException)
            {
                Assert.True(racingCancel, "only a fired token cancels");
            }

            await connect.WaitAsync(Faults.Guard);
            await cancel;
        }

        Assert.Equal(baseline, CancelableWait.LiveRegistrations);

        // Connections that arrived while their accept was canceled wait for the next accepts.
        while (accepted.Count < rounds)
        {
            accepted.Add(await listener.AcceptAsync().WaitAsync(Faults.Guard));
        }

        longLived.Cancel();
        Assert.Equal(baseline, CancelableWait.LiveRegistrations);
        foreach (BypassSocket socket in accepted)
        {
            await socket.DisposeAsync();
        }

        foreach (Socket client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task Sends_racing_cancellation_complete_once_and_leak_no_registration()
    {
        if (!Faults.IoUringAvailable)
        {
            return;
        }

        using BypassRuntime runtime = Faults.Create(EngineKind.IoUring, o => o.RingCount = 1);
        using BypassSocket listener = Faults.Listen(runtime);
        using var peer = new Socket(System.Net.Sockets.AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task<BypassSocket> accepting = listener.AcceptAsync();
        await peer.ConnectAsync(listener.LocalEndPoint!);
        await using BypassSocket server = await accepting.WaitAsync(Faults.Guard);
        using var longLived = new CancellationTokenSource();
        long baseline = CancelableWait.LiveRegistrations;
        Task drain = Task.Run(async () =>
        {
            byte[] sink = new byte[64 * 1024];
            while (await peer.ReceiveAsync(sink, SocketFlags.None) > 0)
            {
            }
        });

        byte[] payload = new byte[512];
        int completed = 0;
        for (int i = 0; i < Rounds; i++)
        {
            using var perRound = new CancellationTokenSource();
            bool racingCancel = i % 2 == 0;
            Task cancel = racingCancel ? Task.Run(perRound.Cancel) : Task.CompletedTask;
            try
            {
                int sent = await server.SendAsync(payload, racingCancel ? perRound.Token : longLived.Token).AsTask().WaitAsync(Faults.Guard);
                Assert.Equal(payload.Length, sent);
            }
            catch (OperationCanceledException)
            {
                Assert.True(racingCancel, "only a fired token cancels");
            }

            completed++;
            await cancel;
        }

        Assert.Equal(Rounds, completed);
        Assert.Equal(baseline, CancelableWait.LiveRegistrations);
        server.Shutdown(SocketShutdown.Send);
        await drain.WaitAsync(Faults.Guard);
        longLived.Cancel();
        Assert.Equal(baseline, CancelableWait.LiveRegistrations);
    }
}
