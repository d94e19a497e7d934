using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;
using TokenTrace.Client;
using TokenTrace.Sqlite;

namespace TokenTrace.Server.Tests;

/// <summary>HTTPS from Kestrel's certificate configuration, as docs/end_user/server.md shows it.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task The_server_serves_https_from_the_configured_certificate_and_push_goes_through_it()
    {
        using var folder = new TempDirectory();
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = folder.File("tls.pfx");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, "pw"));

        await using var server = await ServerHarness.StartAsync(args: ["--urls", "https://127.0.0.1:0", "--Kestrel:Certificates:Default:Path=" + pfx, "--Kestrel:Certificates:Default:Password=pw"]);
        Assert.Equal("https", server.Address.Scheme);
        // Trust exactly this certificate, as a client given the team's own CA would.
        var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        HttpClientHandler Trusting() => new() { ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.GetCertHashString(HashAlgorithmName.SHA256) == thumbprint };

        using var client = new HttpClient(Trusting()) { BaseAddress = server.Address };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("healthz")).StatusCode);

        using var ledger = new TempDirectory();
        var local = new UsageLedgerFactory().AddSqlite().Open("sqlite:" + ledger.File("m.db"));
        await using (local)
        {
            await local.AppendAsync(TestRecords.Many("tls", 3));
            using var pusher = new UsagePusher(new UsagePushOptions
            {
                Server = server.Address,
                Token = ServerHarness.WriteSecret,
                DeviceId = "dev-tls",
                StateDirectory = ledger.Path,
                Handler = Trusting(),
            });
            Assert.Equal(3, (await pusher.PushAsync(local)).Stored);
        }
    }
}
