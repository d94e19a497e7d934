using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TokenTrace.Tests;

public sealed class BudgetAlertTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static Budget Daily => new() { Name = "daily", Limit = 1m, Period = BudgetPeriod.Parse("daily"), Mode = BudgetMode.Hard };

    private static UsageRecord Call(decimal cost, DateTimeOffset at) => new() { Id = UsageRecord.NewId(), Timestamp = at, Model = "m", CostUsd = cost };

    [Fact]
    public async Task Each_threshold_fires_once_per_period_even_across_restarts()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        var received = new List<BudgetAlert>();
        BudgetAlerter NewAlerter() => new((IBudgetStore)new JsonlUsageLedger(temp.File("u")), [new CallbackAlertSink((a, _) => { received.Add(a); return Task.CompletedTask; })]);

        await ledger.AppendAsync([Call(0.55m, Now)]);
        await NewAlerter().ProcessAsync(await BudgetEvaluator.EvaluateAsync(ledger, Daily, Now));
        Assert.Equal([50], received.Where(a => a.Kind == "threshold").Select(a => a.ThresholdPercent!.Value));
        Assert.Single(received, a => a.Kind == "forecast"); // $0.55 by noon projects to $1.10

        await ledger.AppendAsync([Call(0.30m, Now)]);
        await NewAlerter().ProcessAsync(await BudgetEvaluator.EvaluateAsync(ledger, Daily, Now)); // a new process: 50 % must not repeat
        Assert.Equal([50, 80], received.Where(a => a.Kind == "threshold").Select(a => a.ThresholdPercent!.Value));
        Assert.Single(received, a => a.Kind == "forecast"); // still projected over, but already alerted this period

        await ledger.AppendAsync([Call(0.50m, Now.AddDays(1))]);
        await NewAlerter().ProcessAsync(await BudgetEvaluator.EvaluateAsync(ledger, Daily, Now.AddDays(1)));
        Assert.Equal([50, 80, 50], received.Where(a => a.Kind == "threshold").Select(a => a.ThresholdPercent!.Value)); // a new day fires again
    }

    [Fact]
    public async Task A_failing_sink_does_not_stop_the_others()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        await ledger.AppendAsync([Call(2m, Now)]);
        var delivered = 0;
        var alerter = new BudgetAlerter((IBudgetStore)ledger,
            [new CallbackAlertSink((_, _) => throw new InvalidOperationException("down")), new CallbackAlertSink((_, _) => { delivered++; return Task.CompletedTask; })]);
        var alerts = await alerter.ProcessAsync(await BudgetEvaluator.EvaluateAsync(ledger, Daily, Now));
        Assert.Equal(3, alerts.Count);
        Assert.Equal(3, delivered);
    }

    [Fact]
    public async Task The_webhook_posts_the_documented_payload_signed_and_retries_server_errors()
    {
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/hook/");
        listener.Start();
        var bodies = new List<(byte[] Body, string? Signature, string? Event)>();
        var server = Task.Run(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                var context = await listener.GetContextAsync();
                using var memory = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(memory);
                bodies.Add((memory.ToArray(), context.Request.Headers["X-TokenTrace-Signature"], context.Request.Headers["X-TokenTrace-Event"]));
                context.Response.StatusCode = i < 2 ? 503 : 204; // two failures, then success
                context.Response.Close();
            }
        });

        var alert = new BudgetAlert("daily", "threshold", 80, 0.85m, 1m, 1.7m, BudgetUnit.Usd, BudgetMode.Hard, Now.AddHours(-12), Now.AddHours(12), Now);
        var sink = new WebhookAlertSink(new Uri($"http://127.0.0.1:{port}/hook/"), "s3cret", firstDelay: TimeSpan.FromMilliseconds(10));
        await sink.SendAsync(alert);
        await server.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(3, bodies.Count);
        var (body, signature, kind) = bodies[^1];
        Assert.Equal(ExpectedSignature(body, "s3cret"), signature);
        Assert.All(bodies, b => Assert.Equal(body, b.Body)); // retries resend the same signed bytes
        Assert.Equal("budget.threshold", kind);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("budget.threshold", json.GetProperty("type").GetString());
        Assert.Equal("daily", json.GetProperty("budget").GetString());
        Assert.Equal(80, json.GetProperty("thresholdPercent").GetInt32());
        Assert.Equal(0.85m, json.GetProperty("spend").GetDecimal());
        Assert.Equal(1m, json.GetProperty("limit").GetDecimal());
        Assert.Equal("usd", json.GetProperty("unit").GetString());
        Assert.Equal("2026-11-24T00:00:00.0000000Z", json.GetProperty("periodEnd").GetString());
    }

    [Fact]
    public async Task A_webhook_that_refuses_with_4xx_is_not_retried()
    {
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var calls = 0;
        var server = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            calls++;
            context.Response.StatusCode = 401;
            context.Response.Close();
        });
        var sink = new WebhookAlertSink(new Uri($"http://127.0.0.1:{port}/"), firstDelay: TimeSpan.FromMilliseconds(10));
        await Assert.ThrowsAsync<HttpRequestException>(() => sink.SendAsync(new BudgetAlert("b", "forecast", null, 1, 2, 3, BudgetUnit.Usd, BudgetMode.Soft, null, null, Now)));
        await server;
        Assert.Equal(1, calls);
    }

    [Theory]
    // Computed once on the command line, e.g.
    //   printf '%s' '{"type":"budget.threshold","budget":"daily-cap","thresholdPercent":80}' | openssl dgst -sha256 -hmac 's3cret'
    [InlineData("s3cret", "{\"type\":\"budget.threshold\",\"budget\":\"daily-cap\",\"thresholdPercent\":80}", "9c2c59bef1222b2f23c9bf732bd4df9c01ce619edc7ed242ebe0f972fbd73566")]
    [InlineData("key", "The quick brown fox jumps over the lazy dog", "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")]
    public void The_signature_is_the_documented_hmac_sha256_of_the_body_in_lowercase_hex(string secret, string body, string hex)
    {
        Assert.Equal("sha256=" + hex, WebhookAlertSink.Sign(Encoding.UTF8.GetBytes(body), secret));
    }

    /// <summary>
    /// The header documented in docs/end_user/budgets.md, computed here without the sink's code:
    /// <c>sha256=</c> and the lowercase hex HMAC-SHA256 of the raw body, keyed with the secret's UTF-8 bytes.
    /// </summary>
    private static string ExpectedSignature(byte[] body, string secret)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        return "sha256=" + string.Concat(hmac.ComputeHash(body).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    private static int FreePort()
    {
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
