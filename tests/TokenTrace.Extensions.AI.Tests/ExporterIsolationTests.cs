using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TokenTrace.Examples.ModelServer;
using TokenTrace.Hosting;
using TokenTrace.Tests;

namespace TokenTrace.Extensions.AI.Tests;

public sealed class ExporterIsolationTests
{
    [Fact]
    public async Task A_hanging_webhook_and_an_unwritable_jsonl_file_neither_slow_nor_break_calls_and_every_record_is_stored()
    {
        await using var model = await LoopbackModelServer.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync("s");
        var hang = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Gate = hang.Task; // never answers until the end of the test
        using var temp = new TempDirectory();
        var services = new ServiceCollection();
        services.AddTokenTrace(o =>
        {
            o.Ledger = "sqlite:" + temp.File("usage.db");
            o.Exporters.Jsonl = new JsonlExporterSettings { Path = temp.File("a-file/usage.jsonl"), BatchSize = 1 };
            o.Exporters.Webhook = new WebhookExporterSettings
            {
                Url = receiver.Url.ToString(), Secret = "s", AllowInsecureHttp = true, BatchSize = 1, Capacity = 4, DrainTimeoutSeconds = 0.5,
            };
        });
        var throwing = new ThrowingSink();
        var counting = new CountingSink();
        services.AddSingleton<IUsageSink>(throwing);
        services.AddSingleton<IUsageSink>(counting);
        services.AddChatClient(model.ChatClient()).UseTokenTrace();
        var provider = services.BuildServiceProvider();
        try
        {
            var client = provider.GetRequiredService<IChatClient>();

            // Validation on start refuses a path under a file, so the folder becomes a file after start: every write then fails
            // (the tests run as root here, so a read-only folder would not stop them).
            await File.WriteAllTextAsync(temp.File("a-file"), "not a folder");
            for (var i = 0; i < 20; i++)
            {
                // Each call is bounded well below the webhook's 10 s attempt timeout: a call waiting on an exporter would fail here.
                var response = await client.GetResponseAsync([new(ChatRole.User, "Say hello.")]).WaitAsync(TimeSpan.FromSeconds(5));
                Assert.Equal(1500, response.Usage!.TotalTokenCount);
            }

            var tracker = provider.GetRequiredService<TokenTracker>();
            await tracker.FlushAsync();
            var exporters = provider.GetRequiredService<TokenTraceExporters>();
            await exporters.Jsonl!.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));

            // Every call stored, whatever the exporters did.
            Assert.Equal(20, await tracker.Ledger.ReadAsync(UsageQuery.All).CountAsync());
            Assert.Equal(20, model.ChatRequests);

            // A sink that throws on every record and the two failing exporters leave a healthy sink every record.
            Assert.Equal(20, throwing.Calls);
            Assert.Equal(20, counting.Calls);

            // The JSONL file cannot be created: 20 batches of 1, each failed and counted.
            Assert.Equal(20, exporters.Jsonl.Statistics.Failed);

