namespace TokenTrace.Analytics.DuckDb;

/// <summary>
/// The sums of one table of <see cref="DailyAggregates"/> or <see cref="MonthlyAggregates"/> over the records of one
/// chunk, keyed by period (UTC day or month) and one or two attribution values, added up in memory as the chunk's
/// records are written: a few dictionary updates per record, where asking DuckDB for the same <c>GROUP BY</c> after
/// loading each chunk doubled the catch-up's time.
/// </summary>
internal sealed class PeriodSums
{
    private readonly Dictionary<(long Period, string? First, string? Second), Sums> _sums = [];

    /// <summary>The table the sums go to (<c>agg_project</c>, <c>aggm_job_model</c>…).</summary>
    public required string Table { get; init; }

    /// <summary>The <c>columns</c> argument of <c>read_csv</c> for the table's CSV file (<see cref="FactFiles.Complete"/> writes it).</summary>
    public required string CsvColumns { get; init; }

    /// <summary>The columns of the CSV file that go to the table (<c>*</c>, or <c>* EXCLUDE (period)</c> for a table without periods).</summary>
    public string Select { get; init; } = "*";

    /// <summary>The record's period (UTC day or month number) from its UTC ticks.</summary>
    public required Func<long, long> PeriodOf { get; init; }

    /// <summary>Reads the key's one or two values from a record (unless <see cref="PairsOf"/> is set).</summary>
    public IReadOnlyList<Func<UsageRecord, string?>> ValuesOf { get; init; } = [];

    /// <summary>
    /// For a table with any number of keys per record (tags: one (key, value) pair per tag): the record's pairs. The
    /// record is added once to each.
    /// </summary>
    public Func<UsageRecord, IEnumerable<KeyValuePair<string, string>>>? PairsOf { get; init; }

    /// <summary>How many key columns the table has after the period: one or two.</summary>
    public int KeyCount => PairsOf is null ? ValuesOf.Count : 2;

    public int Count => _sums.Count;

    /// <summary>Adds one record; <paramref name="costPico"/> and the estimates are exactly as written to <c>facts</c>.</summary>
    public void Add(UsageRecord record, long? costPico, ReadOnlySpan<(long? Whole, double? Remainder)> estimates)
    {
        var period = PeriodOf(record.Timestamp.UtcTicks);
        if (PairsOf is not null)
        {
            foreach (var (first, second) in PairsOf(record))
            {
                Add((period, first, second), record, costPico, estimates);
            }

            return;
        }

        Add((period, ValuesOf[0](record), ValuesOf.Count > 1 ? ValuesOf[1](record) : null), record, costPico, estimates);
    }

    private void Add((long Period, string? First, string? Second) key, UsageRecord record, long? costPico, ReadOnlySpan<(long? Whole, double? Remainder)> estimates)
    {
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

    /// <summary>The sums in the order of the table's columns (period, values, records… then whole and rest per estimate), by key.</summary>
    public IEnumerable<(long Period, string? First, string? Second, Sums Sums)> Rows() =>
        _sums.OrderBy(p => p.Key.Period).ThenBy(p => p.Key.First, StringComparer.Ordinal).ThenBy(p => p.Key.Second, StringComparer.Ordinal)
            .Select(p => (p.Key.Period, p.Key.First, p.Key.Second, p.Value));

    /// <summary>
    /// One key's running sums; whole nanounits as <see cref="Int128"/> (each record's up to 10¹⁸), written as whole units
    /// and the nanounits below them: each at most 10⁹ per record, so both sum in 64 bits up to 9.2 × 10⁹ records and
    /// DuckDB can prove it from the columns' statistics (its <c>sum_no_overflow</c>), where one 128-bit column made every
    /// sum over these tables a 128-bit one (30–40 % of a summary's CPU over 1.6 M job-days).
    /// </summary>
    internal sealed class Sums
    {
        public long Records;
        public long Input, Output, CacheRead, CacheWrite, CacheWrite1h, Reasoning, CostHi, CostLo;
        public long Unpriced, Estimated;
        public readonly Int128[] Whole = new Int128[6];
        public readonly double[] Rest = new double[6];
    }
}
