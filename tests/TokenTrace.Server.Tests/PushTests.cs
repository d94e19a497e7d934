using System.Text.Json;
using TokenTrace.Cli.Tests;
using TokenTrace.Client;
using TokenTrace.Sqlite;

namespace TokenTrace.Server.Tests;

/// <summary>Machines push their SQLite ledgers to one server: resumable, never duplicated.</summary>
public sealed class PushTests
{
    [Fact]
    public async Task Two_machines_push_to_one_server_and_a_second_push_sends_nothing()
    {
        await using var server = await ServerHarness.StartAsync();
        using var machineA = new Machine("a", 30);
        using var machineB = new Machine("b", 20);
        await machineA.FillAsync();
        await machineB.FillAsync();

        var a = await machineA.PushAsync(server);
        var b = await machineB.PushAsync(server);

        // 30 records in batches of 8: 4 requests (8, 8, 8, 6); 20: 3 requests (8, 8, 4).
        Assert.Equal((30L, 30L, 0L, 4), (a.Sent, a.Stored, a.Duplicates, a.Batches));
        Assert.Equal((20L, 20L, 0L, 3), (b.Sent, b.Stored, b.Duplicates, b.Batches));
        var stored = await IngestTests.ReadAllAsync(server.Ledger);
        Assert.Equal(50, stored.Count);
        Assert.Equal(30, stored.Count(r => r.Attribution.Tags["device"] == machineA.DeviceId && r.Attribution.Tags["device.name"] == "machine-a"));
        Assert.Equal(20, stored.Count(r => r.Attribution.Tags["device"] == machineB.DeviceId));

        Assert.Equal(0, (await machineA.PushAsync(server)).Sent);
        Assert.Equal(0, (await machineB.PushAsync(server)).Sent);

        // New records on one machine: only they go.
        await machineA.AppendAsync(TestRecords.Make("a-late", 99));
        Assert.Equal((1L, 1L), ((await machineA.PushAsync(server)).Sent, (await IngestTests.ReadAllAsync(server.Ledger)).Count - 50L));
    }

    [Fact]
    public async Task Four_machines_pushing_at_once_store_every_record_once()
    {
        await using var server = await ServerHarness.StartAsync();
        var machines = Enumerable.Range(0, 4).Select(i => new Machine("c" + i, 60)).ToList();
        try
        {
            await Task.WhenAll(machines.Select(m => m.FillAsync()));

            // Each machine sends 60 records in batches of 7 (9 requests), the four at once: 4 × 60 = 240.
            var results = await Task.WhenAll(machines.Select(m => m.PushAsync(server, batchSize: 7)));

            Assert.Equal(240, (await IngestTests.ReadAllAsync(server.Ledger)).Count);
            Assert.Equal(240, results.Sum(r => r.Stored));
            Assert.All(results, r => Assert.Equal(9, r.Batches));
            Assert.All(machines, m => Assert.Equal(0, m.PushAsync(server).GetAwaiter().GetResult().Sent));
        }
        finally
        {
            machines.ForEach(m => m.Dispose());
        }
    }

    [Fact]
    public async Task A_push_refused_after_its_first_batch_resumes_there_without_duplicates()
    {
        await using var server = await ServerHarness.StartAsync();
        using var machine = new Machine("m", 25);
        await machine.FillAsync();
        server.Gate = n => n == 2 ? IngestGate.Refuse : IngestGate.Pass;

        var failure = await Assert.ThrowsAsync<UsagePushException>(() => machine.PushAsync(server, batchSize: 10));

        Assert.Equal((10L, 400), (failure.Sent, failure.Status));
        Assert.Equal(10, (await IngestTests.ReadAllAsync(server.Ledger)).Count);

        var resumed = await machine.PushAsync(server, batchSize: 10);
        // Records 11–25 in two batches (10, 5); none of them was on the server.
        Assert.Equal((15L, 15L, 0L, 2), (resumed.Sent, resumed.Stored, resumed.Duplicates, resumed.Batches));
        Assert.Equal(25, (await IngestTests.ReadAllAsync(server.Ledger)).Count);
        Assert.Equal(0, (await machine.PushAsync(server, batchSize: 10)).Sent);
    }

