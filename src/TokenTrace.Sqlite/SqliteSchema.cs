namespace TokenTrace.Sqlite;

/// <summary>The ledger's tables and their forward migrations; version N is reached by running migrations 1..N in order.</summary>
internal static class SqliteSchema
{
    /// <summary>Ticks per rollup bucket: one hour (summaries in zones with a fractional-hour offset read the rows instead).</summary>
    public const long RollupTicks = TimeSpan.TicksPerHour;

    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE usage (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            ts INTEGER NOT NULL,
            provider TEXT,
            model TEXT NOT NULL,
            operation TEXT NOT NULL,
            input INTEGER NOT NULL,
            cache_read INTEGER NOT NULL,
            cache_write INTEGER NOT NULL,
            cache_write_1h INTEGER NOT NULL,
            output INTEGER NOT NULL,
            reasoning INTEGER NOT NULL,
            extra TEXT,
            project TEXT,
            job TEXT,
            task TEXT,
            agent TEXT,
            session TEXT,
            user_name TEXT,
            tags TEXT,
            service_tier TEXT,
            cost_usd TEXT,
            cost_pico INTEGER,
            price_entry TEXT,
            price_effective_from TEXT,
            price_catalog TEXT,
            energy_wh REAL,
            energy_wh_low REAL,
            energy_wh_high REAL,
            co2e_g REAL,
            co2e_g_low REAL,
            co2e_g_high REAL,
            region TEXT,
            source TEXT NOT NULL,
            latency_ms REAL,
            status TEXT
        );
        CREATE INDEX ix_usage_ts ON usage(ts);
        CREATE INDEX ix_usage_project_ts ON usage(project, ts) WHERE project IS NOT NULL;
        CREATE INDEX ix_usage_job ON usage(job) WHERE job IS NOT NULL;
        CREATE INDEX ix_usage_session ON usage(session) WHERE session IS NOT NULL;
        """,
        """
        CREATE TABLE budgets (name TEXT PRIMARY KEY, definition TEXT NOT NULL, updated TEXT NOT NULL);
        CREATE TABLE budget_alerts (
            budget TEXT NOT NULL,
            period_key INTEGER NOT NULL,
            alert TEXT NOT NULL,
            fired TEXT NOT NULL,
            PRIMARY KEY (budget, period_key, alert)
        );
        """,
        """
        CREATE TABLE usage_rollup (
            bucket INTEGER NOT NULL,
            model TEXT NOT NULL,
            provider TEXT NOT NULL,
            source TEXT NOT NULL,
            region TEXT NOT NULL,
            records INTEGER NOT NULL,
            input INTEGER NOT NULL,
            output INTEGER NOT NULL,
            cache_read INTEGER NOT NULL,
            cache_write INTEGER NOT NULL,
            cache_write_1h INTEGER NOT NULL,
            reasoning INTEGER NOT NULL,
            cost_hi INTEGER NOT NULL,
            cost_lo INTEGER NOT NULL,
            unpriced INTEGER NOT NULL,
            estimated INTEGER NOT NULL,
            energy_low REAL NOT NULL,
            energy REAL NOT NULL,
            energy_high REAL NOT NULL,
            co2e_low REAL NOT NULL,
            co2e REAL NOT NULL,
            co2e_high REAL NOT NULL,
            PRIMARY KEY (bucket, model, provider, source, region)
        ) WITHOUT ROWID;

        CREATE TRIGGER usage_rollup_cost AFTER UPDATE OF cost_pico ON usage BEGIN
            UPDATE usage_rollup SET
                cost_hi = cost_hi - IFNULL(OLD.cost_pico / 1000000, 0) + IFNULL(NEW.cost_pico / 1000000, 0),
                cost_lo = cost_lo - IFNULL(OLD.cost_pico % 1000000, 0) + IFNULL(NEW.cost_pico % 1000000, 0),
                unpriced = unpriced - (OLD.cost_pico IS NULL) + (NEW.cost_pico IS NULL)
            WHERE bucket = OLD.ts / 36000000000 AND model = OLD.model AND provider = IFNULL(OLD.provider, char(1))
              AND source = OLD.source AND region = IFNULL(OLD.region, char(1));
        END;

