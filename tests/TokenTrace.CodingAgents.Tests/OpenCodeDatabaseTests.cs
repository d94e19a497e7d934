using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using TokenTrace.CodingAgents;
using TokenTrace.Sqlite;

namespace TokenTrace.CodingAgents.Tests;

/// <summary>Current OpenCode keeps its messages in <c>opencode.db</c>: a <c>message</c> table, one JSON document per row.</summary>
public sealed class OpenCodeDatabaseTests
{
    private static readonly OpenCodeReader Reader = new();

    [Fact]
    public void Rows_read_like_message_files_with_a_bad_row_skipped_by_its_id_and_the_newest_streaming_message_pending()
    {
        using var home = new TempDirectory();
        var path = home.File("opencode.db");
        using (var database = Create(path))
        {
            Insert(database, "msg_1", "ses_1", """{"role":"user","time":{"created":1795165200000}}""");
            Insert(database, "msg_2", "ses_1", Assistant(50, 20, 1000, completed: true, created: 1795165201000));
            Insert(database, "msg_3", "ses_1", """{"role":"assistant","tokens":{"input":""");
            Insert(database, "msg_4", "ses_1", Assistant(10, 2, 0, completed: false, created: 1795165300000));
            Insert(database, "msg_5", "ses_1", Assistant(7, 3, 0, completed: false, created: 1795165250000)); // older, left unfinished
        }

        Assert.Equal([path], Reader.FindFiles(home.Path));
        var read = new AgentFileRead(path);
        Reader.Read(read);

        Assert.Equal(["opencode:msg_2", "opencode:msg_4", "opencode:msg_5"], read.Records.Select(r => r.Id));
        // input 50, output 20, cache read 1000 (total 1070).
        Assert.Equal(new TokenCounts { Input = 50, CacheRead = 1000, Output = 20 }, read.Records[0].Tokens);
        Assert.Equal(("ses_1", "/home/dev/shop", "build"), (read.Records[0].Attribution.Session!, read.Records[0].Attribution.Project!, read.Records[0].Attribution.Agent!));
        Assert.Equal((5L, 1L), (read.Lines, read.Ignored));
        Assert.Equal("message[msg_3].data", Assert.Single(read.Problems).Field);
        Assert.Equal("opencode:msg_4", read.PendingTail?.RecordId);
    }

    [Fact]
    public async Task A_message_in_both_the_database_and_an_old_message_file_counts_once_and_rows_written_to_the_wal_are_seen()
    {
        using var home = new TempDirectory();
        var data = Fixtures.CopyTo("opencode", home.File("opencode"));
        using var database = Create(Path.Combine(data, "opencode.db"));
        using (var wal = database.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL";
            wal.ExecuteNonQuery();
        }

        // OpenCode migrated the old files into the database: the same message, under the same id.
        var migrated = File.ReadAllText(Path.Combine(data, "storage", "message", "ses_4f1a2b3c4d5eAbCdEfGhIj", "msg_b0c1d2e3f002GgHhIiJjKkLl.json"));
        Insert(database, "msg_b0c1d2e3f002GgHhIiJjKkLl", "ses_4f1a2b3c4d5eAbCdEfGhIj", migrated);
        var sync = new AgentSync([Reader], new AgentEnvironment(home.Path, name => name == "OPENCODE_DATA_DIR" ? data : null),
            new UsageRecordPipeline(), home.File("cursors.json"), new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        await using var ledger = new SqliteUsageLedger(home.File("usage.db"));

        var first = Assert.Single(await sync.SyncAsync(ledger));
        Assert.Equal((7, 3L), (first.Files, first.Added)); // the database and six message files; the migrated message once
        Assert.Equal(17692 + 13000 + 2900, (await ledger.ReadAsync(UsageQuery.All).ToListAsync()).Sum(r => r.Tokens.Total));

        // OpenCode is still running: its next message goes to opencode.db-wal, the database file itself unchanged.
        Insert(database, "msg_new", "ses_4f1a2b3c4d5eAbCdEfGhIj", Assistant(40, 25, 0, completed: true, created: 1795165400000));
        var next = Assert.Single(await sync.SyncAsync(ledger));
        Assert.Equal((1, 1L), (next.FilesRead, next.Added));
        Assert.Equal(17692 + 13000 + 2900 + 65, (await ledger.ReadAsync(UsageQuery.All).ToListAsync()).Sum(r => r.Tokens.Total));
    }

    [Fact]
    public void A_file_named_like_the_database_that_is_not_one_is_a_counted_skip()
    {
        using var home = new TempDirectory();
        var path = home.File("opencode-beta.db");
        File.WriteAllText(path, "not a database at all, but long enough to have a header of sorts...........................");
        var read = new AgentFileRead(path);
        Reader.Read(read);
        Assert.Empty(read.Records);
        Assert.StartsWith("cannot be read as an OpenCode database", Assert.Single(read.Problems).Message, StringComparison.Ordinal);

        File.WriteAllText(path, "");
        using (var other = Create(home.File("other.db"))) { }
        File.Copy(home.File("other.db"), path, overwrite: true); // a SQLite file with a message table but no rows
        var empty = new AgentFileRead(path);
        Reader.Read(empty);
        Assert.Equal((0, 0L), (empty.Records.Count, empty.Skipped));
    }

    private static SqliteConnection Create(string path)
    {
        var database = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        database.Open();
        using var command = database.CreateCommand();
        command.CommandText = "CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, time_created INTEGER, time_updated INTEGER, data TEXT NOT NULL)";
        command.ExecuteNonQuery();
        return database;
    }

    private static void Insert(SqliteConnection database, string id, string session, string data)
    {
        using var command = database.CreateCommand();
        command.CommandText = "INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES ($id, $session, 0, 0, $data)";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$session", session);
        command.Parameters.AddWithValue("$data", data);
        command.ExecuteNonQuery();
    }

    private static string Assistant(long input, long output, long cacheRead, bool completed, long created) =>
        $$$"""{"role":"assistant","time":{"created":{{{created}}}{{{(completed ? $",\"completed\":{created + 1000}" : "")}}}},"modelID":"claude-sonnet-4-5","providerID":"anthropic","agent":"build","path":{"cwd":"/home/dev/shop","root":"/home/dev/shop"},"tokens":{"input":{{{input}}},"output":{{{output}}},"reasoning":0,"cache":{"read":{{{cacheRead}}},"write":0""" + "}}}";
}
