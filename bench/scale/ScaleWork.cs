using System.Globalization;

namespace TokenTrace.Scale;

/// <summary>
/// One piece of work timed on both sides: the <c>tokentrace</c> command line, and the DuckDB queries that compute the
/// same groups (counts, token sums and cost) over the same records.
/// </summary>
internal sealed record ScaleWork(string Name, string[] Cli, string[] DuckDb)
{
    /// <summary>The instant the generated year ends; reports are taken "as of" it so that they are reproducible.</summary>
    public static readonly DateTime End = LedgerGenerator.Start.AddYears(1);

    private const string Sums = "count(*), sum(input), sum(output), sum(cache_read), sum(cache_write), sum(reasoning), sum(cost)";

    /// <summary>Every summary shape of issue 10, then report, trend and budget status.</summary>
    public static IReadOnlyList<ScaleWork> All()
    {
        var top = LedgerGenerator.ProjectName(0);
        var at = End.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var since = LedgerGenerator.Start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var month = $"TIMESTAMP '{End.AddMonths(-1):yyyy-MM-dd}'";
        var last30 = $"ts >= TIMESTAMP '{End.AddDays(-30):yyyy-MM-dd}' AND ts < TIMESTAMP '{End:yyyy-MM-dd}'";
        var work = new List<ScaleWork>();

        foreach (var (by, column) in new[]
        {
            ("model", "model"), ("provider", "provider"), ("source", "source"), ("project", "project"), ("job", "job"), ("task", "task"),
            ("agent", "agent"), ("session", "session"), ("user", "user"), ("tag:env", "tags->>'env'"),
            ("hour", "date_trunc('hour', ts)"), ("day", "date_trunc('day', ts)"), ("week", "date_trunc('week', ts)"), ("month", "date_trunc('month', ts)"),
        })
        {
            work.Add(Summary($"--by {by}", [by], column, null));
        }

        work.Add(Summary("--by project,model", ["project,model"], "project, model", null));
        work.Add(Summary("--by day,project", ["day,project"], "date_trunc('day', ts), project", null));
        work.Add(Summary("--by job,model", ["job,model"], "job, model", null));
        work.Add(Summary("--by agent,user", ["agent,user"], "agent, \"user\"", null));
        work.Add(Summary($"--by model --project {top}", ["model", "--project", top], "model", $"project = '{top}'"));
        work.Add(Summary($"--by day --project {top}", ["day", "--project", top], "date_trunc('day', ts)", $"project = '{top}'"));
        work.Add(Summary($"--by job --project {top}", ["job", "--project", top], "job", $"project = '{top}'"));
        work.Add(Summary("--by project --model gpt-4.1", ["project", "--model", "gpt-4.1"], "project", "model = 'gpt-4.1'"));
        work.Add(Summary("--by user --agent agent-00", ["user", "--agent", "agent-00"], "\"user\"", "agent = 'agent-00'"));
        work.Add(Summary("--by model --tag env=prod", ["model", "--tag", "env=prod"], "model", "tags->>'env' = 'prod'"));
        work.Add(Summary("--by model --since (last 30 days)", ["model", "--since", End.AddDays(-30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)], "model", last30));

        // report: totals by model, project and agent, a daily trend and top jobs, sessions and agents over its window.
        string[] Report(string where) =>
        [
            $"SELECT model, {Sums} FROM usage WHERE {where} GROUP BY 1",
            $"SELECT project, {Sums} FROM usage WHERE {where} GROUP BY 1",
            $"SELECT agent, {Sums} FROM usage WHERE {where} GROUP BY 1",
            $"SELECT date_trunc('day', ts), {Sums} FROM usage WHERE {where} GROUP BY 1",
            $"SELECT job, sum(cost) FROM usage WHERE {where} GROUP BY 1 ORDER BY 2 DESC LIMIT 10",
            $"SELECT session, sum(cost) FROM usage WHERE {where} GROUP BY 1 ORDER BY 2 DESC LIMIT 10",
        ];

        work.Add(new ScaleWork("report (30 days)", ["report", "--at", at, "--format", "json", "--tz", "UTC"], Report(last30)));
        work.Add(new ScaleWork("report (whole year)", ["report", "--at", at, "--since", since, "--format", "json", "--tz", "UTC"], Report("true")));
        work.Add(new ScaleWork("trend --by day (whole year)", ["trend", "--by", "day", "--since", since, "--format", "json", "--tz", "UTC"],
            [$"SELECT date_trunc('day', ts), {Sums} FROM usage GROUP BY 1"]));
        work.Add(new ScaleWork("trend --by month", ["trend", "--by", "month", "--since", since, "--format", "json", "--tz", "UTC"],
            [$"SELECT date_trunc('month', ts), {Sums} FROM usage GROUP BY 1"]));
        work.Add(new ScaleWork("budget status (3 budgets)", ["budget", "status", "--format", "json", "--tz", "UTC"],
        [
            "SELECT sum(cost) FROM usage",
            $"SELECT sum(cost) FROM usage WHERE project = '{top}' AND ts >= {month}",
            "SELECT sum(input + output + cache_read + cache_write) FROM usage WHERE model = 'gpt-4.1'",
        ]));
        return work;

        static ScaleWork Summary(string name, string[] by, string columns, string? where) =>
            new(name, ["summary", "--by", .. by, "--format", "json", "--tz", "UTC"],
                [$"SELECT {columns}, {Sums} FROM usage{(where is null ? "" : " WHERE " + where)} GROUP BY ALL"]);
    }

    /// <summary>The budgets <c>budget status</c> reports on, set before it runs.</summary>
    public static IReadOnlyList<string[]> Budgets() =>
    [
        ["budget", "set", "all-time", "--limit", "1000000", "--period", "total"],
        ["budget", "set", "big-project-monthly", "--limit", "5000", "--period", "monthly", "--scope", "project=" + LedgerGenerator.ProjectName(0)],
        ["budget", "set", "gpt41-tokens", "--limit", "100000000000", "--unit", "tokens", "--period", "total", "--scope", "model=gpt-4.1"],
    ];
}
