using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace BypassNet.Compat.Tests.Support;

/// <summary>A self-signed server certificate made in the test process (no files, no store).</summary>
public static class TestCertificate
{
    private static readonly Lazy<X509Certificate2> s_certificate = new(Create);

    public static X509Certificate2 Server => s_certificate.Value;

    private static X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using X509Certificate2 ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        // SslStream on Linux wants a certificate whose private key it can export to OpenSSL: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), password: null);
    }
}
