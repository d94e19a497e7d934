using System.Globalization;
using System.Text;

namespace TokenTrace.Analytics.DuckDb;

/// <summary>
/// Two temporary CSV files that a catch-up loads into DuckDB: one row per record with the columns summaries read
/// (<c>facts</c>), and one row per tag (<c>fact_tags</c>). They are the owner's only and deleted on dispose.
/// </summary>
/// <remarks>
/// CSV because DuckDB reads it on every core several times faster than JSON lines, and far faster than values can be
/// appended one by one through its client API. Every text is quoted (a quote doubled); an absent value is an empty
/// unquoted field, which <see cref="ReadOptions"/> tells DuckDB to read as NULL while a quoted empty text stays empty.
/// </remarks>
internal sealed class FactFiles : IDisposable
{
    /// <summary>The <c>columns</c> argument of <c>read_csv</c> for <see cref="FactsPath"/>, in the table's column order.</summary>
    public const string FactColumns = """
        {seq: 'BIGINT', ts: 'BIGINT', model: 'VARCHAR', provider: 'VARCHAR', project: 'VARCHAR', job: 'VARCHAR', task: 'VARCHAR',
         agent: 'VARCHAR', session: 'VARCHAR', user_name: 'VARCHAR', source: 'VARCHAR', region: 'VARCHAR', input: 'BIGINT', output: 'BIGINT',
         cache_read: 'BIGINT', cache_write: 'BIGINT', cache_write_1h: 'BIGINT', reasoning: 'BIGINT', cost_pico: 'BIGINT',
         energy_low_q: 'BIGINT', energy_low_r: 'DOUBLE', energy_q: 'BIGINT', energy_r: 'DOUBLE', energy_high_q: 'BIGINT', energy_high_r: 'DOUBLE',
         co2e_low_q: 'BIGINT', co2e_low_r: 'DOUBLE', co2e_q: 'BIGINT', co2e_r: 'DOUBLE', co2e_high_q: 'BIGINT', co2e_high_r: 'DOUBLE'}
        """;

    /// <summary>The <c>columns</c> argument of <c>read_csv</c> for <see cref="TagsPath"/>.</summary>
    public const string TagColumns = "{seq: 'BIGINT', key: 'VARCHAR', value: 'VARCHAR'}";

    /// <summary>How both files are to be read: no header, no guessing, NULL only for an empty unquoted field.</summary>
    public const string ReadOptions = "header = false, auto_detect = false, delim = ',', quote = '\"', escape = '\"', nullstr = '', allow_quoted_nulls = false";

    /// <summary>Estimates are split into whole nanounits and a rest; 10⁹ × the largest estimate (10⁹) fits a 64-bit integer.</summary>
    public const double FixedPointScale = 1e9;

    private readonly CsvOut _facts;
    private readonly CsvOut _tags;
    private readonly string _stem;
    private readonly List<string> _sumsPaths = [];

    private FactFiles(string stem, string factsPath, string tagsPath)
    {
        _stem = stem;
        FactsPath = factsPath;
        TagsPath = tagsPath;
        Sums = [.. DailyAggregates.NewSums(), .. MonthlyAggregates.NewSums(), TagAggregates.NewSums(), AllTimeAggregates.NewSums(), ProjectJobAggregates.NewSums()];
        _facts = new CsvOut(factsPath);
        try
        {
            _tags = new CsvOut(tagsPath);
        }
        catch
        {
            _facts.Dispose();
            File.Delete(factsPath);
            throw;
        }
    }

    public string FactsPath { get; }

    public string TagsPath { get; }

    /// <summary>The daily and monthly sums of this file's records, one per table of <see cref="DailyAggregates"/>, <see cref="MonthlyAggregates"/>, <see cref="TagAggregates"/>, <see cref="AllTimeAggregates"/> and <see cref="ProjectJobAggregates"/>.</summary>
    public IReadOnlyList<PeriodSums> Sums { get; }

    /// <summary>After <see cref="Complete"/>: the CSV file of a table's sums (null when it has none).</summary>
    public string? SumsPath(PeriodSums sums) => sums.Count == 0 ? null : _stem + "." + sums.Table + ".csv";

    public bool HasTags { get; private set; }

    /// <summary>How many records have been written.</summary>
    public long Count { get; private set; }

    /// <summary>Sequence number and id of the last record written.</summary>
    public (long Sequence, string Id) Last { get; private set; }

    public static FactFiles Create(string? directory)
    {
        var stem = Path.Combine(directory ?? Path.GetTempPath(), "tokentrace-copy-" + Guid.NewGuid().ToString("N"));
        return new FactFiles(stem, stem + ".facts.csv", stem + ".tags.csv");
    }

