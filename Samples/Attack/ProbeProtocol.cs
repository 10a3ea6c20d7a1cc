using System.Text;

namespace BypassNet.Samples.Attack;

/// <summary>What a healthy client asks a server and what a correct answer looks like: echo, RESP PING or HTTP GET.</summary>
internal abstract class ProbeProtocol
{
    public static ProbeProtocol Parse(string name, string httpPath) => name switch
    {
        "echo" => new EchoProbe(),
        "resp" => new RespProbe(),
        "http" => new HttpProbe(httpPath),
        _ => throw new ArgumentException($"unknown probe '{name}': use echo, resp or http"),
    };

    /// <summary>The bytes of one request.</summary>
    public abstract byte[] Request { get; }

    /// <summary>True once <paramref name="received"/> holds one whole, correct answer; throws if it is wrong.</summary>
    public abstract bool IsComplete(ReadOnlySpan<byte> received);

    private sealed class EchoProbe : ProbeProtocol
    {
        public override byte[] Request { get; } = Encoding.ASCII.GetBytes("healthy probe: 64 bytes of echo, checked byte for byte........\n");

        public override bool IsComplete(ReadOnlySpan<byte> received)
        {
            int n = Math.Min(received.Length, Request.Length);
            if (!received[..n].SequenceEqual(Request.AsSpan(0, n)))
            {
                throw new InvalidDataException("The echo differs from the probe.");
            }

            return received.Length >= Request.Length;
        }
    }

    private sealed class RespProbe : ProbeProtocol
    {
        public override byte[] Request { get; } = Encoding.ASCII.GetBytes("*1\r\n$4\r\nPING\r\n");

        public override bool IsComplete(ReadOnlySpan<byte> received)
        {
            if (received.Length < 7)
            {
                return false;
            }

            return received[..7].SequenceEqual("+PONG\r\n"u8) ? true : throw new InvalidDataException($"PING answered '{Encoding.ASCII.GetString(received)}'.");
        }
    }

    private sealed class HttpProbe(string path) : ProbeProtocol
    {
        public override byte[] Request { get; } = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

        public override bool IsComplete(ReadOnlySpan<byte> received)
        {
            int end = received.IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                return false;
            }

            string head = Encoding.ASCII.GetString(received[..end]);
            if (!head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"HTTP answered '{head.Split('\r')[0]}'.");
            }

            string? length = head.Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            int body = length is null ? 0 : int.Parse(length["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            return received.Length >= end + 4 + body;
        }
    }
}
