using System.Net;
using System.Net.Sockets;
using System.Text;
using BypassNet.Compat.Tests.Support;

namespace BypassNet.Compat.Tests.Apm;

/// <summary>
/// The Begin/End pairs of <see cref="BypassSocket"/>, <see cref="BypassTcpListener"/>, <see cref="BypassTcpClient"/> and
/// <see cref="BypassNetworkStream"/> behave like those of Socket, TcpListener, TcpClient and NetworkStream, which callback-style programs (the accept / receive / send
/// chains of the classic asynchronous server) rely on: real loopback connections on both engines, stock peers, and the
/// stock type's exceptions and error codes side by side.
/// </summary>
public sealed class BeginEndTests : IClassFixture<EngineRuntimes>
{
    private readonly EngineRuntimes _runtimes;

    public BeginEndTests(EngineRuntimes runtimes) => _runtimes = runtimes;

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task A_callback_chained_echo_server_serves_stock_clients(EngineKind engine)
    {
        using var listener = new BypassSocket(_runtimes[engine], AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        var server = new CallbackEchoServer(listener);
        server.Start();

        var clients = new List<TcpClient>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                var client = new TcpClient();
                clients.Add(client);
                await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndPoint!).Port, Deadline.Token());
            }

            // Interleaved, so each connection's chain must keep its own buffer and state.
            for (int round = 0; round < 20; round++)
            {
                for (int i = 0; i < clients.Count; i++)
                {
                    byte[] message = Encoding.ASCII.GetBytes($"client {i} round {round}\n");
                    await clients[i].GetStream().WriteAsync(message, Deadline.Token());
                    Assert.Equal(message, await ReadExactlyAsync(clients[i].GetStream(), message.Length));
                }
            }

            // A peer that leaves: EndReceive gives 0, and the server closes its side.
            NetworkStream leaving = clients[0].GetStream();
            clients[0].Client.Shutdown(SocketShutdown.Send);
            Assert.Equal(0, await leaving.ReadAsync(new byte[1], Deadline.Token()));
            Assert.Equal(1, await server.Closed.Task.WaitAsync(Deadline.Token()));
            Assert.Null(server.Failure);
            Assert.All(server.Sockets, s => Assert.Equal(engine, s.Engine));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
            server.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task BeginConnect_reaches_a_stock_listener_and_reports_a_refusal_in_EndConnect(EngineKind engine)
    {
        using var stock = new TcpListener(IPAddress.Loopback, 0);
        stock.Start();
        int port = ((IPEndPoint)stock.LocalEndpoint).Port;

        using var socket = new BypassSocket(_runtimes[engine], AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var ended = new TaskCompletionSource<IAsyncResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        IAsyncResult pending = socket.BeginConnect(IPAddress.Loopback, port, ar => ended.SetResult(ar), "state");
        Assert.Equal("state", pending.AsyncState);
        IAsyncResult result = await ended.Task.WaitAsync(Deadline.Token());
        socket.EndConnect(result);
        Assert.True(socket.Connected);
        using TcpClient accepted = await stock.AcceptTcpClientAsync(Deadline.Token());
        Assert.Equal(((IPEndPoint)socket.LocalEndPoint!).Port, ((IPEndPoint)accepted.Client.RemoteEndPoint!).Port);

        // The connect-with-timeout idiom: wait on the handle, then look at Connected before EndConnect.
        using var timed = new BypassSocket(_runtimes[engine], AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        IAsyncResult connecting = timed.BeginConnect("127.0.0.1", port, null, null);
        Assert.True(connecting.AsyncWaitHandle.WaitOne(Deadline.Hang));
        Assert.True(timed.Connected);
        timed.EndConnect(connecting);
        using TcpClient acceptedTimed = await stock.AcceptTcpClientAsync(Deadline.Token());

        // A port nobody listens on, for both: the refusal surfaces in EndConnect, the same way.
        int closedPort = ClosedPort();
        using var ours = new BypassSocket(_runtimes[engine], AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var theirs = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        IAsyncResult oursPending = ours.BeginConnect(new IPEndPoint(IPAddress.Loopback, closedPort), null, null);
        IAsyncResult theirsPending = theirs.BeginConnect(new IPEndPoint(IPAddress.Loopback, closedPort), null, null);
        var oursError = Assert.Throws<SocketException>(() => ours.EndConnect(oursPending));
        var theirsError = Assert.Throws<SocketException>(() => theirs.EndConnect(theirsPending));
        Assert.Equal(theirsError.SocketErrorCode, oursError.SocketErrorCode);
        Assert.Equal(SocketError.ConnectionRefused, oursError.SocketErrorCode);
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task A_reset_peer_is_an_exception_from_EndReceive_and_a_code_from_its_out_overload(EngineKind engine)
    {
        using SideBySide pairs = await SideBySideAsync(engine);
        (BypassSocket client, BypassSocket server, Socket stockClient, Socket stockServer) = pairs;

        var buffer = new byte[16];
        IAsyncResult ours = server.BeginReceive(buffer, 0, buffer.Length, SocketFlags.None, out SocketError oursBegin, null, null)!;
        IAsyncResult theirs = stockServer.BeginReceive(buffer, 0, buffer.Length, SocketFlags.None, out SocketError theirsBegin, null, null)!;
        Assert.Equal(SocketError.Success, oursBegin);
        Assert.Equal(theirsBegin, oursBegin);
        Reset(client);
        Reset(stockClient);

        int oursReceived = server.EndReceive(ours, out SocketError oursEnd);
        int theirsReceived = stockServer.EndReceive(theirs, out SocketError theirsEnd);
        Assert.Equal(theirsReceived, oursReceived);
        Assert.Equal(theirsEnd, oursEnd);
        Assert.Equal(SocketError.ConnectionReset, oursEnd);

        // A second receive on the reset connection, with the plain overloads: whatever Socket does, BypassSocket does.
        IAsyncResult again = server.BeginReceive(buffer, 0, buffer.Length, SocketFlags.None, null, null);
        IAsyncResult stockAgain = stockServer.BeginReceive(buffer, 0, buffer.Length, SocketFlags.None, null, null);
        Assert.Equal(Outcome(() => stockServer.EndReceive(stockAgain)), Outcome(() => server.EndReceive(again)));
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Closing_the_socket_ends_a_pending_receive_and_End_then_throws_ObjectDisposed(EngineKind engine)
    {
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(_runtimes[engine]);
        using BypassSocket _ = client;
        var called = new TaskCompletionSource<IAsyncResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        IAsyncResult pending = server.BeginReceive(new byte[8], 0, 8, SocketFlags.None, ar => called.SetResult(ar), null);
        server.Dispose();

        // The callback still runs, as Socket's does, and EndReceive on the closed socket throws what Socket's throws.
        Assert.Same(pending, await called.Task.WaitAsync(Deadline.Token()));
        Assert.Throws<ObjectDisposedException>(() => server.EndReceive(pending));
        Assert.Throws<ObjectDisposedException>(() => server.BeginReceive(new byte[8], 0, 8, SocketFlags.None, null, null));
        Assert.Throws<ObjectDisposedException>(() => server.BeginSend(new byte[8], 0, 8, SocketFlags.None, null, null));
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Bad_arguments_fail_synchronously_as_Socket_s_do(EngineKind engine)
    {
        using SideBySide pairs = await SideBySideAsync(engine);
        (BypassSocket client, BypassSocket server, Socket stockClient, Socket stockServer) = pairs;

        var buffer = new byte[8];
        Assert.Equal(
            Outcome(() => stockClient.BeginSend(null!, 0, 1, SocketFlags.None, null, null)),
            Outcome(() => client.BeginSend(null!, 0, 1, SocketFlags.None, null, null)));
        Assert.Equal(
            Outcome(() => stockClient.BeginReceive(buffer, 9, 0, SocketFlags.None, null, null)),
            Outcome(() => client.BeginReceive(buffer, 9, 0, SocketFlags.None, null, null)));
        Assert.Equal(
            Outcome(() => stockClient.BeginReceive(buffer, 4, 5, SocketFlags.None, null, null)),
            Outcome(() => client.BeginReceive(buffer, 4, 5, SocketFlags.None, null, null)));

        // An IAsyncResult from another operation's Begin is not this End's.
        IAsyncResult foreign = Task.CompletedTask.ContinueWith(_ => 0, TaskScheduler.Default);
        Assert.Equal(Outcome(() => stockClient.EndReceive(foreign)), Outcome(() => client.EndReceive(foreign)));

        // A send that fits completes with its byte count, in the callback and in EndSend.
        var sent = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.BeginSend("abc"u8.ToArray(), 0, 3, SocketFlags.None, ar => sent.SetResult(client.EndSend(ar, out SocketError e) + (e == SocketError.Success ? 0 : 1000)), null);
        Assert.Equal(3, await sent.Task.WaitAsync(Deadline.Token()));
        Assert.Equal(3, await server.ReceiveAsync(buffer.AsMemory(), Deadline.Token()));
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task The_listener_accepts_through_Begin_End_and_Stop_ends_a_pending_accept_as_TcpListener_does(EngineKind engine)
    {
        using var listener = new BypassTcpListener(_runtimes[engine], new IPEndPoint(IPAddress.Loopback, 0));
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var acceptedClient = new TaskCompletionSource<BypassTcpClient>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.BeginAcceptTcpClient(ar => acceptedClient.SetResult(((BypassTcpListener)ar.AsyncState!).EndAcceptTcpClient(ar)), listener);
        using var stock = new TcpClient();
        await stock.ConnectAsync(IPAddress.Loopback, port, Deadline.Token());
        using BypassTcpClient accepted = await acceptedClient.Task.WaitAsync(Deadline.Token());
        await stock.GetStream().WriteAsync("hi"u8.ToArray(), Deadline.Token());
        Assert.Equal("hi"u8.ToArray(), await ReadExactlyAsync(accepted.GetStream(), 2));

        var acceptedSocket = new TaskCompletionSource<BypassSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.BeginAcceptSocket(ar => acceptedSocket.SetResult(listener.EndAcceptSocket(ar)), null);
        using var stockToo = new TcpClient();
        await stockToo.ConnectAsync(IPAddress.Loopback, port, Deadline.Token());
        using BypassSocket acceptedRaw = await acceptedSocket.Task.WaitAsync(Deadline.Token());
        Assert.Equal(engine, acceptedRaw.Engine);

        // Stop with an accept pending: the callback runs and End throws; TcpListener throws the same.
        using var stockListener = new TcpListener(IPAddress.Loopback, 0);
        stockListener.Start();
        var oursEnded = new TaskCompletionSource<IAsyncResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var theirsEnded = new TaskCompletionSource<IAsyncResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.BeginAcceptTcpClient(ar => oursEnded.SetResult(ar), null);
        stockListener.BeginAcceptTcpClient(ar => theirsEnded.SetResult(ar), null);
        listener.Stop();
        stockListener.Stop();
        IAsyncResult ours = await oursEnded.Task.WaitAsync(Deadline.Token());
        IAsyncResult theirs = await theirsEnded.Task.WaitAsync(Deadline.Token());
        Assert.Equal(Outcome(() => stockListener.EndAcceptTcpClient(theirs)), Outcome(() => listener.EndAcceptTcpClient(ours)));
        Assert.Throws<ObjectDisposedException>(() => listener.EndAcceptTcpClient(ours));
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task The_client_connects_through_Begin_End(EngineKind engine)
    {
        using var stock = new TcpListener(IPAddress.Loopback, 0);
        stock.Start();
        int port = ((IPEndPoint)stock.LocalEndpoint).Port;
        using var client = new BypassTcpClient(_runtimes[engine], AddressFamily.InterNetwork);
        var ended = new TaskCompletionSource<IAsyncResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.BeginConnect("127.0.0.1", port, ar => ended.SetResult(ar), null);
        client.EndConnect(await ended.Task.WaitAsync(Deadline.Token()));
        Assert.True(client.Connected);
        using TcpClient accepted = await stock.AcceptTcpClientAsync(Deadline.Token());
        await client.GetStream().WriteAsync("ok"u8.ToArray(), Deadline.Token());
        Assert.Equal("ok"u8.ToArray(), await ReadExactlyAsync(accepted.GetStream(), 2));

        using var refused = new BypassTcpClient(_runtimes[engine], AddressFamily.InterNetwork);
        IAsyncResult pending = refused.BeginConnect(IPAddress.Loopback, ClosedPort(), null, null);
        Assert.Equal(SocketError.ConnectionRefused, Assert.Throws<SocketException>(() => refused.EndConnect(pending)).SocketErrorCode);
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task The_stream_reads_and_writes_through_Begin_End_both_ways_at_once_as_NetworkStream_does(EngineKind engine)
    {
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(_runtimes[engine]);
        using BypassSocket _ = client;
        var ours = new BypassNetworkStream(server, ownsSocket: true);

        // A read waits for data while a write goes out on the same stream (Stream's own Begin methods would hold the
        // write back until the read ended, which a chat-style program never lets happen).
        var buffer = new byte[16];
        var read = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        IAsyncResult reading = ours.BeginRead(buffer, 0, buffer.Length, ar => read.SetResult(ours.EndRead(ar)), "read");
        Assert.Equal("read", reading.AsyncState);
        Assert.False(reading.IsCompleted);
        IAsyncResult writing = ours.BeginWrite("out"u8.ToArray(), 0, 3, null, null);
        Assert.True(writing.AsyncWaitHandle.WaitOne(Deadline.Hang), "the write waited for the pending read");
        ours.EndWrite(writing);
        Assert.False(reading.IsCompleted);
        var echoed = new byte[3];
        Assert.Equal(3, await client.ReceiveAsync(echoed.AsMemory(), Deadline.Token()));
        Assert.Equal("out"u8.ToArray(), echoed);
        await client.SendAsync("in"u8.ToArray().AsMemory(), Deadline.Token());
        Assert.Equal(2, await read.Task.WaitAsync(Deadline.Token()));
        Assert.Equal("in"u8.ToArray(), buffer[..2]);

        // A reset peer, and a disposed stream: the same exceptions as NetworkStream's, side by side.
        (Socket stockClient, Socket stockServer) = await StockPairAsync();
        using Socket __ = stockClient;
        using var theirs = new NetworkStream(stockServer, ownsSocket: true);
        IAsyncResult oursPending = ours.BeginRead(buffer, 0, buffer.Length, null, null);
        IAsyncResult theirsPending = theirs.BeginRead(buffer, 0, buffer.Length, null, null);
        Reset(client);
        Reset(stockClient);
        Assert.Equal(Outcome(() => theirs.EndRead(theirsPending)), Outcome(() => ours.EndRead(oursPending)));
        IAsyncResult oursLast = ours.BeginWrite(new byte[1], 0, 1, null, null);
        ours.Dispose();
        theirs.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ours.EndWrite(oursLast));
        Assert.Equal(
            Outcome(() => theirs.BeginRead(buffer, 0, 1, null, null)),
            Outcome(() => ours.BeginRead(buffer, 0, 1, null, null)));
    }

    [Fact]
    public async Task Ending_a_pending_operation_from_a_callback_on_the_ring_thread_fails_instead_of_deadlocking()
    {
        if (!EngineRuntimes.IoUringAvailable)
        {
            // Callbacks run on a ring thread only on io_uring (this kernel refuses it; the fallback has no ring).
            return;
        }

        using BypassRuntime runtime = EngineRuntimes.Create(EngineKind.IoUring, o => o.InlineContinuations = true);
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(runtime);
        (BypassSocket quietClient, BypassSocket quietServer) = await EngineRuntimes.ConnectPairAsync(runtime);
        using BypassSocket _ = client;
        using BypassSocket __ = quietClient;
        using BypassSocket ___ = quietServer;
        using var stream = new BypassNetworkStream(server, ownsSocket: true);

        // A read and a receive nobody answers; the client's receive completes on the ring, so its callback runs there.
        IAsyncResult pendingRead = stream.BeginRead(new byte[4], 0, 4, null, null);
        IAsyncResult pendingReceive = quietClient.BeginReceive(new byte[4], 0, 4, SocketFlags.None, null, null);
        var seen = new TaskCompletionSource<(Exception? Socket, Exception? Stream)>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.BeginReceive(new byte[4], 0, 4, SocketFlags.None, _ => seen.SetResult((Caught(() => quietClient.EndReceive(pendingReceive)), Caught(() => stream.EndRead(pendingRead)))), null);
        await server.SendAsync("x"u8.ToArray().AsMemory(), Deadline.Token());

        (Exception? socketError, Exception? streamError) = await seen.Task.WaitAsync(Deadline.Token());
        Assert.Contains("would deadlock the ring", Assert.IsType<InvalidOperationException>(socketError).Message, StringComparison.Ordinal);
        Assert.Contains("would deadlock the ring", Assert.IsType<InvalidOperationException>(streamError).Message, StringComparison.Ordinal);

        static Exception? Caught(Action end)
        {
            try
            {
                end();
                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        }
    }

    /// <summary>The shape of the classic callback server: accept chain, and per connection a receive → send → receive chain.</summary>
    private sealed class CallbackEchoServer : IDisposable
    {
        private readonly BypassSocket _listener;
        private int _closed;

        public CallbackEchoServer(BypassSocket listener) => _listener = listener;

        public TaskCompletionSource<int> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<BypassSocket> Sockets { get; } = new();

        public Exception? Failure { get; private set; }

        public void Start() => _listener.BeginAccept(OnAccept, _listener);

        public void Dispose()
        {
            _listener.Dispose();
            lock (Sockets)
            {
                Sockets.ForEach(s => s.Dispose());
            }
        }

        private void OnAccept(IAsyncResult ar)
        {
            BypassSocket listener = (BypassSocket)ar.AsyncState!;
            BypassSocket handler;
            try
            {
                handler = listener.EndAccept(ar);
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            lock (Sockets)
            {
                Sockets.Add(handler);
            }

            listener.BeginAccept(OnAccept, listener);
            var state = new Connection(handler, new byte[64]);
            handler.BeginReceive(state.Buffer, 0, state.Buffer.Length, SocketFlags.None, OnReceive, state);
        }

        private void OnReceive(IAsyncResult ar)
        {
            var state = (Connection)ar.AsyncState!;
            try
            {
                int read = state.Socket.EndReceive(ar);
                if (read == 0)
                {
                    state.Socket.Close();
                    Closed.TrySetResult(Interlocked.Increment(ref _closed));
                    return;
                }

                state.Socket.BeginSend(state.Buffer, 0, read, SocketFlags.None, OnSent, state);
            }
            catch (ObjectDisposedException)
            {
                // The server is stopping.
            }
            catch (Exception ex)
            {
                Failure = ex;
            }
        }

        private void OnSent(IAsyncResult ar)
        {
            var state = (Connection)ar.AsyncState!;
            try
            {
                state.Socket.EndSend(ar);
                state.Socket.BeginReceive(state.Buffer, 0, state.Buffer.Length, SocketFlags.None, OnReceive, state);
            }
            catch (ObjectDisposedException)
            {
                // The server is stopping.
            }
            catch (Exception ex)
            {
                Failure = ex;
            }
        }

        private sealed record Connection(BypassSocket Socket, byte[] Buffer);
    }

    private async Task<SideBySide> SideBySideAsync(EngineKind engine)
    {
        (BypassSocket client, BypassSocket server) = await EngineRuntimes.ConnectPairAsync(_runtimes[engine]);
        (Socket stockClient, Socket stockServer) = await StockPairAsync();
        return new SideBySide(client, server, stockClient, stockServer);
    }

    /// <summary>A connected BypassSocket pair and a connected Socket pair, for the same calls on both.</summary>
    private sealed record SideBySide(BypassSocket Client, BypassSocket Server, Socket StockClient, Socket StockServer) : IDisposable
    {
        public void Dispose()
        {
            Client.Dispose();
            Server.Dispose();
            StockClient.Dispose();
            StockServer.Dispose();
        }
    }

    private static void Reset(BypassSocket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    /// <summary>What a call did: its result, or the type of its exception and, for a socket error, the code.</summary>
    private static string Outcome(Func<object?> call)
    {
        try
        {
            return $"returned {call()}";
        }
        catch (SocketException ex)
        {
            return $"SocketException {ex.SocketErrorCode}";
        }
        catch (IOException ex) when (ex.InnerException is SocketException inner)
        {
            return $"IOException over {inner.SocketErrorCode}";
        }
        catch (Exception ex)
        {
            return ex.GetType().Name;
        }
    }

    private static async Task<(Socket Client, Socket Server)> StockPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task<Socket> accepting = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        return (client, await accepting.WaitAsync(Deadline.Token()));
    }

    private static int ClosedPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer, Deadline.Token());
        return buffer;
    }
}
