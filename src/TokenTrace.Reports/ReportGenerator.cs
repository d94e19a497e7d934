namespace TokenTrace.Reports;

/// <summary>
/// Builds reports from a ledger: summaries by any dimensions, zero-filled trends, weekday-aware period-end forecasts,
/// seasonal anomalies and top lists. Every figure is a ledger query; nothing is cached between reports.
/// </summary>
public sealed class ReportGenerator
{
    private readonly IUsageLedger _ledger;
    private readonly TimeZoneInfo _timeZone;
    private readonly TimeProvider _time;

    /// <summary>Creates a generator counting days in <paramref name="timeZone"/>.</summary>
    public ReportGenerator(IUsageLedger ledger, TimeZoneInfo timeZone, TimeProvider? time = null)
    {
        _ledger = ledger ?? throw new ArgumentNullException(nameof(ledger));
        _timeZone = timeZone ?? throw new ArgumentNullException(nameof(timeZone));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Totals per time bucket (<c>hour</c>, <c>day</c>, <c>week</c>, <c>month</c>), with empty buckets present as zeros.</summary>
    public async Task<IReadOnlyList<TrendPoint>> TrendAsync(UsageQuery query, SummaryDimension granularity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(granularity);
        if (!granularity.IsTime)
        {
            throw new ArgumentException($"{granularity} is not a time dimension", nameof(granularity));
        }

        var summary = await _ledger.SummarizeAsync(query, [granularity], _timeZone, cancellationToken).ConfigureAwait(false);
        return Fill(summary.Rows.ToDictionary(r => r.Key[granularity.Name]!, r => r.Totals, StringComparer.Ordinal), query, granularity);
    }

    /// <summary>Every bucket from the query's start (or the first present) to its end (or the last present), empty ones as zeros.</summary>
    private List<TrendPoint> Fill(Dictionary<string, UsageTotals> present, UsageQuery query, SummaryDimension granularity)
    {
        if (present.Count == 0 && (query.Since is null || query.Until is null))
        {
            return [];
        }

        var from = query.Since ?? Start(present.Keys.Min(StringComparer.Ordinal)!);
        var to = query.Until ?? Start(present.Keys.Max(StringComparer.Ordinal)!).AddSeconds(1);
        var points = new List<TrendPoint>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var local = TimeZoneInfo.ConvertTime(from, _timeZone).DateTime; ; local = Step(local, granularity.Name))
        {
            var instant = new DateTimeOffset(local, _timeZone.GetUtcOffset(local));
            if (instant >= to || points.Count > 100_000)
            {
                break;
            }

            var key = granularity.TimeKey(instant, _timeZone);
            if (seen.Add(key))
            {
                points.Add(new TrendPoint(key, present.GetValueOrDefault(key) ?? new UsageTotals()));
            }
        }

        return points;

        DateTimeOffset Start(string key) => DateTimeOffset.Parse(key.Length == 7 ? key + "-01" : key, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
    }

    /// <summary>The forecast of <paramref name="budget"/>'s current period (null for a total budget).</summary>
    public async Task<SpendForecast?> ForecastAsync(Budget budget, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(budget);
        var status = await BudgetEvaluator.EvaluateAsync(_ledger, budget, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return await ForecastAsync(status, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The forecast from <paramref name="status"/>, so that its spend is the status's spend and not a second reading.</summary>
    private async Task<SpendForecast?> ForecastAsync(BudgetStatus status, CancellationToken cancellationToken)
    {
        var budget = status.Budget;
        var tz = budget.ResolveTimeZone();
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(status.At, tz).DateTime);
        var history = await DailySeries.ReadAsync(_ledger, budget.Scope with { Since = null, Until = null }, budget.Unit,
            today.AddDays(-7 * SpendForecaster.HistoryWeeks), today, tz, cancellationToken).ConfigureAwait(false);
        return SpendForecaster.Forecast(status, history);
    }

    /// <summary>
    /// Cumulative spend at the end of each local day of <paramref name="status"/>'s window up to today, read with the same
    /// query as the status (for a rolling window the first day counts from the window's start), so the last value is the
    /// status's spend.
    /// </summary>
    private async Task<List<(DateOnly, decimal)>> CumulativeAsync(BudgetStatus status, CancellationToken cancellationToken)
    {
        var budget = status.Budget;
        var cumulative = new List<(DateOnly, decimal)>();
        if (!status.Window.Resets)
        {
            return cumulative;
        }

        var tz = budget.ResolveTimeZone();
        var first = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(status.Window.Start, tz).DateTime);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(status.At, tz).DateTime);
        var summary = await _ledger.SummarizeAsync(BudgetEvaluator.QueryFor(budget, status.Window), [SummaryDimension.Day], tz, cancellationToken).ConfigureAwait(false);
        var byDay = summary.Rows.ToDictionary(r => r.Key["day"]!, r => budget.SpendOf(r.Totals), StringComparer.Ordinal);
        var running = 0m;
        for (var day = first; day <= today; day = day.AddDays(1))
        {
            running += byDay.GetValueOrDefault(day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            cumulative.Add((day, running));
        }

        return cumulative;
    }

    /// <summary>Days of unusual spend (in USD) among the last <paramref name="days"/> days.</summary>
    public async Task<IReadOnlyList<SpendAnomaly>> AnomaliesAsync(UsageQuery scope, int days = 28, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(_time.GetUtcNow(), _timeZone).DateTime);
        var series = await DailySeries.ReadAsync(_ledger, scope with { Since = null, Until = null }, BudgetUnit.Usd, today.AddDays(-days - 28), today, _timeZone, cancellationToken).ConfigureAwait(false);
        return AnomalyDetector.Find(series, today.AddDays(-days));
    }

    /// <summary>The <paramref name="count"/> most expensive groups of <paramref name="dimension"/>, records without a value left out.</summary>
    public async Task<IReadOnlyList<SummaryRow>> TopAsync(UsageQuery query, SummaryDimension dimension, int count = 10, CancellationToken cancellationToken = default)
    {
        var summary = await _ledger.SummarizeAsync(query, [dimension], _timeZone, cancellationToken).ConfigureAwait(false);
        return [.. summary.Rows.Where(r => r.Key[dimension.Name] is not null).Take(count)];
    }

    /// <summary>The full report over <paramref name="query"/>, with <paramref name="budgets"/>.</summary>
    public async Task<UsageReport> GenerateAsync(UsageQuery query, IEnumerable<Budget> budgets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(budgets);
        var now = _time.GetUtcNow();
        var budgetReports = new List<BudgetReport>();
        foreach (var budget in budgets)
        {
            var status = await BudgetEvaluator.EvaluateAsync(_ledger, budget, now, cancellationToken).ConfigureAwait(false);
            var forecast = await ForecastAsync(status, cancellationToken).ConfigureAwait(false);
            budgetReports.Add(new BudgetReport(status, forecast, await CumulativeAsync(status, cancellationToken).ConfigureAwait(false)));
        }

        // One ledger query per view. A single query grouped by all six dimensions held one group per (day, model,
        // project, agent, job, session) — about one per record — so its memory grew with the ledger (1.2 GB for a
        // 30-day report over 10 M records). Day × model is answered by the hourly rollup; the others group by one value.
        var dayDimension = SummaryDimension.Day;
        var modelDimension = SummaryDimension.Model;
        var projectDimension = SummaryDimension.Parse("project");
        var agentDimension = SummaryDimension.Parse("agent");
        var jobDimension = SummaryDimension.Parse("job");
        var sessionDimension = SummaryDimension.Parse("session");
        var views = await Task.WhenAll(
            new[] { [dayDimension, modelDimension], [projectDimension], [agentDimension], [jobDimension], new[] { sessionDimension } }
                .Select(by => _ledger.SummarizeAsync(query, by, _timeZone, cancellationToken))).ConfigureAwait(false);
        var (dailyByModel, byProject, byAgent, byJob, bySession) = (views[0], views[1], views[2], views[3], views[4]);
        UsageQuery? previousQuery = null;
        UsageSummary? previousByModel = null;
        if (query is { Since: { } since, Until: { } until } && until > since)
        {
            var (previousSince, previousUntil) = PreviousPeriod.Before(since, until, _timeZone);
            previousQuery = query with { Since = previousSince, Until = previousUntil };
            previousByModel = await _ledger.SummarizeAsync(previousQuery, [modelDimension], _timeZone, cancellationToken).ConfigureAwait(false);
        }

        var daily = Fill(UsageSummaries.Regroup(dailyByModel, [dayDimension], _timeZone).Rows.ToDictionary(r => r.Key["day"]!, r => r.Totals, StringComparer.Ordinal), query, dayDimension);

        return new UsageReport
        {
            GeneratedAt = now,
            TimeZone = _timeZone.Id,
            Query = query,
            ByModel = UsageSummaries.Regroup(dailyByModel, [modelDimension], _timeZone),
            ByProject = byProject,
            ByAgent = byAgent,
            Daily = daily,
            DailyByModel = dailyByModel,
            Budgets = budgetReports,
            Anomalies = await AnomaliesAsync(query with { Since = null, Until = null }, 28, cancellationToken).ConfigureAwait(false),
            TopJobs = Top(byJob, jobDimension),
            TopSessions = Top(bySession, sessionDimension),
            TopAgents = Top(byAgent, agentDimension),
            PreviousQuery = previousQuery,
            PreviousByModel = previousByModel,
        };

        static IReadOnlyList<SummaryRow> Top(UsageSummary summary, SummaryDimension dimension) =>
            [.. summary.Rows.Where(r => r.Key[dimension.Name] is not null).Take(10)];
    }

    private static DateTime Step(DateTime local, string granularity) => granularity switch
    {
        "hour" => local.AddHours(1),
        "day" => local.Date.AddDays(1),
        "week" => local.Date.AddDays(7 - (((int)local.DayOfWeek + 6) % 7)),
        _ => new DateTime(local.Year, local.Month, 1).AddMonths(1),
    };
}