    /// <summary>Writes <paramref name="records"/>, one row each (and one per tag).</summary>
    public void Add(IEnumerable<SequencedUsageRecord> records)
    {
        foreach (var (seq, r) in records)
        {
            var t = r.Tokens;
            var a = r.Attribution;
            var f = _facts;
            f.Number(seq);
            f.Number(r.Timestamp.UtcTicks);
            f.Text(r.Model);
            f.Text(r.Provider);
            f.Text(a.Project);
            f.Text(a.Job);
            f.Text(a.Task);
            f.Text(a.Agent);
            f.Text(a.Session);
            f.Text(a.User);
            f.Text(r.Source);
            f.Text(r.Region);
            f.Number(t.Input);
            f.Number(t.Output);
            f.Number(t.CacheRead);
            f.Number(t.CacheWrite);
            f.Number(t.CacheWrite1h);
            f.Number(t.Reasoning);

            // Picodollars of the cost rounded as every summary rounds it (UsageTotals.RoundCost): sums stay exact integers.
            long? costPico = r.CostUsd is { } cost ? (long)(UsageTotals.RoundCost(cost) * 1_000_000_000_000m) : null;
            f.Number(costPico);
            var impact = r.Impact;
            Span<(long? Whole, double? Remainder)> estimates =
            [
                Split(impact?.EnergyWh.Low), Split(impact?.EnergyWh.Central), Split(impact?.EnergyWh.High),
                Split(impact?.Co2eGrams.Low), Split(impact?.Co2eGrams.Central), Split(impact?.Co2eGrams.High),
            ];
            for (var i = 0; i < estimates.Length; i++)
            {
                f.Number(estimates[i].Whole);
                f.Real(estimates[i].Remainder, last: i == estimates.Length - 1);
            }

            foreach (var sums in Sums)
            {
                sums.Add(r, costPico, estimates);
            }

            foreach (var (key, value) in a.Tags)
            {
                _tags.Number(seq);
                _tags.Text(key);
                _tags.Text(value, last: true);
                HasTags = true;
            }

            Count++;
            Last = (seq, r.Id);
        }
    }

    /// <summary>Flushes what was written and writes the daily sums, so that DuckDB reads all of it.</summary>
    public void Complete()
    {
        _facts.Flush();
        _tags.Flush();
        foreach (var table in Sums)
        {
            if (SumsPath(table) is not { } path)
            {
                continue;
            }

            _sumsPaths.Add(path);
            using var csv = new CsvOut(path);
            foreach (var (period, first, second, sums) in table.Rows())
            {
                csv.Number(period);
                csv.Text(first);
                if (table.KeyCount > 1)
                {
                    csv.Text(second);
                }

                csv.Number(sums.Records);
                foreach (var total in (ReadOnlySpan<long>)[sums.Input, sums.Output, sums.CacheRead, sums.CacheWrite, sums.CacheWrite1h, sums.Reasoning, sums.CostHi, sums.CostLo])
                {
                    csv.Number(total);
                }

                csv.Number(sums.Unpriced);
                csv.Number(sums.Estimated);
                for (var i = 0; i < sums.Whole.Length; i++)
                {
                    // An estimate nobody in the group has is NULL, as DuckDB's SUM over no values.
                    csv.Number(sums.Estimated == 0 ? null : (long)(sums.Whole[i] / DailyAggregates.Nano));
                    csv.Number(sums.Estimated == 0 ? null : (long)(sums.Whole[i] % DailyAggregates.Nano));
                    csv.Real(sums.Estimated == 0 ? null : sums.Rest[i], last: i == sums.Whole.Length - 1);
                }
            }

            csv.Flush();
        }
    }

    public void Dispose()
    {
        _facts.Dispose();
        _tags.Dispose();
        File.Delete(FactsPath);
        File.Delete(TagsPath);
        foreach (var path in _sumsPaths)
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// An estimate as two columns: whole nanounits (an integer, summed exactly) and the rest (at most half a nanounit,
    /// summed in floating point), so that sums come out the same on every run whatever order DuckDB adds in
    /// (<see cref="FixedPointScale"/>).
    /// </summary>
    private static (long? Whole, double? Remainder) Split(double? value)
    {
        if (value is not { } v)
        {
            return (null, null);
        }

        var whole = (long)Math.Round(v * FixedPointScale);
        return (whole, v - (whole / FixedPointScale));
    }

    /// <summary>A CSV file written as UTF-8 straight into a buffer: numbers formatted in place, texts quoted.</summary>
    private sealed class CsvOut : IDisposable
    {
        private readonly FileStream _stream;
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _used;

        // Owner-only and never an existing file (the name is random): a planted file or link is refused, not written through.
        public CsvOut(string path) => _stream = SecureFile.Open(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);

        public void Number(long? value, bool last = false)
        {
            if (value is { } v)
            {
                Reserve(24);
                v.TryFormat(_buffer.AsSpan(_used), out var written, default, CultureInfo.InvariantCulture);
                _used += written;
            }

            End(last);
        }

        public void Real(double? value, bool last = false)
        {
            if (value is { } v)
            {
                Reserve(32);
                v.TryFormat(_buffer.AsSpan(_used), out var written, "R", CultureInfo.InvariantCulture);
                _used += written;
            }

            End(last);
        }

        public void Text(string? value, bool last = false)
        {
            if (value is not null)
            {
                var text = value.Contains('"', StringComparison.Ordinal) ? value.Replace("\"", "\"\"", StringComparison.Ordinal) : value;
                var size = Encoding.UTF8.GetMaxByteCount(text.Length) + 2;
                if (size > _buffer.Length)
                {
                    // A text longer than the buffer (a tag value can be up to an import line long) goes straight out.
                    Flush();
                    _stream.Write(Encoding.UTF8.GetBytes("\"" + text + "\""));
                }
                else
                {
                    Reserve(size);
                    _buffer[_used++] = (byte)'"';
                    _used += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_used));
                    _buffer[_used++] = (byte)'"';
                }
            }

            End(last);
        }

        private void End(bool last)
        {
            Reserve(1);
            _buffer[_used++] = last ? (byte)'\n' : (byte)',';
        }

        private void Reserve(int bytes)
        {
            if (_used + bytes <= _buffer.Length)
            {
                return;
            }

            Flush();
        }

        public void Flush()
        {
            _stream.Write(_buffer, 0, _used);
            _used = 0;
            _stream.Flush();
        }

        public void Dispose() => _stream.Dispose();
    }
}