            // The webhook still hangs on its first batch: at most 1 in flight + 4 queued, so at least 15 of 20 dropped at once.
            var webhook = exporters.Webhook!.Statistics;
            Assert.Equal(20, webhook.Received);
            Assert.Equal(0, webhook.Delivered);
            Assert.InRange(webhook.Dropped, 15, 20);
            await receiver.FirstRequest.WaitAsync(TimeSpan.FromSeconds(30)); // the one batch in flight, held by the receiver
            Assert.Equal(1, receiver.Attempts);
        }
        finally
        {
            // Disposal drains within the webhook's 0.5 s drain timeout, then cancels the hanging request; then the receiver goes.
            await provider.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            hang.TrySetResult();
        }
    }

    [Fact]
    public async Task AddTokenTrace_from_configuration_wires_exporters_and_a_hard_budget_that_refuses_the_call_which_would_cross_it()
    {
        await using var model = await LoopbackModelServer.StartAsync();
        using var temp = new TempDirectory();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TokenTrace:Ledger"] = "sqlite:" + temp.File("usage.db"),
            ["TokenTrace:Budgets:0:Name"] = "tokens-cap",
            ["TokenTrace:Budgets:0:Limit"] = "1600",
            ["TokenTrace:Budgets:0:Unit"] = "tokens",
            ["TokenTrace:Budgets:0:Period"] = "total",
            ["TokenTrace:Budgets:0:Mode"] = "hard",
            ["TokenTrace:Exporters:Logging"] = "true",
            ["TokenTrace:Exporters:Jsonl:Path"] = temp.File("export/usage.jsonl"),
        }).Build();
        var services = new ServiceCollection();
        services.AddTokenTrace(configuration.GetSection("TokenTrace"));
        services.AddChatClient(model.ChatClient()).UseTokenTrace();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();
        var options = new ChatOptions { MaxOutputTokens = 100 };

        // Estimate of each call: "Say hello." is 10 characters = 3 input tokens, plus 100 output = 103 tokens.
        // Call 1: 0 spent + 103 <= 1600, allowed; the server reports 1500 tokens.
        // Call 2: 1500 spent + 103 = 1603 > 1600, refused before it reaches the server.
        await client.GetResponseAsync([new(ChatRole.User, "Say hello.")], options);
        var refused = await Assert.ThrowsAsync<BudgetExceededException>(() => client.GetResponseAsync([new(ChatRole.User, "Say hello.")], options));
        Assert.Contains("tokens-cap", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, model.ChatRequests);

        var tracker = provider.GetRequiredService<TokenTracker>();
        await tracker.FlushAsync();
        var exporters = provider.GetRequiredService<TokenTraceExporters>();
        await exporters.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(exporters.Logging);
        Assert.Equal(1, exporters.Jsonl!.Statistics.Delivered);
        var line = Assert.Single(await File.ReadAllLinesAsync(temp.File("export/usage.jsonl")));
        Assert.Equal(1500, UsageRecordJson.Parse(System.Text.Encoding.UTF8.GetBytes(line)).Tokens.Total);
    }

    [Fact]
    public async Task A_ledger_whose_budgets_cannot_be_read_still_gives_a_working_chat_client_held_to_the_configured_budgets()
    {
        await using var model = await LoopbackModelServer.StartAsync();
        using var temp = new TempDirectory();
        var ledger = temp.File("usage");
        Directory.CreateDirectory(ledger);
        await File.WriteAllTextAsync(Path.Combine(ledger, "budgets.json"), "{\"budgets\": [ {\"name\": "); // torn by a crash
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TokenTrace:Ledger"] = "jsonl:" + ledger,
            ["TokenTrace:Budgets:0:Name"] = "tokens-cap",
            ["TokenTrace:Budgets:0:Limit"] = "1600",
            ["TokenTrace:Budgets:0:Unit"] = "tokens",
            ["TokenTrace:Budgets:0:Period"] = "total",
            ["TokenTrace:Budgets:0:Mode"] = "hard",
        }).Build();
        var services = new ServiceCollection();
        services.AddTokenTrace(configuration.GetSection("TokenTrace"));
        services.AddChatClient(model.ChatClient()).UseTokenTrace();
        await using var provider = services.BuildServiceProvider();

        // Resolving the client reads the ledger's budgets: the damaged file is logged, not thrown into the app.
        var client = provider.GetRequiredService<IChatClient>();
        var options = new ChatOptions { MaxOutputTokens = 100 };

        // As above: 103 tokens estimated per call; the first uses 1500, so the second (1500 + 103 > 1600) is refused.
        await client.GetResponseAsync([new(ChatRole.User, "Say hello.")], options);
        await Assert.ThrowsAsync<BudgetExceededException>(() => client.GetResponseAsync([new(ChatRole.User, "Say hello.")], options));
        Assert.Equal(1, model.ChatRequests);
    }

    private sealed class ThrowingSink : IUsageSink
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public void Emit(UsageRecord record)
        {
            Interlocked.Increment(ref _calls);
            throw new InvalidOperationException("this sink always fails");
        }
    }

    private sealed class CountingSink : IUsageSink
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public void Emit(UsageRecord record) => Interlocked.Increment(ref _calls);
    }
}
