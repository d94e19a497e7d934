using TokenTrace.Examples.ModelServer;
using Microsoft.Extensions.AI;
using TokenTrace.Extensions.AI.Tests.Fakes;

namespace TokenTrace.Extensions.AI.Tests;

public sealed class AttributionTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "Say hello.")];

    [Fact]
    public async Task Nested_scopes_merge_inner_fields_winning_and_tags_combined()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var client = server.ChatClient().AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        using (UsageScope.Begin(new Attribution { Project = "docs", Job = "nightly", Tags = new Dictionary<string, string> { ["env"] = "prod", ["team"] = "a" } }))
        using (UsageScope.Begin(new Attribution { Job = "rerun", Tags = new Dictionary<string, string> { ["team"] = "b" } }))
        {
            await client.GetResponseAsync(Hello);
        }

        var attribution = (await tracking.SingleRecordAsync()).Attribution;
        Assert.Equal("docs", attribution.Project);
        Assert.Equal("rerun", attribution.Job);
        Assert.Equal(new Dictionary<string, string> { ["env"] = "prod", ["team"] = "b" }, attribution.Tags);
    }

    [Fact]
    public async Task A_scope_flows_across_awaits_and_into_parallel_tasks_without_leaking_between_them()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var client = server.ChatClient().AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        using (UsageScope.Begin(new Attribution { Job = "batch-7" }))
        {
            await Task.Yield();
            await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
            {
                using var task = UsageScope.Begin(new Attribution { Task = "part-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                await client.GetResponseAsync(Hello);
                await foreach (var _ in client.GetStreamingResponseAsync(Hello))
                {
                }
            })));
        }

        await client.GetResponseAsync(Hello); // after the scope: no job

        var records = await tracking.RecordsAsync();
        Assert.Equal(17, records.Count);
        var inScope = records.Where(r => r.Attribution.Job == "batch-7").ToList();
        Assert.Equal(16, inScope.Count);
        Assert.All(inScope.GroupBy(r => r.Attribution.Task), g => Assert.Equal(2, g.Count()));
        Assert.Equal(8, inScope.Select(r => r.Attribution.Task).Distinct().Count());
        var outside = Assert.Single(records, r => r.Attribution.Job is null);
        Assert.Null(outside.Attribution.Task);
    }

    [Fact]
    public async Task Per_call_properties_override_the_scope_for_that_call_only()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var client = server.ChatClient().AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        using (UsageScope.Begin(new Attribution { Project = "docs", Agent = "writer", User = "ana" }))
        {
            await client.GetResponseAsync(Hello, new ChatOptions
            {
                AdditionalProperties = new()
                {
                    [TokenTraceProperties.Attribution] = new Attribution { Agent = "reviewer", Session = "s-1", Tags = new Dictionary<string, string> { ["step"] = "2" } },
                    [TokenTraceProperties.User] = "bob",
                    [TokenTraceProperties.RecordId] = "request-42",
                },
            });
            await client.GetResponseAsync(Hello);
        }

        var records = await tracking.RecordsAsync();
        var overridden = Assert.Single(records, r => r.Id == "request-42");
        Assert.Equal(new Attribution { Project = "docs", Agent = "reviewer", Session = "s-1", User = "bob", Tags = new Dictionary<string, string> { ["step"] = "2" } }, overridden.Attribution);
        var plain = Assert.Single(records, r => r.Id != "request-42");
        Assert.Equal(new Attribution { Project = "docs", Agent = "writer", User = "ana" }, plain.Attribution);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Per_call_properties_never_reach_the_inner_client_and_the_callers_options_are_unchanged(bool streaming)
    {
        await using var tracking = new SqliteTracking();
        var inner = new ScriptedChatClient("openai", ScriptedChatClient.Text("hi", "gpt-4o-mini"));
        using var client = inner.AsBuilder().UseTokenTrace(tracking.Tracker).Build();
        var options = new ChatOptions
        {
            Temperature = 0.5f,
            AdditionalProperties = new() { [TokenTraceProperties.Job] = "nightly", ["seed_hint"] = 7 },
        };

        if (streaming)
        {
            await foreach (var _ in client.GetStreamingResponseAsync(Hello, options))
            {
            }
        }
        else
        {
            await client.GetResponseAsync(Hello, options);
        }

        var received = inner.ReceivedOptions!;
        Assert.Equal(0.5f, received.Temperature);
        Assert.Equal(["seed_hint"], received.AdditionalProperties!.Keys);
        Assert.Equal(2, options.AdditionalProperties.Count);
        Assert.Equal("nightly", options.AdditionalProperties[TokenTraceProperties.Job]);
        Assert.Equal("nightly", (await tracking.SingleRecordAsync()).Attribution.Job);
    }

    [Fact]
    public async Task A_stream_read_after_its_scope_ended_keeps_the_attribution_it_started_with()
    {
        await using var server = await LoopbackModelServer.StartAsync();
        await using var tracking = new SqliteTracking();
        using var client = server.ChatClient().AsBuilder().UseTokenTrace(tracking.Tracker).Build();

        IAsyncEnumerator<ChatResponseUpdate> updates;
        using (UsageScope.Begin(new Attribution { Session = "chat-1" }))
        {
            updates = client.GetStreamingResponseAsync(Hello).GetAsyncEnumerator();
            Assert.True(await updates.MoveNextAsync()); // the call starts inside the scope
        }

        while (await updates.MoveNextAsync())
        {
        }

        await updates.DisposeAsync();
        Assert.Equal("chat-1", (await tracking.SingleRecordAsync()).Attribution.Session);
    }
}
