using System.Globalization;

namespace TokenTrace.Cli;

/// <summary>
/// Finds the 5-hour billing blocks of the records a query selects, by ccusage's rule: in time order, a block starts on
/// the hour (UTC) of its first record, and a record more than 5 hours after its block's start — or after the previous
/// record, which is implied, since that record is not before the start — begins the next block.
/// </summary>
/// <remarks>
/// Because a block starts on a whole hour, which block a record is in follows from its hour alone, except for a record
/// exactly 5 hours after the start, which is still in the block while the rest of its hour is not. So the totals come
/// from the ledger's summary by UTC hour (its hourly rollup where it has one) instead of reading every record, and records
/// are read only for the hours that decide an exact time: a block's first and last hour (for its first and last
/// activity) and an hour that starts exactly 5 hours after a block's start.
/// </remarks>
internal sealed class BillingBlockFinder(IUsageLedger ledger, UsageQuery query, IReadOnlySet<string>? sources)
{
    private static readonly SummaryDimension Hour = SummaryDimension.Parse("hour");
    private static readonly SummaryDimension Source = SummaryDimension.Parse("source");

    private readonly Dictionary<DateTimeOffset, List<UsageRecord>> _hours = [];

    /// <summary>How far back <see cref="FindActiveAsync"/> first looks for an idle time that no block spans.</summary>
    public static readonly TimeSpan ActiveLookback = TimeSpan.FromDays(2);

    /// <summary>The blocks in time order, with the idle gaps between them; only the last <paramref name="last"/> when given (the others' exact times are not read).</summary>
    public async Task<IReadOnlyList<BillingBlock>> FindAsync(int? last, CancellationToken cancellationToken) =>
        await BuildAsync(await HoursAsync(query, withModels: true, cancellationToken).ConfigureAwait(false), last, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The block open at <paramref name="now"/>, or null. Reads only the last two days when they hold an idle time longer
    /// than 5 hours (every block after it starts there, whatever came before); the whole selection otherwise.
    /// </summary>
    public async Task<BillingBlock?> FindActiveAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var from = Floor(now - ActiveLookback);
        SortedDictionary<DateTimeOffset, List<SummaryRow>>? hours = null;
        if (query.Since is not { } since || since < from)
        {
            var recent = await HoursAsync(query with { Since = from }, withModels: false, cancellationToken).ConfigureAwait(false);
            if (recent.Count == 0 || recent.Keys.Last() + TimeSpan.FromHours(1) + BillingBlock.Length <= now)
            {
                return null; // nothing in the last 5 hours: nothing is open
            }

            if (LatestRestart(from, recent.Keys) is { } restart)
            {
                hours = new SortedDictionary<DateTimeOffset, List<SummaryRow>>(recent.Where(h => h.Key >= restart).ToDictionary());
            }
        }

        // Without the model in the grouping the hourly summary is a third of the work (it is most of a status line's);
        // the open block's models are then one small summary of its own hours.
        hours ??= await HoursAsync(query, withModels: false, cancellationToken).ConfigureAwait(false);
        var blocks = await BuildAsync(hours, 1, cancellationToken).ConfigureAwait(false);
        return blocks.Count > 0 && blocks[^1].IsActiveAt(now) ? blocks[^1] with { Models = await ModelsAsync(blocks[^1], cancellationToken).ConfigureAwait(false) } : null;
    }

