using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace TokenTrace.Hosting.Tests;

public sealed class WebhookDeliveryTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 23, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_receiver_down_for_5_seconds_then_up_gets_the_alert_exactly_once()
    {
        var clock = new FakeTimeProvider(Start);
        var time = new SignallingTimeProvider(clock);
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var requests = 0;
        var accepted = 0;
        using var stop = new CancellationTokenSource();
        var receiver = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var context = await listener.GetContextAsync().WaitAsync(stop.Token);
                Interlocked.Increment(ref requests);
                if (clock.GetUtcNow() < Start.AddSeconds(5))
                {
                    context.Response.StatusCode = 503; // down, and says when to come back
                    context.Response.AddHeader("Retry-After", "2");
                }
                else
                {
                    Interlocked.Increment(ref accepted);
                    context.Response.StatusCode = 204;
                }

                context.Response.Close();
            }
        });

        using var temp = new TempDirectory();
        var ledger = new JsonlUsageLedger(temp.File("u"));
        await ledger.AppendAsync([new UsageRecord { Id = UsageRecord.NewId(), Timestamp = Start.AddHours(-1), Model = "m", CostUsd = 0.6m }]);
        var budget = new Budget { Name = "daily", Limit = 1m, Period = BudgetPeriod.Parse("daily"), AlertAt = [50] };
        using var http = TokenTraceWebhooks.CreateHttpClient(time);
        var settings = new AlertSettings { AllowInsecureHttp = true, Webhooks = { new AlertWebhook { Url = $"http://127.0.0.1:{port}/", Secret = "s" } } };
        var alerter = new BudgetAlerter((IBudgetStore)ledger, TokenTraceWebhooks.CreateSinks(settings, http, time));
        var status = await BudgetEvaluator.EvaluateAsync(ledger, budget, Start);

        var delivery = alerter.DeliverAsync(status);
        var waits = new List<TimeSpan>();
        while (true)
        {
            // Advance the fake clock only once the retry is waiting on it: no sleeps, no races.
            var retryWaiting = time.NextDelayAsync(d => d > TimeSpan.Zero && d < TimeSpan.FromSeconds(10));
            if (await Task.WhenAny(delivery, retryWaiting).WaitAsync(TimeSpan.FromSeconds(60)) == delivery)
            {
                break;
            }

            var wait = await retryWaiting;
            waits.Add(wait);
            clock.Advance(wait);
        }

        var result = Assert.Single(await delivery);
        Assert.True(result.Delivered);
        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)], waits); // Retry-After honoured
        Assert.Equal(4, requests);
        Assert.Equal(1, accepted);

        Assert.Empty(await alerter.DeliverAsync(await BudgetEvaluator.EvaluateAsync(ledger, budget, Start.AddSeconds(10))));
        Assert.Equal(1, accepted);
        await stop.CancelAsync();
        listener.Stop();
        await Assert.ThrowsAnyAsync<Exception>(() => receiver);
    }

    [Fact]
    public async Task A_400_is_not_retried_within_a_delivery()
    {
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var requests = 0;
        var receiver = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            Interlocked.Increment(ref requests);
            context.Response.StatusCode = 400;
            context.Response.Close();
        });
        using var http = TokenTraceWebhooks.CreateHttpClient();
        var sink = new WebhookAlertSink(new Uri($"http://127.0.0.1:{port}/"), http: http, allowInsecureHttp: true);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => sink.SendAsync(new BudgetAlert("b", "forecast", null, 1, 2, 3, BudgetUnit.Usd, BudgetMode.Soft, null, null, Start)));
        await receiver.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal(1, requests);
    }

    [Fact]
    public void The_host_registers_the_webhook_client_through_the_http_client_factory()
    {
        var services = new ServiceCollection();
        services.AddTokenTrace(o => o.Ledger = "jsonl:/tmp/unused");
        using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IHttpClientFactory>();
        using var client = factory.CreateClient(TokenTraceWebhooks.HttpClientName);
        Assert.NotNull(client);
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
