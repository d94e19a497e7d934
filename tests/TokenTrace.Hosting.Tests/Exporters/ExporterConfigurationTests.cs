using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace TokenTrace.Hosting.Tests.Exporters;

public sealed class ExporterConfigurationTests
{
    private static IHost Build(IDictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values.ToDictionary(v => "TokenTrace:" + v.Key, v => v.Value)).Build();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddTokenTrace(configuration.GetSection(TokenTraceOptions.SectionName));
        return builder.Build();
    }

    [Fact]
    public async Task The_Exporters_section_turns_on_the_jsonl_and_webhook_exporters_as_tracker_sinks()
    {
        using var temp = new TempDirectory();
        await using var receiver = await WebhookReceiver.StartAsync("s3cret");
        using var host = Build(new Dictionary<string, string?>
        {
            ["Ledger"] = "sqlite:" + temp.File("usage.db"),
            ["Exporters:Logging"] = "true",
            ["Exporters:Jsonl:Path"] = temp.File("export/usage.jsonl"),
            ["Exporters:Jsonl:BatchSize"] = "10",
            ["Exporters:Webhook:Url"] = receiver.Url.ToString(),
            ["Exporters:Webhook:Secret"] = "s3cret",
            ["Exporters:Webhook:AllowInsecureHttp"] = "true",
            ["Exporters:Webhook:IntervalSeconds"] = "0.5",
            ["Exporters:Webhook:MaxAttempts"] = "2",
        });
        await host.StartAsync();
        var tracker = host.Services.GetRequiredService<TokenTracker>();
        var exporters = host.Services.GetRequiredService<TokenTraceExporters>();
        Assert.Equal(3, exporters.Sinks.Count);

        for (var i = 0; i < 5; i++)
        {
            tracker.Record(new UsageRecord { Id = "cfg-" + i, Timestamp = DateTimeOffset.UtcNow, Model = "gpt-4o-mini", Tokens = new TokenCounts { Input = 10, Output = 2 } });
        }

        await tracker.FlushAsync();
        await exporters.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(5, exporters.Jsonl!.Statistics.Delivered);
        Assert.Equal(5, exporters.Webhook!.Statistics.Delivered);
        Assert.Equal(5, receiver.RecordIds.Count);
        Assert.Equal(5, (await File.ReadAllLinesAsync(temp.File("export/usage.jsonl"))).Length);
        await host.StopAsync();
    }

    [Fact]
    public async Task Start_fails_naming_a_missing_webhook_url_and_secret_and_a_jsonl_path_that_cannot_be_a_file()
    {
        using var temp = new TempDirectory();
        await File.WriteAllTextAsync(temp.File("plain-file"), "x");
        using var host = Build(new Dictionary<string, string?>
        {
            ["Ledger"] = "sqlite:" + temp.File("usage.db"),
            ["Exporters:Jsonl:Path"] = temp.File("plain-file/usage.jsonl"),
            ["Exporters:Webhook:BatchSize"] = "0",
            ["Exporters:Webhook:MaxAttempts"] = "11",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Exporters.Webhook.Url: expected an absolute https URL", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("Exporters.Webhook.Secret: expected the shared secret", StringComparison.Ordinal));
        Assert.Contains("Exporters.Webhook.MaxAttempts must be between 1 and 10, not 11", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("Exporters.Webhook.BatchSize", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Exporters.Jsonl.Path:", StringComparison.Ordinal) && f.Contains("which is a file, not a folder", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plain_http_to_a_remote_host_is_refused_without_echoing_the_url_path_or_the_secret()
    {
        using var temp = new TempDirectory();
        using var host = Build(new Dictionary<string, string?>
        {
            ["Ledger"] = "sqlite:" + temp.File("usage.db"),
            ["Exporters:Webhook:Url"] = "http://collector.example.com/hook?token=hunter2",
            ["Exporters:Webhook:Secret"] = "topsecret",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        var failure = Assert.Single(error.Failures);
        Assert.StartsWith("Exporters.Webhook.Url: http://collector.example.com/…: plain http is refused", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("topsecret", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void The_exporters_section_of_the_yaml_file_reads_into_the_same_settings()
    {
        var settings = TokenTraceSettingsLoader.Parse("""
            exporters:
              logging: true
              jsonl:
                path: /var/log/tokentrace/usage.jsonl
                batchSize: 200
                intervalSeconds: 0.25
              webhook:
                url: https://hooks.example.com/tokentrace
                secret: ${HOOK_SECRET}
                batchSize: 50
                maxAttempts: 4
                retryDelaySeconds: 2
            """, "tokentrace.yaml", name => name == "HOOK_SECRET" ? "from-env" : null);

        Assert.True(settings.Exporters.Logging);
        Assert.Equal("/var/log/tokentrace/usage.jsonl", settings.Exporters.Jsonl!.Path);
        Assert.Equal(200, settings.Exporters.Jsonl.BatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.Exporters.Jsonl.ToOptions().Batching.Interval);
        Assert.Equal("from-env", settings.Exporters.Webhook!.Secret);
        Assert.Equal(4, settings.Exporters.Webhook.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.Exporters.Webhook.RetryDelay);
        Assert.Equal(50, settings.Exporters.Webhook.ToOptions().Batching.BatchSize);
    }

    [Theory]
    [InlineData("exporters:\n  webhook:\n    url: https://h.example.com/x\n", 3, "needs 'secret'")]
    [InlineData("exporters:\n  webhook:\n    secret: s\n", 3, "needs 'url'")]
    [InlineData("exporters:\n  webhook:\n    url: http://h.example.com/x?token=abc\n    secret: s\n", 3, "plain http is refused")]
    [InlineData("exporters:\n  jsonl:\n    batchSize: 5\n", 3, "needs 'path'")]
    [InlineData("exporters:\n  jsonl:\n    path: x.jsonl\n    intervalSeconds: -1\n", 4, "expected a number of seconds from 0 to 86400")]
    [InlineData("exporters:\n  kafka: {}\n", 2, "unknown key 'kafka'; expected one of: logging, jsonl, webhook")]
    public void A_bad_exporters_section_fails_with_the_line_and_what_was_expected(string yaml, int line, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => TokenTraceSettingsLoader.Parse(yaml, "tokentrace.yaml", _ => null));
        Assert.Equal(line, error.Line);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("token=abc", error.Message, StringComparison.Ordinal);
    }
}
