using System.Net;
using System.Net.Sockets;
using BypassNet.Compat.Tests.Support;

namespace BypassNet.Compat.Tests.Listeners;

/// <summary>
/// <see cref="BypassTcpListener"/> behaves like <see cref="TcpListener"/> for the accept-socket programs that move to
/// it, on both engines: real loopback connections from System.Net.Sockets clients.
/// </summary>
public sealed class BypassTcpListenerTests : IClassFixture<EngineRuntimes>
{
    private readonly EngineRuntimes _runtimes;

    public BypassTcpListenerTests(EngineRuntimes runtimes) => _runtimes = runtimes;

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Accepted_sockets_echo_what_a_stock_client_sends(EngineKind engine)
    {
        using var listener = new BypassTcpListener(_runtimes[engine], new IPEndPoint(IPAddress.Loopback, 0));
        listener.Start();
        (Socket stockClient, BypassSocket server) = await ConnectAsync(listener);
        using Socket client = stockClient;
        using BypassSocket accepted = server;
        Assert.Equal(engine, accepted.Engine);

        await client.SendAsync("ping"u8.ToArray(), SocketFlags.None);
        using (OwnedBuffer request = await accepted.ReceiveAsync(Deadline.Token()))
        {
            Assert.Equal("ping"u8.ToArray(), request.Span.ToArray());
        }

        await accepted.SendAsync("pong"u8.ToArray(), SocketFlags.None);
        var reply = new byte[4];
        int n = 0;
        while (n < reply.Length)
        {
            n += await client.ReceiveAsync(reply.AsMemory(n), SocketFlags.None, Deadline.Token());
        }

        Assert.Equal("pong"u8.ToArray(), reply);
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public void Accepting_before_start_fails_as_TcpListener_does(EngineKind engine)
    {
        using var listener = new BypassTcpListener(_runtimes[engine], new IPEndPoint(IPAddress.Loopback, 0));
        var stock = new TcpListener(IPAddress.Loopback, 0);

        var ours = Assert.Throws<InvalidOperationException>(() => listener.AcceptSocket());
        var theirs = Assert.Throws<InvalidOperationException>(() => stock.AcceptSocket());
        Assert.Equal(theirs.Message, ours.Message);
        Assert.False(listener.Active);
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Stop_fails_a_pending_accept_and_the_listener_starts_again(EngineKind engine)
    {
        using var listener = new BypassTcpListener(_runtimes[engine], new IPEndPoint(IPAddress.Loopback, 0));
        listener.Start();
        Task<BypassSocket> pending = listener.AcceptSocketAsync();
        listener.Stop();
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => pending.WaitAsync(Deadline.Token()));
        Assert.True(failure is ObjectDisposedException or SocketException or OperationCanceledException, failure.ToString());
        Assert.False(listener.Active);

        listener.Start();
        await AssertAcceptsAsync(listener);
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Stop_fails_a_pending_accept_with_the_exception_TcpListener_throws(EngineKind engine)
    {
        // Accept loops catch what TcpListener throws here (a SocketException) and end; anything else would escape an
        // accept thread and take the process down. (AcceptSocket() waits for the same accept, so it fails the same way.)
        var stock = new TcpListener(IPAddress.Loopback, 0);
        stock.Start();
        Task<Socket> stockPending = stock.AcceptSocketAsync();
        stock.Stop();
        var theirs = await Assert.ThrowsAsync<SocketException>(() => stockPending.WaitAsync(Deadline.Token()));

        using var listener = new BypassTcpListener(_runtimes[engine], new IPEndPoint(IPAddress.Loopback, 0));
        listener.Start();
        Task<BypassSocket> pending = listener.AcceptSocketAsync();
        listener.Stop();
        var ours = await Assert.ThrowsAsync<SocketException>(() => pending.WaitAsync(Deadline.Token()));
        Assert.Equal(theirs.SocketErrorCode, ours.SocketErrorCode);
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Stop_fails_a_pending_accept_as_aborted_however_the_close_races_it(EngineKind engine)
    {
        // The close can fail the accept on another thread before Stop returns; the accept must still see a stopped
        // listener. Many rounds, since one round wins or loses that race by chance.
        using var listener = new BypassTcpListener(_runtimes[engine], new IPEndPoint(IPAddress.Loopback, 0));
        for (int round = 0; round < 200; round++)
        {
            listener.Start();
            Task<BypassSocket> pending = listener.AcceptSocketAsync();
            listener.Stop();
            var aborted = await Assert.ThrowsAsync<SocketException>(() => pending.WaitAsync(Deadline.Token()));
            Assert.Equal(SocketError.OperationAborted, aborted.SocketErrorCode);
        }
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public void A_port_in_use_fails_at_start_with_the_socket_error(EngineKind engine)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var endpoint = (IPEndPoint)taken.LocalEndpoint;
        using var listener = new BypassTcpListener(_runtimes[engine], endpoint);

        var error = Assert.Throws<SocketException>(() => listener.Start());
        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
        Assert.False(listener.Active);
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task A_cancelled_accept_throws_and_the_next_one_still_accepts(EngineKind engine)
    {
        using var listener = new BypassTcpListener(_runtimes[engine], new IPEndPoint(IPAddress.Loopback, 0));
        listener.Start();
        using (var cancel = new CancellationTokenSource())
        {
            ValueTask<BypassSocket> accept = listener.AcceptSocketAsync(cancel.Token);
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await accept);
        }

        await AssertAcceptsAsync(listener);
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Pending_says_whether_a_connection_waits_also_once_accepts_run_ahead(EngineKind engine)
    {
        using var listener = new BypassTcpListener(_runtimes[engine], new IPEndPoint(IPAddress.Loopback, 0));
        var stock = new TcpListener(IPAddress.Loopback, 0);
        var ours = Assert.Throws<InvalidOperationException>(() => listener.Pending());
        Assert.Equal(Assert.Throws<InvalidOperationException>(() => stock.Pending()).Message, ours.Message);

        listener.Start();
        Assert.False(listener.Pending());

        // The first accept arms io_uring's multishot accept, which then takes connections off the kernel's backlog
        // before the program asks: Pending must still see them.
        (Socket first, BypassSocket firstAccepted) = await ConnectAsync(listener);
        using (first)
        using (firstAccepted)
        {
            Assert.False(listener.Pending());
            using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await second.ConnectAsync(listener.LocalEndpoint, Deadline.Token());
            Assert.True(SpinWait.SpinUntil(listener.Pending, Deadline.Hang), "a connected client never showed as pending");
            using BypassSocket secondAccepted = listener.AcceptSocket();
            Assert.True(secondAccepted.Connected);
            Assert.False(listener.Pending());
        }
    }

    [Fact]
    public async Task Create_listens_on_every_address_like_TcpListener_Create()
    {
        using var listener = BypassTcpListener.Create(0);
        var stock = TcpListener.Create(0);
        Assert.Equal(((IPEndPoint)stock.LocalEndpoint).Address, ((IPEndPoint)listener.LocalEndpoint).Address);
        listener.Start();
        int port = Assert.IsType<IPEndPoint>(listener.LocalEndpoint).Port;

        var clients = new List<IPAddress> { IPAddress.Loopback };
        if (HasIPv6Loopback())
        {
            // Dual mode: one listener takes IPv4 and IPv6 clients alike.
            clients.Add(IPAddress.IPv6Loopback);
        }

        foreach (IPAddress address in clients)
        {
            using var client = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            Task connecting = client.ConnectAsync(new IPEndPoint(address, port));
            using BypassSocket accepted = await listener.AcceptSocketAsync(Deadline.Token());
            await connecting;
            await client.SendAsync(new byte[] { 7 }, SocketFlags.None);
            using OwnedBuffer received = await accepted.ReceiveAsync(Deadline.Token());
            Assert.Equal(new byte[] { 7 }, received.Span.ToArray());
        }
    }

    // Containers often have IPv6 sockets but no ::1 on the loopback interface.
    private static bool HasIPv6Loopback()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return false;
        }

        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task AssertAcceptsAsync(BypassTcpListener listener)
    {
        (Socket client, BypassSocket accepted) = await ConnectAsync(listener);
        using (client)
        using (accepted)
        {
            Assert.True(accepted.Connected);
        }
    }

    // A stock client connects to the started listener, which accepts it.
    private static async Task<(Socket Client, BypassSocket Accepted)> ConnectAsync(BypassTcpListener listener)
    {
        var endpoint = Assert.IsType<IPEndPoint>(listener.LocalEndpoint);
        Assert.NotEqual(0, endpoint.Port);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task connecting = client.ConnectAsync(endpoint);
        BypassSocket accepted = await listener.AcceptSocketAsync(Deadline.Token());
        await connecting;
        return (client, accepted);
    }
}
