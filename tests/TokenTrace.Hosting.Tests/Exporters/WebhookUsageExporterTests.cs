using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using TokenTrace.Hosting;

namespace TokenTrace.Hosting.Tests.Exporters;

public sealed class WebhookUsageExporterTests
{
    private const string Secret = "whsec-test-5f2b";

    private static UsageRecord Record(int i) => new()
    {
        Id = "rec-" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture),
        Timestamp = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero).AddSeconds(i),
        Model = "gpt-4o-mini",
        Provider = "openai",
        Tokens = new TokenCounts { Input = 100, Output = 20 },
        CostUsd = 0.000027m,
        Attribution = new Attribution { Project = "shop", User = "ünïcode" },
    };

    private static WebhookExporterSettings Settings(WebhookReceiver receiver, string secret = Secret) => new()
    {
        Url = receiver.Url.ToString(),
        Secret = secret,
        AllowInsecureHttp = true,
        BatchSize = 3,
        IntervalSeconds = 60, // only full batches and flushes send: nothing depends on a timer
        RetryDelaySeconds = 0.01,
        MaxAttempts = 3,
    };

    [Fact]
    public async Task A_receiver_checking_the_HMAC_itself_accepts_every_batch_and_gets_each_record_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        var settings = Settings(receiver);
        using var http = TokenTraceWebhooks.CreateExporterHttpClient(settings);
        var exporter = new WebhookUsageExporter(settings.ToOptions(), http);
        await using (exporter)
        {
            for (var i = 0; i < 7; i++)
            {
                exporter.Emit(Record(i));
            }

            await exporter.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));

            // 7 records in batches of at most 3: 3 + 3 + 1, all verified by the receiver's own HMACSHA256.
            Assert.Equal(0, receiver.BadSignatures);
            Assert.Equal(3, receiver.Attempts);
            Assert.Equal(3, receiver.Keys.Count);
            Assert.Equal(Enumerable.Range(0, 7).Select(i => Record(i).Id), receiver.RecordIds.Order(StringComparer.Ordinal));
            Assert.Equal(7, exporter.Statistics.Delivered);
            Assert.Equal(3, exporter.Statistics.Batches);
            Assert.Equal(0, exporter.Statistics.Failed + exporter.Statistics.Dropped + exporter.Statistics.Pending);
        }

        // The body is the documented envelope, and one changed byte breaks the signature.
        var (signature, body) = receiver.Last!.Value;
        using var json = JsonDocument.Parse(body);
        Assert.Equal("usage.batch", json.RootElement.GetProperty("type").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("count").GetInt32());
        Assert.Equal("ünïcode", json.RootElement.GetProperty("records")[0].GetProperty("user").GetString());
        Assert.Contains("\"user\":\"ünïcode\"", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        Assert.True(WebhookReceiver.Verify(signature, body, Secret));
        body[^2] ^= 1;
        Assert.False(WebhookReceiver.Verify(signature, body, Secret));
    }

    [Fact]
    public async Task A_replayed_capture_with_a_fresh_idempotency_key_is_still_recognised_by_its_signed_batch_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        var settings = Settings(receiver);
        using var http = TokenTraceWebhooks.CreateExporterHttpClient(settings);
        await using (var exporter = new WebhookUsageExporter(settings.ToOptions(), http))
        {
            exporter.Emit(Record(1));
            await exporter.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        // Someone who captured the request sends it again, signature intact, under a new Idempotency-Key header.
        var (signature, body) = receiver.Last!.Value;
        using var attacker = new HttpClient();
        using var same = Replay(Guid.NewGuid().ToString("N"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await attacker.SendAsync(same)).StatusCode);
        using var json = JsonDocument.Parse(body);
        using var matching = Replay(json.RootElement.GetProperty("batchId").GetString()!);
        Assert.True((await attacker.SendAsync(matching)).IsSuccessStatusCode);

        Assert.Equal(1, receiver.Duplicates);
        Assert.Equal([Record(1).Id], receiver.RecordIds);

        HttpRequestMessage Replay(string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, receiver.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.Add("X-TokenTrace-Signature", signature);
            request.Headers.Add("Idempotency-Key", key);
            return request;
        }
    }

    [Fact]
    public async Task A_receiver_answering_503_twice_then_200_gets_the_batch_on_the_third_attempt_under_one_idempotency_key()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        receiver.Answer = attempt => attempt <= 2 ? 503 : 200;
        var settings = Settings(receiver);
        using var http = TokenTraceWebhooks.CreateExporterHttpClient(settings);
        await using var exporter = new WebhookUsageExporter(settings.ToOptions(), http);
        for (var i = 0; i < 3; i++)
        {
            exporter.Emit(Record(i));
        }

        await exporter.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));

        // One batch of 3: 503, 503 (Retry-After: 0), 200 — three attempts by the resilience handler, one key.
        Assert.Equal(3, receiver.Attempts);
        var key = Assert.Single(receiver.Keys);
        Assert.Equal(3, key.Value);
        Assert.Equal(3, receiver.RecordIds.Count);
        Assert.Equal(3, exporter.Statistics.Delivered);
        Assert.Equal(1, exporter.Statistics.Batches);
        Assert.Equal(0, exporter.Statistics.Failed);
    }

    [Fact]
    public async Task A_batch_signed_with_the_wrong_secret_is_refused_by_the_receiver_and_counted_as_failed()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        var settings = Settings(receiver, secret: "not-the-shared-secret");
        using var http = TokenTraceWebhooks.CreateExporterHttpClient(settings);
        await using var exporter = new WebhookUsageExporter(settings.ToOptions(), http);
        exporter.Emit(Record(1));
        exporter.Emit(Record(2));

        await exporter.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));

        // 401 is not transient: one attempt, no retry; both records failed, none delivered.
        Assert.Equal(1, receiver.Attempts);
        Assert.Equal(1, receiver.BadSignatures);
        Assert.Empty(receiver.RecordIds);
        Assert.Equal(2, exporter.Statistics.Failed);
        Assert.Equal(1, exporter.Statistics.FailedBatches);
        Assert.Equal(0, exporter.Statistics.Delivered);
    }

    [Fact]
    public async Task A_full_queue_drops_new_records_and_counts_them_without_making_the_caller_wait()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Gate = release.Task;
        var settings = Settings(receiver);
        settings.BatchSize = 1;
        settings.Capacity = 2;
        using var http = TokenTraceWebhooks.CreateExporterHttpClient(settings);
        await using var exporter = new WebhookUsageExporter(settings.ToOptions(), http);

        exporter.Emit(Record(0));
        await receiver.FirstRequest.WaitAsync(TimeSpan.FromSeconds(30));

        // Record 0 is in flight (the receiver holds it); the queue holds 2 more; the last 3 are dropped at once.
        for (var i = 1; i <= 5; i++)
        {
            exporter.Emit(Record(i));
        }

        Assert.Equal(3, exporter.Statistics.Dropped);
        Assert.Equal(6, exporter.Statistics.Received);

        release.SetResult();
        await exporter.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, exporter.Statistics.Delivered);
        Assert.Equal(["rec-000", "rec-001", "rec-002"], receiver.RecordIds.Order(StringComparer.Ordinal));
        Assert.Equal(0, exporter.Statistics.Pending);
    }

    [Fact]
    public async Task Disposing_drains_what_is_queued_without_waiting_for_the_interval()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        var settings = Settings(receiver);
        settings.BatchSize = 100;
        settings.IntervalSeconds = 3600;
        using var http = TokenTraceWebhooks.CreateExporterHttpClient(settings);
        var exporter = new WebhookUsageExporter(settings.ToOptions(), http);
        exporter.Emit(Record(1));
        exporter.Emit(Record(2));

        await exporter.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, receiver.RecordIds.Count);
        Assert.Equal(2, exporter.Statistics.Delivered);
        exporter.Emit(Record(3)); // after stop: dropped and counted, never thrown
        Assert.Equal(1, exporter.Statistics.Dropped);
    }

    [Fact]
    public async Task A_503_with_Retry_After_is_retried_after_the_time_the_receiver_asked_for()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Secret);
        receiver.Answer = attempt => attempt == 1 ? 503 : 200;
        receiver.RetryAfter = "7";
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var time = new SignallingTimeProvider(clock);
        var settings = Settings(receiver);
        settings.RetryDelaySeconds = 1; // the backoff alone would wait about 1 s (jittered), not 7
        using var http = TokenTraceWebhooks.CreateExporterHttpClient(settings, time);
        await using var exporter = new WebhookUsageExporter(settings.ToOptions(), http);
        exporter.Emit(Record(1));

        var flush = exporter.FlushAsync();
        var retryWaiting = time.NextDelayAsync(d => d > TimeSpan.Zero && d < TimeSpan.FromSeconds(10));
        Assert.NotSame(flush, await Task.WhenAny(flush, retryWaiting).WaitAsync(TimeSpan.FromSeconds(30)));
        var wait = await retryWaiting;
        clock.Advance(wait);
        await flush.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(7), wait);
        Assert.Equal(2, receiver.Attempts);
        Assert.Equal(2, Assert.Single(receiver.Keys).Value);
        Assert.Equal(1, exporter.Statistics.Delivered);
    }
}