        INSERT INTO usage_rollup (bucket, model, provider, source, region, records, input, output, cache_read, cache_write, cache_write_1h, reasoning, cost_hi, cost_lo, unpriced, estimated, energy_low, energy, energy_high, co2e_low, co2e, co2e_high)
        SELECT ts / 36000000000, model, IFNULL(provider, char(1)), source, IFNULL(region, char(1)),
               COUNT(*), SUM(input), SUM(output), SUM(cache_read), SUM(cache_write), SUM(cache_write_1h), SUM(reasoning),
               IFNULL(SUM(cost_pico / 1000000), 0), IFNULL(SUM(cost_pico % 1000000), 0), SUM(cost_pico IS NULL), SUM(energy_wh IS NOT NULL),
               TOTAL(energy_wh_low), TOTAL(energy_wh), TOTAL(energy_wh_high), TOTAL(co2e_g_low), TOTAL(co2e_g), TOTAL(co2e_g_high)
        FROM usage GROUP BY 1, 2, 3, 4, 5;
        """,
        """
        CREATE TABLE budget_reservations (
            id TEXT PRIMARY KEY,
            budget TEXT NOT NULL,
            amount TEXT NOT NULL,
            created INTEGER NOT NULL,
            expires INTEGER NOT NULL,
            holder TEXT NOT NULL
        );
        CREATE INDEX ix_budget_reservations_budget ON budget_reservations(budget);
        """,
        """
        CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        INSERT INTO ledger_meta (key, value) VALUES ('id', lower(hex(randomblob(16))));
        CREATE TABLE usage_changes (change INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER NOT NULL, mark INTEGER NOT NULL DEFAULT (random()));
        CREATE TRIGGER usage_changed AFTER UPDATE ON usage BEGIN
            INSERT INTO usage_changes (seq) VALUES (OLD.seq);
        END;
        CREATE TRIGGER usage_removed AFTER DELETE ON usage BEGIN
            UPDATE ledger_meta SET value = lower(hex(randomblob(16))) WHERE key = 'id';
        END;
        """,
        """
        CREATE TABLE dims (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);
        -- One column at a time: a UNION of all of them held every value of every row in memory (314 MB at 1 M records).
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT provider FROM usage WHERE provider IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT model FROM usage WHERE model IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT operation FROM usage WHERE operation IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT project FROM usage WHERE project IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT job FROM usage WHERE job IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT task FROM usage WHERE task IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT agent FROM usage WHERE agent IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT session FROM usage WHERE session IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT user_name FROM usage WHERE user_name IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT tags FROM usage WHERE tags IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT service_tier FROM usage WHERE service_tier IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT price_entry FROM usage WHERE price_entry IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT price_effective_from FROM usage WHERE price_effective_from IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT price_catalog FROM usage WHERE price_catalog IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT region FROM usage WHERE region IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT source FROM usage WHERE source IS NOT NULL;
        INSERT OR IGNORE INTO dims (value) SELECT DISTINCT status FROM usage WHERE status IS NOT NULL;

        CREATE TABLE usage_narrow (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            ts INTEGER NOT NULL,
            provider INTEGER,
            model INTEGER NOT NULL,
            operation INTEGER NOT NULL,
            input INTEGER NOT NULL,
            cache_read INTEGER NOT NULL,
            cache_write INTEGER NOT NULL,
            cache_write_1h INTEGER NOT NULL,
            output INTEGER NOT NULL,
            reasoning INTEGER NOT NULL,
            extra TEXT,
            project INTEGER,
            job INTEGER,
            task INTEGER,
            agent INTEGER,
            session INTEGER,
            user_name INTEGER,
            tags INTEGER,
            service_tier INTEGER,
            cost_usd TEXT,
            cost_pico INTEGER,
            price_entry INTEGER,
            price_effective_from INTEGER,
            price_catalog INTEGER,
            energy_wh REAL,
            energy_wh_low REAL,
            energy_wh_high REAL,
            co2e_g REAL,
            co2e_g_low REAL,
            co2e_g_high REAL,
            region INTEGER,
            source INTEGER NOT NULL,
            latency_ms REAL,
            status INTEGER
        );

