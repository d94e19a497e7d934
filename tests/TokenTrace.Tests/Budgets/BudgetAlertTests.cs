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
    public async Task An_alert_is_marked_sent_only_after_delivery_and_a_failed_one_is_sent_at_the_next_evaluation()
    {
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        await ledger.AppendAsync([Call(0.55m, Now)]);
        var receiverUp = false;
        var received = new List<BudgetAlert>();
        var alerter = new BudgetAlerter((IBudgetStore)ledger, [new CallbackAlertSink((a, _) =>
        {
            if (!receiverUp)
            {
                throw new HttpRequestException("connection refused");
            }

            received.Add(a);
            return Task.CompletedTask;
        })]);
        var budget = Daily with { AlertAt = [50] };

        var status = await BudgetEvaluator.EvaluateAsync(ledger, budget, Now);
        var first = Assert.Single(await alerter.DeliverAsync(status), d => d.Alert.Kind == "threshold");
        Assert.False(first.Delivered);
        Assert.False(Assert.Single(first.Failures).Permanent);
        Assert.False(await ((IBudgetStore)ledger).IsAlertMarkedAsync(budget.Name, BudgetEvaluator.PeriodKey(budget, status.Window, status.At), "threshold:50"));

        receiverUp = true;
        await alerter.DeliverAsync(await BudgetEvaluator.EvaluateAsync(ledger, budget, Now));
        await alerter.DeliverAsync(await BudgetEvaluator.EvaluateAsync(ledger, budget, Now));
        Assert.Single(received, a => a.Kind == "threshold"); // delivered once, then remembered
    }

    [Fact]
    public async Task The_webhook_posts_the_documented_payload_signed_with_a_timestamp()
    {
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/hook/");
        listener.Start();
        var server = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            using var memory = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(memory);
            var result = (Body: memory.ToArray(), Signature: context.Request.Headers["X-TokenTrace-Signature"], Event: context.Request.Headers["X-TokenTrace-Event"]);
            context.Response.StatusCode = 204;
            context.Response.Close();
            return result;
        });

        var alert = new BudgetAlert("daily", "threshold", 80, 0.85m, 1m, 1.7m, BudgetUnit.Usd, BudgetMode.Hard, Now.AddHours(-12), Now.AddHours(12), Now);
        var sink = new WebhookAlertSink(new Uri($"http://127.0.0.1:{port}/hook/"), "s3cret", timeProvider: new FixedTime(Now), allowInsecureHttp: true);
        await sink.SendAsync(alert);
        var (body, signature, kind) = await server.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ExpectedSignature(body, "s3cret", Now.ToUnixTimeSeconds()), signature);
        Assert.StartsWith("t=1795435200,v1=", signature, StringComparison.Ordinal);
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
    public async Task A_400_reply_is_a_permanent_failure_reported_with_its_status_and_not_marked_sent()
    {
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var calls = 0;
        var server = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            Interlocked.Increment(ref calls);
            context.Response.StatusCode = 400;
            context.Response.Close();
        });
        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        await ledger.AppendAsync([Call(0.55m, Now)]);
        var budget = Daily with { AlertAt = [50] };
        var alerter = new BudgetAlerter((IBudgetStore)ledger, [new WebhookAlertSink(new Uri($"http://127.0.0.1:{port}/"), allowInsecureHttp: true)]);

        var status = await BudgetEvaluator.EvaluateAsync(ledger, budget, Now.AddHours(11)); // late enough in the day that no forecast alert joins
        var deliveries = await alerter.DeliverAsync(status);
        await server.WaitAsync(TimeSpan.FromSeconds(30));

        var failure = Assert.Single(Assert.Single(deliveries).Failures);
        Assert.True(failure.Permanent);
        Assert.Equal(400, failure.StatusCode);
        Assert.Equal($"webhook http://127.0.0.1:{port}/…", failure.Sink);
        Assert.Equal(1, calls);
        Assert.False(await ((IBudgetStore)ledger).IsAlertMarkedAsync(budget.Name, BudgetEvaluator.PeriodKey(budget, status.Window, status.At), "threshold:50"));
    }

    [Theory]
    [InlineData("http://hooks.example.com/T000/secret-token", false)]
    [InlineData("http://hooks.example.com/T000/secret-token", true)]
    [InlineData("http://10.0.0.7/hook", true)]
    [InlineData("ftp://127.0.0.1/hook", true)]
    public void Plain_http_is_refused_unless_allowed_and_to_a_loopback_host(string url, bool allowInsecureHttp)
    {
        var error = Assert.Throws<ArgumentException>(() => new WebhookAlertSink(new Uri(url), allowInsecureHttp: allowInsecureHttp));
        Assert.DoesNotContain("secret-token", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://hooks.example.com/x", false)]
    [InlineData("http://127.0.0.1:8080/x", true)]
    [InlineData("http://localhost/x", true)]
    [InlineData("http://[::1]/x", true)]
    public void Https_and_allowed_loopback_http_are_accepted(string url, bool allowInsecureHttp)
    {
        Assert.Null(RemoteUrlPolicy.Check(new Uri(url), allowInsecureHttp));
        _ = new WebhookAlertSink(new Uri(url), allowInsecureHttp: allowInsecureHttp);
    }

    [Theory]
    // Computed once on the command line, independently of the code, e.g.
    //   printf '%s' '1795435200.{"type":"budget.threshold","budget":"daily-cap","thresholdPercent":80}' | openssl dgst -sha256 -hmac 's3cret'
    [InlineData("s3cret", 1795435200L, "{\"type\":\"budget.threshold\",\"budget\":\"daily-cap\",\"thresholdPercent\":80}", "65b981c7a3f987dc715e82d27f488422e390ec258b4da757d93ebbb34dc5b630")]
    [InlineData("key", 0L, "The quick brown fox jumps over the lazy dog", "8511f28f7a1949f0c42772b447d68b2daf760f5f0439a20a17e3b4e7cd395763")]
    public void The_signature_is_the_documented_hmac_sha256_of_timestamp_dot_body_in_lowercase_hex(string secret, long timestamp, string body, string hex)
    {
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"t={timestamp},v1={hex}"), WebhookAlertSink.Sign(Encoding.UTF8.GetBytes(body), secret, timestamp));
    }

    /// <summary>
    /// The header documented in docs/end_user/budgets.md, computed here without the sink's code: <c>t=</c> the Unix
    /// seconds, <c>,v1=</c> and the lowercase hex HMAC-SHA256 of "seconds." and the raw body, keyed with the secret's UTF-8 bytes.
    /// </summary>
    private static string ExpectedSignature(byte[] body, string secret, long timestamp)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        var signed = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".").Concat(body).ToArray();
        return string.Create(CultureInfo.InvariantCulture, $"t={timestamp},v1=") + string.Concat(hmac.ComputeHash(signed).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
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
