using System.Net;
using System.Net.Sockets;
using BypassNet.Compat.Tests.Support;

namespace BypassNet.Compat.Tests.Clients;

/// <summary>
/// <see cref="BypassTcpClient"/> behaves like <see cref="TcpClient"/> for the programs that move to it, on both
/// engines: real loopback connections to and from System.Net.Sockets peers, and TcpClient's own exceptions side by side.
/// </summary>
public sealed class BypassTcpClientTests : IClassFixture<EngineRuntimes>
{
    private readonly EngineRuntimes _runtimes;

    public BypassTcpClientTests(EngineRuntimes runtimes) => _runtimes = runtimes;

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task A_client_connected_to_a_stock_listener_talks_through_one_stream(EngineKind engine)
    {
        using (var unconnected = new BypassTcpClient(_runtimes[engine], AddressFamily.InterNetwork))
        {
            Assert.False(unconnected.Connected);
        }

        (BypassTcpClient connected, TcpClient accepted) = await ConnectToStockListenerAsync(engine);
        using BypassTcpClient client = connected;
        using TcpClient peer = accepted;
        client.NoDelay = true;

        Assert.True(client.Connected);
        Assert.Equal(engine, client.Client.Engine);
        BypassNetworkStream stream = client.GetStream();
        Assert.Same(stream, client.GetStream());

        await stream.WriteAsync("ping"u8.ToArray(), Deadline.Token());
        Assert.Equal("ping"u8.ToArray(), await ReadExactlyAsync(peer.GetStream(), 4));
        await peer.GetStream().WriteAsync("pong"u8.ToArray(), Deadline.Token());
        Assert.Equal("pong"u8.ToArray(), await ReadExactlyAsync(stream, 4));
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task AcceptTcpClient_hands_out_clients_over_BypassSockets(EngineKind engine)
    {
        using var listener = new BypassTcpListener(_runtimes[engine], new IPEndPoint(IPAddress.Loopback, 0));
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;

        using var stockAsync = new TcpClient();
        Task<BypassTcpClient> acceptingAsync = listener.AcceptTcpClientAsync();
        await stockAsync.ConnectAsync(IPAddress.Loopback, port, Deadline.Token());
        using BypassTcpClient acceptedAsync = await acceptingAsync.WaitAsync(Deadline.Token());

        using var stockBlocking = new TcpClient();
        Task<BypassTcpClient> acceptingBlocking = Task.Run(listener.AcceptTcpClient);
        await stockBlocking.ConnectAsync(IPAddress.Loopback, port, Deadline.Token());
        using BypassTcpClient acceptedBlocking = await acceptingBlocking.WaitAsync(Deadline.Token());

        foreach ((TcpClient stock, BypassTcpClient accepted) in new[] { (stockAsync, acceptedAsync), (stockBlocking, acceptedBlocking) })
        {
            Assert.True(accepted.Connected);
            Assert.Equal(engine, accepted.Client.Engine);
            Assert.Equal(((IPEndPoint)stock.Client.LocalEndPoint!).Port, ((IPEndPoint)accepted.Client.RemoteEndPoint!).Port);
            await stock.GetStream().WriteAsync("hello"u8.ToArray(), Deadline.Token());
            Assert.Equal("hello"u8.ToArray(), await ReadExactlyAsync(accepted.GetStream(), 5));
        }
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public void GetStream_unconnected_and_after_dispose_fails_as_TcpClient_does(EngineKind engine)
    {
        using var ours = new BypassTcpClient(_runtimes[engine], AddressFamily.InterNetwork);
        using var theirs = new TcpClient(AddressFamily.InterNetwork);

        var oursUnconnected = Assert.Throws<InvalidOperationException>(() => ours.GetStream());
        var theirsUnconnected = Assert.Throws<InvalidOperationException>(() => theirs.GetStream());
        Assert.Equal(theirsUnconnected.Message, oursUnconnected.Message);

        ours.Dispose();
        theirs.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ours.GetStream());
        Assert.Throws<ObjectDisposedException>(() => theirs.GetStream());
        Assert.False(ours.Connected);
        Assert.Throws<ObjectDisposedException>(() => ours.Connect(IPAddress.Loopback, 1));

        // TcpClient hands out no socket once disposed; code that checks 'client.Client == null' relies on it.
        Assert.Null(theirs.Client);
        Assert.Null(ours.Client);
        ours.Dispose();
    }

    [Fact]
    public void Families_other_than_IPv4_IPv6_and_Unknown_are_refused_as_TcpClient_refuses_them()
    {
        Assert.Throws<ArgumentException>(() => new TcpClient(AddressFamily.Unix));
        Assert.Throws<ArgumentException>(() => new BypassTcpClient(AddressFamily.Unix));
        using var dual = new BypassTcpClient(AddressFamily.Unknown);
        Assert.True(dual.Client.DualMode);
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task ReceiveTimeout_applies_to_a_synchronous_read_of_the_stream_as_with_TcpClient(EngineKind engine)
    {
        (BypassTcpClient connected, TcpClient accepted) = await ConnectToStockListenerAsync(engine);
        using BypassTcpClient client = connected;
        using TcpClient peer = accepted;
        BypassNetworkStream stream = client.GetStream();
        Assert.Equal(Timeout.Infinite, stream.ReadTimeout);

        // Set on the client after the stream exists, as TcpClient programs do: the stream reads the socket's value.
        client.ReceiveTimeout = 100;
        Assert.Equal(100, stream.ReadTimeout);
        IOException timedOut = await Task.Run(() => Assert.Throws<IOException>(() => stream.Read(new byte[4], 0, 4)));
        Assert.Equal(SocketError.TimedOut, Assert.IsType<SocketException>(timedOut.InnerException).SocketErrorCode);

        // Nothing was lost: data sent after the timeout is read in full.
        client.ReceiveTimeout = 0;
        Assert.Equal(Timeout.Infinite, stream.ReadTimeout);
        await peer.GetStream().WriteAsync("late"u8.ToArray(), Deadline.Token());
        Assert.Equal("late"u8.ToArray(), await ReadExactlyAsync(stream, 4));
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Dispose_closes_the_connection_and_the_peer_reads_end_of_stream(EngineKind engine)
    {
        (BypassTcpClient connected, TcpClient accepted) = await ConnectToStockListenerAsync(engine);
        BypassTcpClient client = connected;
        using TcpClient peer = accepted;
        await client.GetStream().WriteAsync("bye"u8.ToArray(), Deadline.Token());
        client.Close();

        Assert.Equal("bye"u8.ToArray(), await ReadExactlyAsync(peer.GetStream(), 3));
        Assert.Equal(0, await peer.GetStream().ReadAsync(new byte[1], Deadline.Token()));
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task A_refused_connection_is_the_SocketException_TcpClient_throws(EngineKind engine)
    {
        int closedPort = ClosedPort();
        using var ours = new BypassTcpClient(_runtimes[engine], AddressFamily.InterNetwork);
        using var theirs = new TcpClient(AddressFamily.InterNetwork);

        var oursError = await Assert.ThrowsAsync<SocketException>(() => ours.ConnectAsync(IPAddress.Loopback, closedPort));
        var theirsError = await Assert.ThrowsAsync<SocketException>(() => theirs.ConnectAsync(IPAddress.Loopback, closedPort));
        Assert.Equal(theirsError.SocketErrorCode, oursError.SocketErrorCode);
        Assert.False(ours.Connected);
    }

    [Fact]
    public async Task The_host_name_constructor_connects_a_dual_mode_socket_to_an_IPv4_listener()
    {
        // "localhost" may resolve to ::1 first; the dual-mode socket tries each address until 127.0.0.1 answers.
        var stock = new TcpListener(IPAddress.Loopback, 0);
        stock.Start();
        try
        {
            Task<TcpClient> accepting = stock.AcceptTcpClientAsync(Deadline.Token()).AsTask();
            using var client = await Task.Run(() => new BypassTcpClient("localhost", ((IPEndPoint)stock.LocalEndpoint).Port));
            using TcpClient peer = await accepting;
            Assert.True(client.Connected);
            Assert.True(client.Client.DualMode);
            await client.GetStream().WriteAsync("x"u8.ToArray(), Deadline.Token());
            Assert.Equal("x"u8.ToArray(), await ReadExactlyAsync(peer.GetStream(), 1));
        }
        finally
        {
            stock.Stop();
        }

        Assert.Throws<ArgumentNullException>(() => new BypassTcpClient(null!, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BypassTcpClient("localhost", 70000));
    }

    /// <summary>A client on <paramref name="engine"/> connected to a stock TcpListener, and the peer that listener accepted.</summary>
    private async Task<(BypassTcpClient Client, TcpClient Peer)> ConnectToStockListenerAsync(EngineKind engine)
    {
        var stock = new TcpListener(IPAddress.Loopback, 0);
        stock.Start();
        var client = new BypassTcpClient(_runtimes[engine], AddressFamily.InterNetwork);
        try
        {
            Task<TcpClient> accepting = stock.AcceptTcpClientAsync(Deadline.Token()).AsTask();
            await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)stock.LocalEndpoint).Port, Deadline.Token());
            return (client, await accepting);
        }
        catch
        {
            client.Dispose();
            throw;
        }
        finally
        {
            // Stopping the listener leaves the accepted connection open.
            stock.Stop();
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer, Deadline.Token());
        return buffer;
    }

    private static int ClosedPort()
    {
        // Bound and closed at once: nothing listens on it for the moment the test needs.
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