    /// <summary>The models of a block's records (its end included: a record exactly 5 hours after its start is in it).</summary>
    private async Task<IReadOnlyList<string>> ModelsAsync(BillingBlock block, CancellationToken cancellationToken)
    {
        var end = block.End.AddTicks(1);
        var range = query with
        {
            Since = query.Since is { } s && s > block.Start ? s : block.Start,
            Until = query.Until is { } u && u < end ? u : end,
        };
        var summary = await ledger.SummarizeAsync(range, [Source, SummaryDimension.Model], TimeZoneInfo.Utc, cancellationToken).ConfigureAwait(false);
        return [.. summary.Rows
            .Where(r => sources is null || sources.Contains(r.Key["source"] ?? ""))
            .Select(r => r.Key["model"] ?? "(none)")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The latest active hour whose first record is surely more than 5 hours after every earlier record, so that it
    /// starts a block: the previous active hour ended 5 hours or more before it (its records are before that end), or
    /// there is none since <paramref name="from"/>, 5 hours or more before it.
    /// </summary>
    private static DateTimeOffset? LatestRestart(DateTimeOffset from, IEnumerable<DateTimeOffset> hours)
    {
        DateTimeOffset? restart = null;
        var previousEnd = from;
        foreach (var hour in hours)
        {
            if (hour - previousEnd >= BillingBlock.Length)
            {
                restart = hour;
            }

            previousEnd = hour.AddHours(1);
        }

        return restart;
    }

    private static DateTimeOffset Floor(DateTimeOffset instant) =>
        new(instant.UtcTicks - (instant.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero);

    /// <summary>The selection's totals by UTC hour, each hour's rows by source (and model).</summary>
    private async Task<SortedDictionary<DateTimeOffset, List<SummaryRow>>> HoursAsync(UsageQuery selection, bool withModels, CancellationToken cancellationToken)
    {
        SummaryDimension[] by = withModels ? [Hour, Source, SummaryDimension.Model] : [Hour, Source];
        var summary = await ledger.SummarizeAsync(selection, by, TimeZoneInfo.Utc, cancellationToken).ConfigureAwait(false);
        var hours = new SortedDictionary<DateTimeOffset, List<SummaryRow>>();
        foreach (var row in summary.Rows)
        {
            if (sources is null || sources.Contains(row.Key["source"] ?? ""))
            {
                var hour = new DateTimeOffset(DateTime.ParseExact(row.Key["hour"]!, "yyyy-MM-dd'T'HH':00'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), TimeSpan.Zero);
                (hours.TryGetValue(hour, out var rows) ? rows : hours[hour] = []).Add(row);
            }
        }

        return hours;
    }

    private async Task<IReadOnlyList<BillingBlock>> BuildAsync(SortedDictionary<DateTimeOffset, List<SummaryRow>> hours, int? last, CancellationToken cancellationToken)
    {
        var builders = new List<Builder>();
        Builder? current = null;
        foreach (var (hour, rows) in hours)
        {
            if (current is null || hour > current.Start + BillingBlock.Length)
            {
                builders.Add(current = new Builder(hour));
                current.AddHour(hour, rows);
            }
            else if (hour < current.Start + BillingBlock.Length)
            {
                current.AddHour(hour, rows);
            }
            else if ((await ReadAsync(hour, hour.AddTicks(1), cancellationToken).ConfigureAwait(false)).Count == 0)
            {
                // The hour that starts exactly 5 hours after the block, with no record at that very instant (almost always
                // so; one indexed look-up tells): all of it is in the next block.
                builders.Add(current = new Builder(hour));
                current.AddHour(hour, rows);
            }
            else
            {
                // A record exactly 5 hours after the block's start is still in it; the rest of its hour is not.
                var records = await ReadHourAsync(hour, cancellationToken).ConfigureAwait(false);
                var atEdge = records.TakeWhile(r => r.Timestamp == hour).ToList();
                current.AddRecords(atEdge);
                if (atEdge.Count < records.Count)
                {
                    builders.Add(current = new Builder(hour));
                    current.AddRecords(records.Skip(atEdge.Count));
                }
            }
        }

        var wanted = last is { } n ? builders.Skip(Math.Max(0, builders.Count - n)).ToList() : builders;
        var blocks = new List<BillingBlock>();
        foreach (var builder in wanted)
        {
            var first = builder.First ?? (await ReadHourAsync(builder.FirstHour, cancellationToken).ConfigureAwait(false))[0].Timestamp;
            var lastActivity = builder.Last ?? (await ReadHourAsync(builder.LastHour, cancellationToken).ConfigureAwait(false))[^1].Timestamp;
            var block = new BillingBlock(builder.Start, builder.Start + BillingBlock.Length, first, lastActivity, builder.Totals, [.. builder.Models]);
            if (blocks.Count > 0 && BillingBlock.GapBetween(blocks[^1], block) is { } gap)
            {
                blocks.Add(gap);
            }

            blocks.Add(block);
        }

        return blocks;
    }

    /// <summary>The records of one UTC hour that the query and sources select, oldest first (read once per hour).</summary>
    private async Task<List<UsageRecord>> ReadHourAsync(DateTimeOffset hour, CancellationToken cancellationToken)
    {
        if (_hours.TryGetValue(hour, out var cached))
        {
            return cached;
        }

        var records = await ReadAsync(hour, hour.AddHours(1), cancellationToken).ConfigureAwait(false);

        // The summary saw records in this hour, so the read finds them too unless the ledger changed in between (another
        // process appending is fine; one deleting is not something an append-only ledger does).
        if (records.Count == 0)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The ledger's summary has records in the hour {hour:O} that reading it does not find."));
        }

        return _hours[hour] = records;
    }

    /// <summary>The records from <paramref name="since"/> to <paramref name="until"/> (excluded) that the query and sources select, oldest first.</summary>
    private async Task<List<UsageRecord>> ReadAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var range = query with
        {
            Since = query.Since is { } s && s > since ? s : since,
            Until = query.Until is { } u && u < until ? u : until,
        };
        var records = new List<UsageRecord>();
        await foreach (var record in ledger.ReadAsync(range, cancellationToken).ConfigureAwait(false))
        {
            if (sources is null || sources.Contains(record.Source ?? ""))
            {
                records.Add(record);
            }
        }

        // Not every store reads in time order (a CSV file, a record appended late with an earlier time).
        records.Sort((a, b) => a.Timestamp.CompareTo(b.Timestamp));
        return records;
    }

    /// <summary>A block being put together: its totals and models, and its exact first and last times where already known.</summary>
    private sealed class Builder(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;

        public UsageTotals Totals { get; } = new();

        public SortedSet<string> Models { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset FirstHour { get; private set; } = start;

        public DateTimeOffset LastHour { get; private set; } = start;

        public DateTimeOffset? First { get; private set; }

        public DateTimeOffset? Last { get; private set; }

        private bool _empty = true;

        public void AddHour(DateTimeOffset hour, IEnumerable<SummaryRow> rows)
        {
            foreach (var row in rows)
            {
                Totals.Add(row.Totals);
                if (row.Key.TryGetValue("model", out var model))
                {
                    Models.Add(model ?? "(none)");
                }
            }

            if (_empty)
            {
                FirstHour = hour;
            }

            (LastHour, Last, _empty) = (hour, null, false);
        }

        public void AddRecords(IEnumerable<UsageRecord> records)
        {
            foreach (var record in records)
            {
                Totals.Add(record);
                Models.Add(record.Model);
                if (_empty)
                {
                    (First, FirstHour, _empty) = (record.Timestamp, record.Timestamp, false);
                }

                (Last, LastHour) = (record.Timestamp, record.Timestamp);
            }
        }
    }
}
