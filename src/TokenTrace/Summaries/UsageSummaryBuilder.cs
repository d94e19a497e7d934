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
    public UsageSummary Build()
    {
        IEnumerable<(string?[] Values, UsageTotals Totals)> groups = _groups.Values;
        var timeIndex = -1;
        for (var i = 0; i < _dimensions.Count; i++)
        {
            if (_dimensions[i].IsTime)
            {
                timeIndex = i;
                break;
            }
        }

        groups = timeIndex >= 0
            ? groups.OrderBy(g => g.Values[timeIndex], StringComparer.Ordinal).ThenByDescending(g => g.Totals.CostUsd).ThenBy(g => string.Join('\u0001', g.Values), StringComparer.Ordinal)
            : groups.OrderByDescending(g => g.Totals.CostUsd).ThenByDescending(g => g.Totals.TotalTokens).ThenBy(g => string.Join('\u0001', g.Values), StringComparer.Ordinal);

        var rows = groups.Select(g =>
        {
            var key = new Dictionary<string, string?>(_dimensions.Count, StringComparer.Ordinal);
            for (var i = 0; i < _dimensions.Count; i++)
            {
                key[_dimensions[i].Name] = g.Values[i];
            }

            return new SummaryRow(key, g.Totals);
        }).ToList();

        return new UsageSummary(_dimensions, rows, _total);
    }

    private UsageTotals Group(string?[] values)
    {
        // \u0000 marks null so that a null value and an empty string stay different groups.
        var key = string.Join('\u0001', values.Select(v => v ?? "\u0000"));
        if (!_groups.TryGetValue(key, out var group))
        {
            _groups[key] = group = (values, new UsageTotals());
        }

        return group.Totals;
    }
}
