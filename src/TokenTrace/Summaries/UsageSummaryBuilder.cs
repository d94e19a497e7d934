namespace TokenTrace;

/// <summary>Groups records (or pre-aggregated partial totals) into a <see cref="UsageSummary"/>.</summary>
public sealed class UsageSummaryBuilder
{
    private readonly IReadOnlyList<SummaryDimension> _dimensions;
    private readonly TimeZoneInfo _timeZone;
    private readonly Dictionary<string, (string?[] Values, UsageTotals Totals)> _groups = new(StringComparer.Ordinal);
    private readonly UsageTotals _total = new();

    /// <summary>Creates a builder for <paramref name="dimensions"/> in <paramref name="timeZone"/>.</summary>
    public UsageSummaryBuilder(IReadOnlyList<SummaryDimension> dimensions, TimeZoneInfo timeZone)
    {
        _dimensions = dimensions ?? throw new ArgumentNullException(nameof(dimensions));
        _timeZone = timeZone ?? throw new ArgumentNullException(nameof(timeZone));
    }

    /// <summary>Adds one record.</summary>
    public void Add(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var values = new string?[_dimensions.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = _dimensions[i].ValueOf(record, _timeZone);
        }

        Group(values).Add(record);
        _total.Add(record);
    }

    /// <summary>Adds partial totals whose dimension values are already known (one per dimension, in order).</summary>
    public void Add(string?[] values, UsageTotals totals)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(totals);
        Group(values).Add(totals);
        _total.Add(totals);
    }

    /// <summary>Builds the summary.</summary>
    /// <remarks>
    /// Sorted once over an array with the ordering keys read up front (cost, tokens; the joined values only when both
    /// tie), then by the order groups were first added so that equal keys keep it as a stable sort would: a summary of
    /// 250,000 sessions spent ≈ 1 CPU-s here with LINQ's sort, a joined string per group and closures per row.
    /// </remarks>
    public UsageSummary Build()
    {
        var timeIndex = -1;
        for (var i = 0; i < _dimensions.Count; i++)
        {
            if (_dimensions[i].IsTime)
            {
                timeIndex = i;
                break;
            }
        }

        var entries = new Entry[_groups.Count];
        var n = 0;
        foreach (var (values, totals) in _groups.Values)
        {
            entries[n] = new Entry(values, totals, totals.CostUsd, timeIndex >= 0 ? 0 : totals.TotalTokens, n);
            n++;
        }

        Array.Sort(entries, timeIndex >= 0 ? new EntryComparer(timeIndex) : EntryComparer.ByCost);

        var names = new string[_dimensions.Count];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = _dimensions[i].Name;
        }

        var rows = new SummaryRow[entries.Length];
        for (var r = 0; r < entries.Length; r++)
        {
            var values = entries[r].Values;
            var key = new Dictionary<string, string?>(names.Length, StringComparer.Ordinal);
            for (var i = 0; i < names.Length; i++)
            {
                key[names[i]] = values[i];
            }

            rows[r] = new SummaryRow(key, entries[r].Totals);
        }

        return new UsageSummary(_dimensions, rows, _total);
    }

    private UsageTotals Group(string?[] values)
    {
        // \u0000 marks null so that a null value and an empty string stay different groups; one dimension needs no joining.
        var key = values.Length == 1 ? values[0] ?? "\u0000" : JoinKey(values);
        if (!_groups.TryGetValue(key, out var group))
        {
            _groups[key] = group = (values, new UsageTotals());
        }

        return group.Totals;
    }

    private static string JoinKey(string?[] values)
    {
        var marked = new string[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            marked[i] = values[i] ?? "\u0000";
        }

        return string.Join('\u0001', marked);
    }

    /// <summary>A group and its ordering keys; <see cref="Joined"/> (the values as the tie-break compares them) is made on first use.</summary>
    private sealed class Entry(string?[] values, UsageTotals totals, decimal cost, long tokens, int added)
    {
        private string? _joined;

        public string?[] Values { get; } = values;

        public UsageTotals Totals { get; } = totals;

        public decimal Cost { get; } = cost;

        public long Tokens { get; } = tokens;

        public int Added { get; } = added;

        // As string.Join joins them: a null value as an empty string.
        public string Joined => _joined ??= Values.Length == 1 ? Values[0] ?? "" : string.Join('\u0001', Values);
    }

    /// <summary>
    /// With a time dimension: by its value, most expensive first, then by the joined values; without one: most expensive
    /// first, then most tokens, then the joined values. Equal keys keep the order the groups were added in.
    /// </summary>
    private sealed class EntryComparer(int timeIndex) : IComparer<Entry>
    {
        public static readonly EntryComparer ByCost = new(-1);

        public int Compare(Entry? x, Entry? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            int c;
            if (timeIndex >= 0)
            {
                c = string.CompareOrdinal(x!.Values[timeIndex], y!.Values[timeIndex]);
                if (c == 0)
                {
                    c = y.Cost.CompareTo(x.Cost);
                }
            }
            else
            {
                c = y!.Cost.CompareTo(x!.Cost);
                if (c == 0)
                {
                    c = y.Tokens.CompareTo(x.Tokens);
                }
            }

            if (c == 0)
            {
                c = string.CompareOrdinal(x.Joined, y.Joined);
            }

            return c != 0 ? c : x.Added.CompareTo(y.Added);
        }
    }
}
