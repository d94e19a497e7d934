using System.Globalization;
using NpgsqlTypes;

namespace TokenTrace.PostgreSql;

/// <summary>
/// The ledger's tables and their forward migrations (version N is reached by running migrations 1..N in order), the
/// record columns shared by the staging table, the binary COPY and the reads, and the monthly partitions.
/// </summary>
/// <remarks>
/// <c>usage</c> is range-partitioned by month on <c>ts</c> (UTC ticks, so the 100 ns of a .NET timestamp round-trip;
/// <c>timestamptz</c> keeps microseconds). PostgreSQL lets a unique key on a partitioned table exist only if it holds the
/// partition key, which would make (id, ts) unique rather than id: the id is therefore claimed in <c>usage_ids</c>, one
/// unpartitioned table keyed by id, which also hands out the sequence number and remembers each record's <c>ts</c> so
/// that a look-up by id reads one partition.
/// </remarks>
internal static class PostgreSqlSchema
{
    /// <summary>Ticks per summary bucket: 15 minutes, a divisor of every time zone's offset (see the summaries).</summary>
    public const long TicksPerBucket = TimeSpan.TicksPerMinute * 15;

    /// <summary>The key of the advisory lock that serializes migrations and partition creation across processes.</summary>
    public const long SchemaLockKey = 0x546F6B656E547231; // "TokenTr1"

    /// <summary>
    /// The key of the change feed's barrier: every append and revision holds it shared until it commits, and reading the
    /// feed's position takes it exclusively for an instant, so every sequence and change number at or below the position
    /// it reads belongs to a committed transaction (docs/architecture/decisions.md, "The PostgreSQL change feed").
    /// </summary>
    public const long FeedLockKey = 0x546F6B656E547232; // "TokenTr2"

    /// <summary>The record's columns after <c>seq</c>, in the order of the staging table, the COPY and the reads.</summary>
    public static readonly (string Name, string SqlType, NpgsqlDbType Type)[] Columns =
    [
        ("id", "text NOT NULL", NpgsqlDbType.Text),
        ("ts", "bigint NOT NULL", NpgsqlDbType.Bigint),
        ("provider", "text", NpgsqlDbType.Text),
        ("model", "text NOT NULL", NpgsqlDbType.Text),
        ("operation", "text NOT NULL", NpgsqlDbType.Text),
        ("input", "bigint NOT NULL", NpgsqlDbType.Bigint),
        ("cache_read", "bigint NOT NULL", NpgsqlDbType.Bigint),
        ("cache_write", "bigint NOT NULL", NpgsqlDbType.Bigint),
        ("cache_write_1h", "bigint NOT NULL", NpgsqlDbType.Bigint),
        ("output", "bigint NOT NULL", NpgsqlDbType.Bigint),
        ("reasoning", "bigint NOT NULL", NpgsqlDbType.Bigint),
        ("extra", "text", NpgsqlDbType.Text),
        ("project", "text", NpgsqlDbType.Text),
        ("job", "text", NpgsqlDbType.Text),
        ("task", "text", NpgsqlDbType.Text),
        ("agent", "text", NpgsqlDbType.Text),
        ("session", "text", NpgsqlDbType.Text),
        ("user_name", "text", NpgsqlDbType.Text),
        ("tags", "text", NpgsqlDbType.Text),
        ("service_tier", "text", NpgsqlDbType.Text),
        ("cost_usd", "numeric", NpgsqlDbType.Numeric),
        ("cost_billed", "numeric", NpgsqlDbType.Numeric),
        ("price_entry", "text", NpgsqlDbType.Text),
        ("price_effective_from", "date", NpgsqlDbType.Date),
        ("price_catalog", "text", NpgsqlDbType.Text),
        ("energy_wh", "double precision", NpgsqlDbType.Double),
        ("energy_wh_low", "double precision", NpgsqlDbType.Double),
        ("energy_wh_high", "double precision", NpgsqlDbType.Double),
        ("co2e_g", "double precision", NpgsqlDbType.Double),
        ("co2e_g_low", "double precision", NpgsqlDbType.Double),
        ("co2e_g_high", "double precision", NpgsqlDbType.Double),
        ("region", "text", NpgsqlDbType.Text),
        ("source", "text NOT NULL", NpgsqlDbType.Text),
        ("latency_ms", "double precision", NpgsqlDbType.Double),
        ("status", "text", NpgsqlDbType.Text),
    ];

    /// <summary>The column names, comma separated.</summary>
    public static readonly string ColumnList = string.Join(", ", Columns.Select(c => c.Name));

