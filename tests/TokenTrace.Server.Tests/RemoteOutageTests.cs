using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Testing;
using TokenTrace.Client;
using TokenTrace.Examples.ModelServer;
using TokenTrace.Extensions.AI;

namespace TokenTrace.Server.Tests;

/// <summary>
/// A hung or refusing TokenTrace server never stalls, and never silently disarms, an app's model calls through a
/// <see cref="RemoteUsageLedger"/>. The bounds are upper bounds only: a hang (the old 3 × 100 s) breaks them by far.
/// </summary>
public sealed class RemoteOutageTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "Hello")];

    [Fact]
    public async Task A_server_that_accepts_and_never_answers_does_not_hold_an_instrumented_call()
    {
        // Accepts every connection and never writes a byte.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var held = new List<Socket>();
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    held.Add(await listener.AcceptSocketAsync(stop.Token));
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        var hung = new Uri("http://127.0.0.1:" + ((IPEndPoint)listener.LocalEndpoint).Port + "/");
        await using var model = await LoopbackModelServer.StartAsync();
        using var spill = new TempDirectory();
        var remote = new RemoteUsageLedger(new RemoteLedgerOptions { Server = hung, Token = ServerHarness.WriteSecret });
        await using var tracker = new TokenTracker(remote, new TokenTrackerOptions { Batching = { SpillDirectory = spill.Path, ExitGracePeriod = TimeSpan.FromSeconds(1) } });
        var budgets = BudgetEnforcer.For(tracker, [new Budget { Name = "team", Period = BudgetPeriod.Parse("total"), Limit = 1m, Mode = BudgetMode.Hard }]);
        using var client = model.ChatClient().AsBuilder().UseTokenTrace(t =>
        {
            t.Tracker = tracker;
            t.Budgets = budgets;
        }).Build();

        for (var i = 0; i < 4; i++)
        {
            var watch = Stopwatch.StartNew();
            var response = await client.GetResponseAsync(Hello);
            watch.Stop();

            Assert.NotEmpty(response.Text);
            // The reservation gives up after BudgetTimeout (2 s), and once the breaker is open at once.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"call {i + 1} took {watch.Elapsed}");
        }

        Assert.Equal(4, model.ChatRequests);
        await stop.CancelAsync();
        await accepting;
        held.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task Appends_that_hang_do_not_hold_the_finished_call_in_its_settlement()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.Ledger.GetService<IBudgetStore>()!.SaveBudgetAsync(new Budget { Name = "team", Period = BudgetPeriod.Parse("total"), Limit = 1m, Mode = BudgetMode.Hard });
        server.Gate = _ => IngestGate.Hang;
        await using var model = await LoopbackModelServer.StartAsync();
        using var spill = new TempDirectory();
        var remote = new RemoteUsageLedger(new RemoteLedgerOptions { Server = server.Address, Token = ServerHarness.WriteSecret });
        await using var tracker = new TokenTracker(remote, new TokenTrackerOptions { Batching = { SpillDirectory = spill.Path, ExitGracePeriod = TimeSpan.FromSeconds(1) } });
        var budgets = BudgetEnforcer.For(tracker, await remote.ListBudgetsAsync());
        using var client = model.ChatClient().AsBuilder().UseTokenTrace(t =>
        {
            t.Tracker = tracker;
            t.Budgets = budgets;
        }).Build();

        var watch = Stopwatch.StartNew();
        var response = await client.GetResponseAsync(Hello);
        watch.Stop();

        Assert.NotEmpty(response.Text);
        // Reserved on the server, then the record's append hangs: the settlement (which waits for it) is left to the
        // background after CallRecorder.SettleWait (2 s), and the reservation holds room meanwhile.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the call took {watch.Elapsed}");
        Assert.Single(await server.Ledger.GetService<IBudgetReservations>()!.ListReservationsAsync());
    }

    [Fact]
    public async Task A_long_ttl_is_held_a_day_and_an_unknown_budget_is_logged_as_an_error_once()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.Ledger.GetService<IBudgetStore>()!.SaveBudgetAsync(new Budget { Name = "team", Period = BudgetPeriod.Parse("total"), Limit = 1m, Mode = BudgetMode.Hard });
        using var logs = new FakeLoggerProvider();
        using var loggers = new Microsoft.Extensions.Logging.LoggerFactory([logs]);
        await using var remote = new RemoteUsageLedger(new RemoteLedgerOptions { Server = server.Address, Token = ServerHarness.WriteSecret, LoggerFactory = loggers });
        var team = Assert.Single(await remote.ListBudgetsAsync());
        var localOnly = new Budget { Name = "local-only", Period = BudgetPeriod.Parse("total"), Limit = 1m, Mode = BudgetMode.Hard };
        var call = new UsageRecord { Id = "c1", Timestamp = DateTimeOffset.UtcNow, Provider = "openai", Model = "gpt-4o-mini", CostUsd = 0.01m };

        // Two days asked; the server grants at most one (86,400 s): held a day rather than refused (400) and unreserved.
        using var longLived = new BudgetEnforcer(remote, [team]) { ReservationTimeToLive = TimeSpan.FromDays(2) };
        var before = DateTimeOffset.UtcNow;
        await using (await longLived.ReserveAsync(call))
        {
            var reservation = Assert.Single(await server.Ledger.GetService<IBudgetReservations>()!.ListReservationsAsync());
            Assert.InRange(reservation.ExpiresAt, before.AddDays(1).AddMinutes(-1), before.AddDays(1).AddMinutes(1));
        }

        // A hard budget the server does not know: every reservation is refused (404), logged as an error once, not per call.
        using var unknown = new BudgetEnforcer(remote, [localOnly]);
        for (var i = 0; i < 3; i++)
        {
            var refused = await Assert.ThrowsAsync<RemoteLedgerException>(() => unknown.ReserveAsync(call));
            Assert.Equal(404, refused.StatusCode);
        }

        var error = Assert.Single(logs.Collector.GetSnapshot(), l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error);
        Assert.Contains("local-only", error.Message, StringComparison.Ordinal);
        Assert.Contains("404", error.Message, StringComparison.Ordinal);
    }
}