    [Fact]
    public async Task A_batch_whose_answer_is_lost_is_sent_again_and_stored_once()
    {
        await using var server = await ServerHarness.StartAsync();
        using var machine = new Machine("m", 25);
        await machine.FillAsync();
        // The second batch is stored, then the connection drops before the answer: the retry finds it on the server.
        server.Gate = n => n == 2 ? IngestGate.StoreThenDropAnswer : IngestGate.Pass;

        var result = await machine.PushAsync(server, batchSize: 10);

        Assert.Equal((25L, 15L, 10L, 3), (result.Sent, result.Stored, result.Duplicates, result.Batches));
        Assert.Equal(25, (await IngestTests.ReadAllAsync(server.Ledger)).Count);
    }

    [Fact]
    public async Task A_batch_whose_answer_breaks_after_its_headers_is_sent_again_and_stored_once()
    {
        await using var server = await ServerHarness.StartAsync();
        using var machine = new Machine("m", 25);
        await machine.FillAsync();

        // The second batch is stored and its answer's headers arrive, then the body breaks halfway (a server killed
        // mid-answer). HttpClient reads a body after the handlers return, so this failed the push outside the retries
        // ("Error while copying content to a stream", seen in the kill/restart load test); now it is retried, and the
        // batch comes back as duplicates: 10 + (the same 10 again) + 5.
        var result = await machine.PushAsync(server, batchSize: 10, handler: new BreaksSecondAnswer { InnerHandler = new SocketsHttpHandler() });

        Assert.Equal((25L, 15L, 10L, 3), (result.Sent, result.Stored, result.Duplicates, result.Batches));
        Assert.Equal(25, (await IngestTests.ReadAllAsync(server.Ledger)).Count);
    }

    [Fact]
    public async Task A_batch_cut_off_while_it_is_sent_is_sent_again()
    {
        await using var server = await ServerHarness.StartAsync();
        using var machine = new Machine("m", 2_000);
        await machine.FillAsync();
        // The second batch's connection is dropped before the server reads it (a server killed mid-upload).
        server.Gate = n => n == 2 ? IngestGate.DropWhileReceiving : IngestGate.Pass;

        var result = await machine.PushAsync(server, batchSize: 500);

        Assert.Equal((2_000L, 2_000L, 0L, 4), (result.Sent, result.Stored, result.Duplicates, result.Batches));
    }

    [Fact]
    public async Task A_server_unavailable_for_a_moment_is_retried()
    {
        await using var server = await ServerHarness.StartAsync();
        using var machine = new Machine("m", 5);
        await machine.FillAsync();
        server.Gate = n => n <= 2 ? IngestGate.Unavailable : IngestGate.Pass;

        var result = await machine.PushAsync(server);

        Assert.Equal((5L, 5L), (result.Sent, result.Stored));
    }

