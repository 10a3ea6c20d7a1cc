using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BypassNet.Compat.Tests.Support;

namespace BypassNet.Compat.Tests.Tls;

/// <summary>TLS over BypassNet: SslStream on both ends of a BypassNetworkStream pair, unchanged.</summary>
public sealed class SslStreamOverBypassTests : IClassFixture<EngineRuntimes>
{
    private const int FiftyMegabytes = 50 * 1024 * 1024;
    private readonly EngineRuntimes _runtimes;

    public SslStreamOverBypassTests(EngineRuntimes runtimes) => _runtimes = runtimes;

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task Handshake_and_50_MB_round_trip_arrive_intact(EngineKind engine)
    {
        (BypassSocket clientSocket, BypassSocket serverSocket) = await EngineRuntimes.ConnectPairAsync(_runtimes[engine]);
        X509Certificate2 certificate = TestCertificate.Server;
        await using var serverTls = new SslStream(new BypassNetworkStream(serverSocket, ownsSocket: true), leaveInnerStreamOpen: false);
        await using var clientTls = new SslStream(
            new BypassNetworkStream(clientSocket, ownsSocket: true),
            leaveInnerStreamOpen: false,
            (_, cert, _, errors) => cert is not null && cert.GetCertHashString() == certificate.GetCertHashString());

        Task serverHandshake = serverTls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate });
        await clientTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        await serverHandshake.WaitAsync(Deadline.Hang);
        Assert.True(clientTls.IsAuthenticated);
        Assert.True(clientTls.IsEncrypted);
        Assert.NotEqual(SslProtocols.None, clientTls.SslProtocol);
        Assert.Equal(certificate.GetCertHashString(), clientTls.RemoteCertificate!.GetCertHashString());

        // The server echoes everything back; both directions are checked with a hash of the whole stream.
        Task<byte[]> echo = Task.Run(async () =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = await serverTls.ReadAsync(buffer, Deadline.Token())) > 0)
            {
                hash.AppendData(buffer, 0, n);
                await serverTls.WriteAsync(buffer.AsMemory(0, n));
            }

            await serverTls.ShutdownAsync();
            return hash.GetHashAndReset();
        });

        byte[] sentHash;
        // OpenSSL must not process incoming records while the client shuts down (a rare SSL_ERROR_SYSCALL otherwise):
        // the shutdown waits until the whole echo has been read.
        var allEchoed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<(byte[] Hash, long Count)> receive = Task.Run(async () =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = await clientTls.ReadAsync(buffer, Deadline.Token())) > 0)
            {
                hash.AppendData(buffer, 0, n);
                total += n;
                if (total == FiftyMegabytes)
                {
                    allEchoed.TrySetResult();
                }
            }

            return (hash.GetHashAndReset(), total);
        });

        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            var random = new Random(50);
            byte[] chunk = new byte[100_000];
            int sent = 0;
            while (sent < FiftyMegabytes)
            {
                int n = Math.Min(chunk.Length, FiftyMegabytes - sent);
                random.NextBytes(chunk.AsSpan(0, n));
                hash.AppendData(chunk, 0, n);
                await clientTls.WriteAsync(chunk.AsMemory(0, n));
                sent += n;
            }

            sentHash = hash.GetHashAndReset();
        }

        await allEchoed.Task.WaitAsync(Deadline.Hang);
        await clientTls.ShutdownAsync();
        clientSocket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        byte[] serverSaw = await echo.WaitAsync(Deadline.Hang);
        (byte[] echoedHash, long echoedCount) = await receive.WaitAsync(Deadline.Hang);
        Assert.Equal(sentHash, serverSaw);
        Assert.Equal(FiftyMegabytes, echoedCount);
        Assert.Equal(sentHash, echoedHash);
    }

    [Theory]
    [MemberData(nameof(EngineRuntimes.Both), MemberType = typeof(EngineRuntimes))]
    public async Task A_rejected_certificate_fails_the_handshake_on_both_sides(EngineKind engine)
    {
        (BypassSocket clientSocket, BypassSocket serverSocket) = await EngineRuntimes.ConnectPairAsync(_runtimes[engine]);
        await using var serverTls = new SslStream(new BypassNetworkStream(serverSocket, ownsSocket: true));
        await using var clientTls = new SslStream(new BypassNetworkStream(clientSocket, ownsSocket: true), false, (_, _, _, _) => false);
        Task serverHandshake = serverTls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = TestCertificate.Server });
        await Assert.ThrowsAsync<AuthenticationException>(() => clientTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }));
        await clientTls.DisposeAsync();

        // Under TLS 1.3 the server may finish its half before the client rejects; either way it never gets application data.
        try
        {
            await serverHandshake.WaitAsync(Deadline.Hang);
            Assert.Equal(0, await serverTls.ReadAsync(new byte[16], Deadline.Token()));
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
        }
    }
}
