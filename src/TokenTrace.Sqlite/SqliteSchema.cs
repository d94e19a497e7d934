namespace TokenTrace.Sqlite;

/// <summary>The ledger's tables and their forward migrations; version N is reached by running migrations 1..N in order.</summary>
internal static class SqliteSchema
{
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
    ];

    public static int Latest => Migrations.Length;

    /// <summary>Columns in the order of <see cref="UsageRecordFields.Names"/>, with the SQL type each value is stored as.</summary>
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

    /// <summary>The SQL type each column's value is bound as, in the order of <see cref="Columns"/>.</summary>
    public static readonly Microsoft.Data.Sqlite.SqliteType[] Types = Columns.Select(c => c.Column switch
    {
        "ts" or "input" or "cache_read" or "cache_write" or "cache_write_1h" or "output" or "reasoning" => Microsoft.Data.Sqlite.SqliteType.Integer,
        "energy_wh" or "energy_wh_low" or "energy_wh_high" or "co2e_g" or "co2e_g_low" or "co2e_g_high" or "latency_ms" => Microsoft.Data.Sqlite.SqliteType.Real,
        _ => Microsoft.Data.Sqlite.SqliteType.Text,
    }).ToArray();
}
