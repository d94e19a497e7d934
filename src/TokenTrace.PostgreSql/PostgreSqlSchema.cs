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

    /// <summary>
    /// The key of the lock that serializes every write to the rollups (schema 4): a catch-up holds it while it folds the
    /// rows past the watermark into the sums and moves the watermark, a revision while it corrects the sums of the rows
    /// at or below it, so each sees the watermark the other left (docs/architecture/decisions.md, "Rollups out of the append").
    /// </summary>
    public const long CatchUpLockKey = 0x546F6B656E547233; // "TokenTr3"

    /// <summary>
    /// The key of the gate a fold passes only to commit: it takes it exclusively after its work, just before its
    /// <c>COMMIT</c>, and a reservation holds it shared from before it reads the watermark until it commits, so no fold
    /// commits between the reservation's reading of the watermark and of the spend, while the reservation waits at most
    /// for a fold's commit, never for its work (docs/architecture/decisions.md, "A reservation never waits for a fold").
    /// </summary>
    public const long FoldCommitLockKey = 0x546F6B656E547234; // "TokenTr4"

    /// <summary>What a fold runs last before its <c>COMMIT</c>: see <see cref="FoldCommitLockKey"/>.</summary>
    public static readonly string FoldCommitGate = string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({FoldCommitLockKey})");

    /// <summary>
    /// The setting a transaction turns on (<c>SET LOCAL</c>) before it writes the rollups; without it the guard trigger of
    /// schema 4 refuses the write, so a process of an older TokenTrace, whose append adds to the sums itself, fails
    /// instead of counting its records twice (once by its append, once by the next catch-up).
    /// </summary>
    public const string FoldSetting = "tokentrace.rollup_fold";

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

        // Schema 4: the rollups leave the append. An append stores rows and ids only; the sums hold every record up to the
        // watermark (a sequence number of usage_ids) and a catch-up folds the rows past it in one aggregated pass. The
        // guard trigger (one call per statement, not per row) refuses a write to the sums that does not declare itself a
        // catch-up or a revision: an older TokenTrace's append. Created before the watermark is read, so every older
        // append that already wrote the sums holds their lock until it commits and is counted below the watermark, and
        // every later one fails. Deleting sums stays allowed (retention, docs/runbook/postgresql.md).
        $"""
        CREATE FUNCTION tokentrace_rollup_guard() RETURNS trigger LANGUAGE plpgsql AS $guard$
        BEGIN
            IF current_setting('{FoldSetting}', true) IS DISTINCT FROM 'on' THEN
                RAISE EXCEPTION 'this ledger is at schema 4, where appends no longer write the rollups: upgrade TokenTrace';
            END IF;
            RETURN NULL;
        END
        $guard$;
        {string.Concat(PostgreSqlRollups.Schema2Tables.Concat(PostgreSqlRollups.Schema3Tables).Select(t => $"CREATE TRIGGER {t.Name}_guard BEFORE INSERT OR UPDATE ON {t.Name} FOR EACH STATEMENT EXECUTE FUNCTION tokentrace_rollup_guard();\n"))}
        CREATE TABLE rollup_watermark (seq bigint NOT NULL);
        INSERT INTO rollup_watermark (seq) SELECT COALESCE(MAX(seq), 0) FROM usage_ids;
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
    /// already stored) and only the claimed records are inserted; the rollups are left to the catch-up (schema 4,
    /// <see cref="CatchUp"/>). The batch comes without repeats and sorted by id (the client does both), so ids are claimed
    /// in id order and two appends that share ids lock them in the same order and never deadlock. The single row it
    /// returns: the number of records added, the largest sequence number claimed (null when none) and the watermark.
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
            RETURNING seq
        )
        SELECT COUNT(*), MAX(seq), (SELECT seq FROM rollup_watermark) FROM added
        """;

    /// <summary>
    /// What a catch-up's transaction runs first: the writes to the rollups are declared (the guard trigger lets them
    /// through), no JIT (as for the append), sort and hash memory for grouping a large tail in memory rather than on disk
    /// (one catch-up at a time, so this is spent once), and the lock that serializes writers of the sums.
    /// </summary>
    public static readonly string CatchUpPrelude = string.Create(CultureInfo.InvariantCulture,
        $"SET LOCAL {FoldSetting} = 'on'; SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SELECT pg_advisory_xact_lock({CatchUpLockKey})");

    /// <summary>
    /// <see cref="CatchUpPrelude"/> for a catch-up that gives way: it takes the lock only if no other catch-up or revision
    /// holds it, and returns whether it did (an append that finds a catch-up under way leaves the tail to it).
    /// </summary>
    public static readonly string TryCatchUpPrelude = string.Create(CultureInfo.InvariantCulture,
        $"SET LOCAL {FoldSetting} = 'on'; SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SELECT pg_try_advisory_xact_lock({CatchUpLockKey})");

    /// <summary>
    /// Folds the records with a sequence number above <c>@from</c> and at most <c>@to</c> into every rollup (one
    /// <c>GROUP BY</c> per table over all of them) and moves the watermark to <c>@to</c>, in one statement; returns the
    /// number of records folded. Reads each row through its claim (<c>usage_ids</c>, indexed by <c>seq</c>), which names
    /// its partition.
    /// </summary>
    public static readonly string CatchUp =
        $"""
        WITH tail AS (
            SELECT {PostgreSqlRollups.PrefixedRowColumns("u.")} FROM usage_ids i JOIN usage u ON u.ts = i.ts AND u.seq = i.seq
            WHERE i.seq > @from AND i.seq <= @to
        ){PostgreSqlRollups.UpsertCtes("tail", signed: false)}, moved AS (
            UPDATE rollup_watermark SET seq = @to
        )
        SELECT COUNT(*) FROM tail
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
