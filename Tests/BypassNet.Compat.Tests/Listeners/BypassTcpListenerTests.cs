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
