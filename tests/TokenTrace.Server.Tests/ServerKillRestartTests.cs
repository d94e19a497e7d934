using TokenTrace.LoadTest;
using TokenTrace.Sqlite;

namespace TokenTrace.Server.Tests;

/// <summary>
/// The load test (bench/TokenTrace.LoadTest) at CI size: real <c>tokentrace push</c> processes into a real
/// <c>tokentrace serve</c> that is killed with SIGKILL mid-run and started again on the same port.
/// </summary>
public sealed class ServerKillRestartTests
{
    [Fact]
    public async Task Four_pushers_ride_through_a_server_killed_and_restarted_mid_run_and_every_record_is_stored_once()
    {
        using var work = new TempDirectory();
        // 4 machines × 3,000 records in batches of 250: 12 requests each, 48 in all. The kill comes once the server's
        // log counts 6,000 stored (half), on that signal, not after a guessed delay.
        var settings = new LoadRunSettings(4, 3_000, 250, KillAfterStored: 6_000, work.Path, Path.Combine(AppContext.BaseDirectory, "TokenTrace.Cli.dll"));

        var result = await new LoadRun(settings).RunAsync(_ => { }, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(8));

        Assert.All(result.Receipts, r => Assert.True(r.ExitCode == 0, $"{r.Device}: exit {r.ExitCode}: {r.Error}"));
        // The kill was mid-run: pushers were still going, and the restarted server received batches (only pushes that
        // retried through the outage could send them: each push is one process run, started before the kill).
        Assert.True(result.RunningAtKill > 0, "every pusher had finished before the kill");
        Assert.True(result.StoredAfterRestart + result.DuplicatesAfterRestart > 0, "the restarted server received nothing");
        // 4 × 3,000 = 12,000 rows, 12,000 distinct ids: none lost, none twice (counted with SQL).
        Assert.Equal((12_000L, 12_000L), (result.Rows, result.DistinctIds));
        // Each push sent its 3,000 once as far as it knows; a batch stored before the kill whose answer was lost came
        // back as duplicates, so stored + duplicates is still 3,000 per machine.
        Assert.All(result.Receipts, r => Assert.Equal((3_000L, 3_000L), (r.Pushed, r.Stored + r.Duplicates)));

        // Read back through the ledger: 3,000 records per device, stamped with its id and name.
        var ledger = new UsageLedgerFactory().AddSqlite().Open("sqlite:" + Path.Combine(work.Path, "server", "team.db"));
        await using (ledger)
        {
            var stored = await IngestTests.ReadAllAsync(ledger);
            for (var d = 0; d < 4; d++)
            {
                var name = LoadRun.DeviceName(d);
                Assert.Equal(3_000, stored.Count(r => r.Attribution.Tags["device.name"] == name && r.Attribution.Tags["device"] == $"00000000-0000-4000-8000-00000000000{d}"));
            }
        }

        // Every request the two server runs timed (all but those cut by the kill or answered between the last scrape
        // and it) is in the ingest histogram: at most 48 + resent ones, at least one.
        Assert.InRange(result.Latency.Count, 1, 48 + 4);
    }
}