    [Fact]
    public async Task Tokentrace_push_reports_what_it_sent_and_a_second_run_sends_nothing()
    {
        await using var server = await ServerHarness.StartAsync();
        using var home = new TempDirectory();
        var ledger = new UsageLedgerFactory().AddSqlite().Open("sqlite:" + home.File("usage.db"));
        await using (ledger)
        {
            await ledger.AppendAsync(TestRecords.Many("cli", 3));
        }

        var environment = new Dictionary<string, string?> { ["TOKENTRACE_PUSH_TOKEN"] = ServerHarness.WriteSecret };
        var first = await CliRunner.RunAsync(home.Path, environment, TimeSpan.FromMinutes(2), "push", "--to", server.Address.AbsoluteUri, "--device-name", "build box");
        var second = await CliRunner.RunAsync(home.Path, environment, TimeSpan.FromMinutes(2), "push", "--to", server.Address.AbsoluteUri, "--format", "json");

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Equal("pushed 3 records (0 already on the server)\n", first.Out);
        Assert.Equal(0, JsonDocument.Parse(second.Out).RootElement.GetProperty("pushed").GetInt32());
        var deviceId = File.ReadAllText(Path.Combine(home.Path, "device-id")).Trim();
        Assert.All(await IngestTests.ReadAllAsync(server.Ledger), r => Assert.Equal((deviceId, "build box"), (r.Attribution.Tags["device"], r.Attribution.Tags["device.name"])));

        var noToken = await CliRunner.RunAsync(home.Path, new Dictionary<string, string?> { ["TOKENTRACE_PUSH_TOKEN"] = null }, TimeSpan.FromMinutes(2), "push", "--to", server.Address.AbsoluteUri);
        Assert.Equal(2, noToken.ExitCode);
        ledger = new UsageLedgerFactory().AddSqlite().Open("sqlite:" + home.File("usage.db"));
        await using (ledger)
        {
            await ledger.AppendAsync([TestRecords.Make("cli-late", 50)]);
        }

        var refused = await CliRunner.RunAsync(home.Path, new Dictionary<string, string?> { ["TOKENTRACE_PUSH_TOKEN"] = ServerHarness.ReadSecret }, TimeSpan.FromMinutes(2), "push", "--to", server.Address.AbsoluteUri);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("answered 403", refused.Error, StringComparison.Ordinal);
    }

    /// <summary>Passes requests to the server; the second answer's body breaks halfway through, after its headers.</summary>
    private sealed class BreaksSecondAnswer : DelegatingHandler
    {
        private int _calls;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (Interlocked.Increment(ref _calls) == 2)
            {
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                var headers = response.Content.Headers.ToList();
                response.Content = new StreamContent(new BreaksAfter(body[..(body.Length / 2)]));
                foreach (var (name, values) in headers)
                {
                    response.Content.Headers.TryAddWithoutValidation(name, values);
                }
            }

            return response;
        }
    }

    /// <summary>A stream that gives <paramref name="start"/>, then fails as a broken connection does.</summary>
    private sealed class BreaksAfter(byte[] start) : MemoryStream(start)
    {
        public override int Read(byte[] buffer, int offset, int count) =>
            base.Read(buffer, offset, count) is > 0 and var read ? read : throw new IOException("the connection was reset");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override int Read(Span<byte> buffer) =>
            base.Read(buffer) is > 0 and var read ? read : throw new IOException("the connection was reset");

        // MemoryStream copies its buffer in one go, without reading: copy by reads, as a network stream does.
        public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
        {
            var buffer = new byte[bufferSize];
            while (await ReadAsync(buffer, cancellationToken) is > 0 and var read)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
    }

    /// <summary>One machine: its own SQLite ledger, device id and push state.</summary>
    private sealed class Machine(string name, int records) : IDisposable
    {
        private readonly TempDirectory _home = new();
        private readonly IUsageLedger _ledger = new UsageLedgerFactory().AddSqlite().Open("sqlite:" + Path.Combine(Path.GetTempPath(), "tokentrace-tests", "push-" + Guid.NewGuid().ToString("N") + ".db"));

        public string DeviceId => DeviceIdentity.LoadOrCreate(_home.Path);

        public Task FillAsync() => _ledger.AppendAsync(TestRecords.Many(name, records));

        public Task AppendAsync(UsageRecord record) => _ledger.AppendAsync([record]);

        public async Task<UsagePushResult> PushAsync(ServerHarness server, int batchSize = 8, HttpMessageHandler? handler = null)
        {
            using var pusher = new UsagePusher(new UsagePushOptions
            {
                Server = server.Address,
                Token = ServerHarness.WriteSecret,
                DeviceId = DeviceId,
                DeviceName = "machine-" + name,
                StateDirectory = Path.Combine(_home.Path, "push"),
                BatchSize = batchSize,
                MaxAttempts = 4,
                RetryDelay = TimeSpan.FromMilliseconds(1),
                Handler = handler,
            });
            return await pusher.PushAsync(_ledger);
        }

        public void Dispose()
        {
            _ledger.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _home.Dispose();
        }
    }
}
