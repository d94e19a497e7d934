namespace TokenTrace.Analytics.DuckDb;

/// <summary>
/// The daily sums of one attribution dimension over the records of one chunk, added up in memory as the chunk's
/// records are written (see <see cref="DailyAggregates"/>): a few dictionary updates per record, where asking DuckDB
/// for the same <c>GROUP BY</c> after loading each chunk doubled the catch-up's time.
/// </summary>
internal sealed class DailySums
{
    private readonly Dictionary<(long Day, string? Value), Sums> _sums = [];

    /// <summary>The dimension's column in <c>facts</c> (and the table's name after <c>agg_</c>).</summary>
    public required string Column { get; init; }

    /// <summary>Reads the dimension's value from a record.</summary>
    public required Func<UsageRecord, string?> ValueOf { get; init; }

    public int Count => _sums.Count;

    /// <summary>Adds one record; <paramref name="costPico"/> and the estimates are exactly as written to <c>facts</c>.</summary>
    public void Add(UsageRecord record, long? costPico, ReadOnlySpan<(long? Whole, double? Remainder)> estimates)
    {
        var key = (record.Timestamp.UtcTicks / TimeSpan.TicksPerDay, ValueOf(record));
        if (!_sums.TryGetValue(key, out var sums))
        {
            sums = new Sums();
            _sums.Add(key, sums);
        }

        var t = record.Tokens;
        sums.Records++;
        sums.Input += t.Input;
        sums.Output += t.Output;
        sums.CacheRead += t.CacheRead;
        sums.CacheWrite += t.CacheWrite;
        sums.CacheWrite1h += t.CacheWrite1h;
        sums.Reasoning += t.Reasoning;
        if (costPico is { } pico)
        {
            // As DuckDB's integer // and %: the cost is never negative.
            sums.CostHi += pico / 1_000_000;
            sums.CostLo += pico % 1_000_000;
        }
        else
        {
            sums.Unpriced++;
        }

        if (estimates[0].Whole is not null)
        {
            sums.Estimated++;
            for (var i = 0; i < estimates.Length; i++)
            {
                sums.Whole[i] += estimates[i].Whole!.Value;
                sums.Rest[i] += estimates[i].Remainder!.Value;
            }
        }
    }

    /// <summary>The sums in the order of the table's columns (day, value, records… then whole and rest per estimate), by key.</summary>
    public IEnumerable<(long Day, string? Value, Sums Sums)> Rows() =>
        _sums.OrderBy(p => p.Key.Day).ThenBy(p => p.Key.Value, StringComparer.Ordinal).Select(p => (p.Key.Day, p.Key.Value, p.Value));

    /// <summary>One (day, value)'s running sums; whole nanounits as <see cref="Int128"/> (each up to 10¹⁸).</summary>
    internal sealed class Sums
    {
        public long Records;
        public long Input, Output, CacheRead, CacheWrite, CacheWrite1h, Reasoning, CostHi, CostLo;
        public long Unpriced, Estimated;
        public readonly Int128[] Whole = new Int128[6];
        public readonly double[] Rest = new double[6];
    }
}