    /// <summary>
    /// The migrations, in order; a released one never changes (version 1 is the schema as first shipped, with
    /// <c>jsonb</c> tags and extra counts, which version 2 turns into <c>text</c>).
    /// </summary>
    public static readonly string[] Migrations =
    [
        $"""
        CREATE TABLE usage_ids (
            id text PRIMARY KEY,
            seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
            ts bigint NOT NULL
        );
        CREATE TABLE usage (
            seq bigint NOT NULL,
            {string.Join(",\n    ", Columns.Select(c => c.Name + " " + (c.Name is "extra" or "tags" ? "jsonb" : c.SqlType)))},
            PRIMARY KEY (ts, seq)
        ) PARTITION BY RANGE (ts);
        CREATE INDEX ix_usage_project_ts ON usage (project, ts) WHERE project IS NOT NULL;
        CREATE INDEX ix_usage_job ON usage (job) WHERE job IS NOT NULL;
        CREATE INDEX ix_usage_session ON usage (session) WHERE session IS NOT NULL;
        CREATE TABLE budgets (name text PRIMARY KEY, definition text NOT NULL, updated timestamptz NOT NULL);
        CREATE TABLE budget_alerts (
            budget text NOT NULL,
            period_key bigint NOT NULL,
            alert text NOT NULL,
            fired timestamptz NOT NULL,
            PRIMARY KEY (budget, period_key, alert)
        );
        CREATE TABLE budget_reservations (
            id text PRIMARY KEY,
            budget text NOT NULL,
            amount numeric NOT NULL,
            created bigint NOT NULL,
            expires bigint NOT NULL,
            holder text NOT NULL
        );
        CREATE INDEX ix_budget_reservations_budget ON budget_reservations (budget);
        CREATE TABLE ledger_meta (key text PRIMARY KEY, value text NOT NULL);
        INSERT INTO ledger_meta (key, value) VALUES ('ledger_id', gen_random_uuid()::text);
        """,

        // Schema 2 (issue 14's scale part): tags and extra counts as text, which the COPY stores without parsing (a tag
        // filter casts to jsonb, on the rare summaries that ask for one); the rollups, filled from the rows already
        // stored; the log of revisions for the change feed.
        $"""
        ALTER TABLE usage ALTER COLUMN extra TYPE text, ALTER COLUMN tags TYPE text;
        {PostgreSqlRollups.CreateSql(PostgreSqlRollups.Schema2Tables)}
        {PostgreSqlRollups.BackfillSql()}
        CREATE TABLE usage_changes (
            change bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            seq bigint NOT NULL,
            mark bigint NOT NULL
        );
        """,

        // Schema 3: monthly sums by job and by user, whose daily sums grow with the records (1.6 M rows of daily job sums
        // at 8.3 M records), filled from those daily sums; every append and revision updates them from now on.
        $"""
        {PostgreSqlRollups.CreateSql(PostgreSqlRollups.Schema3Tables)}
        {PostgreSqlRollups.BackfillMonthlySql()}
        """,
    ];

    /// <summary>The latest schema version.</summary>
    public static int Latest => Migrations.Length;

    /// <summary>
    /// The staging table an append copies into: the record columns and the record's position in its batch. A temporary
    /// table, so nothing of it is written to the WAL; named apart from schema 1's (jsonb columns), which a pooled
    /// connection may still hold.
    /// </summary>
    public static readonly string CreateStaging =
        $"CREATE TEMP TABLE IF NOT EXISTS usage_incoming (ord integer NOT NULL, {string.Join(", ", Columns.Select(c => c.Name + " " + c.SqlType))}) ON COMMIT DELETE ROWS";

    /// <summary>
    /// Moves the staged records into the ledger in one statement: each id is claimed in <c>usage_ids</c> (nothing for ids
    /// already stored), only the claimed records are inserted, and their sums are added to the rollups. The batch comes
    /// without repeats and sorted by id (the client does both), so ids are claimed in id order and two appends that share
    /// ids lock them in the same order and never deadlock. The single row it returns is the number of records added.
    /// </summary>
    public static readonly string MergeStaging =
        $"""
        WITH claimed AS (
            INSERT INTO usage_ids (id, ts) SELECT id, ts FROM usage_incoming ORDER BY ord
            ON CONFLICT (id) DO NOTHING
            RETURNING id, seq
        ), added AS (
            INSERT INTO usage (seq, {ColumnList})
            SELECT claimed.seq, {string.Join(", ", Columns.Select(c => "s." + c.Name))} FROM usage_incoming s JOIN claimed USING (id)
            RETURNING {PostgreSqlRollups.RowColumns}
        ){PostgreSqlRollups.UpsertCtes("added", signed: false)}
        SELECT COUNT(*) FROM added
        """;

    /// <summary>The first tick of the UTC month holding <paramref name="ticks"/>.</summary>
    public static long MonthStart(long ticks)
    {
        var at = new DateTime(ticks, DateTimeKind.Utc);
        return new DateTime(at.Year, at.Month, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
    }

    /// <summary>The statement that creates the partition for the month starting at <paramref name="monthStart"/> unless it exists.</summary>
    public static string CreatePartition(long monthStart)
    {
        var start = new DateTime(monthStart, DateTimeKind.Utc);
        var end = start.Year == 9999 && start.Month == 12 ? "MAXVALUE" : start.AddMonths(1).Ticks.ToString(CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture,
            $"CREATE TABLE IF NOT EXISTS usage_{start:yyyy}_{start:MM} PARTITION OF usage FOR VALUES FROM ({start.Ticks}) TO ({end})");
    }
}