        -- Every row keeps its seq (the change feed's position). cost_usd is kept only where it is not cost_pico / 10^12
        -- written canonically (more than 12 decimals, or text an older TokenTrace did not trim).
        INSERT INTO usage_narrow
        SELECT seq, id, ts,
            (SELECT d.id FROM dims d WHERE d.value = u.provider), (SELECT d.id FROM dims d WHERE d.value = u.model),
            (SELECT d.id FROM dims d WHERE d.value = u.operation),
            input, cache_read, cache_write, cache_write_1h, output, reasoning, extra,
            (SELECT d.id FROM dims d WHERE d.value = u.project), (SELECT d.id FROM dims d WHERE d.value = u.job),
            (SELECT d.id FROM dims d WHERE d.value = u.task), (SELECT d.id FROM dims d WHERE d.value = u.agent),
            (SELECT d.id FROM dims d WHERE d.value = u.session), (SELECT d.id FROM dims d WHERE d.value = u.user_name),
            (SELECT d.id FROM dims d WHERE d.value = u.tags), (SELECT d.id FROM dims d WHERE d.value = u.service_tier),
            CASE WHEN cost_pico >= 0 AND cost_usd = (cost_pico / 1000000000000)
                      || rtrim(rtrim('.' || printf('%012d', cost_pico % 1000000000000), '0'), '.')
                 THEN NULL ELSE cost_usd END,
            cost_pico,
            (SELECT d.id FROM dims d WHERE d.value = u.price_entry), (SELECT d.id FROM dims d WHERE d.value = u.price_effective_from),
            (SELECT d.id FROM dims d WHERE d.value = u.price_catalog),
            energy_wh, energy_wh_low, energy_wh_high, co2e_g, co2e_g_low, co2e_g_high,
            (SELECT d.id FROM dims d WHERE d.value = u.region), (SELECT d.id FROM dims d WHERE d.value = u.source),
            latency_ms, (SELECT d.id FROM dims d WHERE d.value = u.status)
        FROM usage u ORDER BY seq;

        -- The old table is dropped after the commit (AfterMigrations): dropped in this transaction, every page it frees
        -- would be kept in a statement journal, in memory (355 MB for 1 M records). Its indexes go with it.
        DROP TRIGGER usage_rollup_cost;
        DROP TRIGGER usage_changed;
        DROP TRIGGER usage_removed;
        ALTER TABLE usage RENAME TO usage_schema5;
        ALTER TABLE usage_narrow RENAME TO usage;
        CREATE INDEX ix_usage_time ON usage(ts);

        -- The rollup holds the rows up to rollup_seq; later rows are added by the writer in bulk (SqliteRollupFold) and
        -- read from the rows meanwhile, so a cost revised before that needs no rollup update.
        INSERT INTO ledger_meta (key, value) VALUES ('rollup_seq', (SELECT IFNULL(MAX(seq), 0) FROM usage));
        CREATE TRIGGER usage_rollup_cost AFTER UPDATE OF cost_pico ON usage
        WHEN OLD.seq <= (SELECT CAST(value AS INTEGER) FROM ledger_meta WHERE key = 'rollup_seq') BEGIN
            UPDATE usage_rollup SET
                cost_hi = cost_hi - IFNULL(OLD.cost_pico / 1000000, 0) + IFNULL(NEW.cost_pico / 1000000, 0),
                cost_lo = cost_lo - IFNULL(OLD.cost_pico % 1000000, 0) + IFNULL(NEW.cost_pico % 1000000, 0),
                unpriced = unpriced - (OLD.cost_pico IS NULL) + (NEW.cost_pico IS NULL)
            WHERE bucket = OLD.ts / 36000000000
              AND model = (SELECT value FROM dims WHERE id = OLD.model)
              AND provider = IFNULL((SELECT value FROM dims WHERE id = OLD.provider), char(1))
              AND source = (SELECT value FROM dims WHERE id = OLD.source)
              AND region = IFNULL((SELECT value FROM dims WHERE id = OLD.region), char(1));
        END;
        CREATE TRIGGER usage_changed AFTER UPDATE ON usage BEGIN
            INSERT INTO usage_changes (seq) VALUES (OLD.seq);
        END;
        CREATE TRIGGER usage_removed AFTER DELETE ON usage BEGIN
            UPDATE ledger_meta SET value = lower(hex(randomblob(16))) WHERE key = 'id';
        END;
        """,
        """
        -- One session's rows without reading all of them: the status line and the Claude Code hook ask for their session
        -- on every prompt (a full scan of 200,000 rows was most of a warm status line's time), as do `session --current`
        -- and `--session`. Not partial: SQLite does not take `session = (SELECT id FROM dims ...)` to imply `session IS NOT
        -- NULL`, so a partial index would never be used by the filters' terms. A new name: schema 5's ix_usage_session
        -- still exists here (on usage_schema5, dropped after this transaction) when a schema-5 file is migrated.
        CREATE INDEX IF NOT EXISTS ix_usage_session_ts ON usage(session, ts);
        """,
    ];

    public static int Latest => Migrations.Length;

    /// <summary>
    /// Run after the migration transaction commits, on its own (no statement journal): drops what a migration left
    /// for later, and again at the next open if the process stopped in between.
    /// </summary>
    public const string AfterMigrations = "DROP TABLE IF EXISTS usage_schema5";

    /// <summary>Adds one group of appended records to the rollup (<see cref="SqliteRollupBatch"/>).</summary>
    public const string RollupUpsert = """
        INSERT INTO usage_rollup (bucket, model, provider, source, region, records, input, output, cache_read, cache_write, cache_write_1h, reasoning,
                                  cost_hi, cost_lo, unpriced, estimated, energy_low, energy, energy_high, co2e_low, co2e, co2e_high)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)
        ON CONFLICT (bucket, model, provider, source, region) DO UPDATE SET
        """ + RollupSums;

    /// <summary>
    /// Adds the rows with <c>seq</c> in (@from, @to] to the rollup (schema 6): grouped by the ids in dims, named after
    /// grouping, and upserted once per hour, model, provider, source and region.
    /// </summary>
    public const string RollupFold = FoldRows + """
              FROM usage WHERE seq > @from AND seq <= @to GROUP BY 1, 2, 3, 4, 5)
        WHERE true
        ON CONFLICT (bucket, model, provider, source, region) DO UPDATE SET
        """ + RollupSums;

    /// <summary>
    /// Adds the rows of one hour (<c>@hour</c>) that the rollup holds (<c>seq</c> up to <c>rollup_seq</c>) to the rollup,
    /// grouped as <see cref="RollupFold"/> groups; run after that hour's rollup rows were deleted (a revised provider).
    /// </summary>
    public const string RollupRefoldHour = FoldRows + """
              FROM usage WHERE ts >= @hour * 36000000000 AND ts < (@hour + 1) * 36000000000
                AND seq <= (SELECT CAST(value AS INTEGER) FROM ledger_meta WHERE key = 'rollup_seq')
              GROUP BY 1, 2, 3, 4, 5)
        """;

    /// <summary>
    /// The rollup's sums of some <c>usage</c> rows, grouped by hour, model, provider, source and region (ids named after
    /// grouping): <see cref="RollupFold"/> and <see cref="RollupRefoldHour"/> add the rows they choose.
    /// </summary>
    private const string FoldRows = """
        INSERT INTO usage_rollup (bucket, model, provider, source, region, records, input, output, cache_read, cache_write, cache_write_1h, reasoning,
                                  cost_hi, cost_lo, unpriced, estimated, energy_low, energy, energy_high, co2e_low, co2e, co2e_high)
        SELECT b, (SELECT value FROM dims WHERE id = m), IFNULL((SELECT value FROM dims WHERE id = p), char(1)), (SELECT value FROM dims WHERE id = s),
               IFNULL((SELECT value FROM dims WHERE id = r), char(1)),
               n, input, output, cache_read, cache_write, cache_write_1h, reasoning, cost_hi, cost_lo, unpriced, estimated,
               energy_low, energy, energy_high, co2e_low, co2e, co2e_high
        FROM (SELECT ts / 36000000000 AS b, model AS m, provider AS p, source AS s, region AS r, COUNT(*) AS n,
                     SUM(input) AS input, SUM(output) AS output, SUM(cache_read) AS cache_read, SUM(cache_write) AS cache_write,
                     SUM(cache_write_1h) AS cache_write_1h, SUM(reasoning) AS reasoning,
                     IFNULL(SUM(cost_pico / 1000000), 0) AS cost_hi, IFNULL(SUM(cost_pico % 1000000), 0) AS cost_lo,
                     SUM(cost_pico IS NULL) AS unpriced, SUM(energy_wh IS NOT NULL) AS estimated,
                     TOTAL(energy_wh_low) AS energy_low, TOTAL(energy_wh) AS energy, TOTAL(energy_wh_high) AS energy_high,
                     TOTAL(co2e_g_low) AS co2e_low, TOTAL(co2e_g) AS co2e, TOTAL(co2e_g_high) AS co2e_high
        """;

    private const string RollupSums = """
            records = records + excluded.records, input = input + excluded.input, output = output + excluded.output,
            cache_read = cache_read + excluded.cache_read, cache_write = cache_write + excluded.cache_write,
            cache_write_1h = cache_write_1h + excluded.cache_write_1h, reasoning = reasoning + excluded.reasoning,
            cost_hi = cost_hi + excluded.cost_hi, cost_lo = cost_lo + excluded.cost_lo, unpriced = unpriced + excluded.unpriced,
            estimated = estimated + excluded.estimated, energy_low = energy_low + excluded.energy_low, energy = energy + excluded.energy,
            energy_high = energy_high + excluded.energy_high, co2e_low = co2e_low + excluded.co2e_low, co2e = co2e + excluded.co2e,
            co2e_high = co2e_high + excluded.co2e_high
        """;

    /// <summary>
    /// What summaries read as the rollup: its rows, plus the rows appended since the last fold (<c>seq</c> after
    /// <c>rollup_seq</c>: fewer than <see cref="SqliteUsageLedger.RollupLag"/> of them, more while a rebuild runs) in the
    /// same shape, one per record.
    /// One statement, so one snapshot: a fold by another process cannot count a record twice or not at all.
    /// </summary>
    public const string RollupSource = """
        (SELECT bucket, model, provider, source, region, records, input, output, cache_read, cache_write, cache_write_1h, reasoning,
                cost_hi, cost_lo, unpriced, estimated, energy_low, energy, energy_high, co2e_low, co2e, co2e_high
         FROM usage_rollup
         UNION ALL
         SELECT ts / 36000000000, (SELECT value FROM dims WHERE id = u.model), IFNULL((SELECT value FROM dims WHERE id = u.provider), char(1)),
                (SELECT value FROM dims WHERE id = u.source), IFNULL((SELECT value FROM dims WHERE id = u.region), char(1)),
                1, input, output, cache_read, cache_write, cache_write_1h, reasoning,
                cost_pico / 1000000, cost_pico % 1000000, cost_pico IS NULL, energy_wh IS NOT NULL,
                IFNULL(energy_wh_low, 0), IFNULL(energy_wh, 0), IFNULL(energy_wh_high, 0), IFNULL(co2e_g_low, 0), IFNULL(co2e_g, 0), IFNULL(co2e_g_high, 0)
         FROM usage u WHERE u.seq > (SELECT CAST(value AS INTEGER) FROM ledger_meta WHERE key = 'rollup_seq')) AS rollup
        """;

    /// <summary>
    /// Whether <paramref name="column"/> of <c>usage</c> holds an id into <c>dims</c> (schema 6) rather than its text:
    /// attribution, model, price and the other values that repeat across millions of records are stored once each.
    /// </summary>
    public static bool IsDictionaryColumn(string column) => column is "provider" or "model" or "operation" or "project" or "job" or "task" or "agent"
        or "session" or "user_name" or "tags" or "service_tier" or "price_entry" or "price_effective_from" or "price_catalog" or "region" or "source" or "status";

    /// <summary>Columns in the order of <see cref="UsageRecordFields.Names"/> (<c>usage</c> has them all, plus <c>seq</c> and <c>cost_pico</c>).</summary>
    public static readonly (string Field, string Column)[] Columns =
    [
        ("id", "id"), ("timestamp", "ts"), ("provider", "provider"), ("model", "model"), ("operation", "operation"),
        ("input", "input"), ("cacheRead", "cache_read"), ("cacheWrite", "cache_write"), ("cacheWrite1h", "cache_write_1h"),
        ("output", "output"), ("reasoning", "reasoning"), ("extra", "extra"),
        ("project", "project"), ("job", "job"), ("task", "task"), ("agent", "agent"), ("session", "session"), ("user", "user_name"), ("tags", "tags"),
        ("serviceTier", "service_tier"), ("costUsd", "cost_usd"), ("priceEntry", "price_entry"), ("priceEffectiveFrom", "price_effective_from"), ("priceCatalog", "price_catalog"),
        ("energyWh", "energy_wh"), ("energyWhLow", "energy_wh_low"), ("energyWhHigh", "energy_wh_high"),
        ("co2eGrams", "co2e_g"), ("co2eGramsLow", "co2e_g_low"), ("co2eGramsHigh", "co2e_g_high"), ("region", "region"),
        ("source", "source"), ("latencyMs", "latency_ms"), ("status", "status"),
    ];
}
