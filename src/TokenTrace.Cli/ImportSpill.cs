using System.Text;

namespace TokenTrace.Cli;

/// <summary>
/// The checked, priced records of one <c>import</c>, kept in a compact binary file between the check pass and the write
/// pass, so that each line is parsed and priced once while nothing is written to the ledger until every line is known
/// to be good (and memory stays flat: the file, not the heap, grows with the input). Repeated strings (model,
/// attribution, source…) are written once and then referred to by number, which makes the file small and lets the
/// reader hand out one string instance per value instead of one per record.
/// </summary>
/// <remarks>
/// The file is owner-only, in the system temporary folder, and on Unix unlinked as soon as it is created: it lives
/// only as long as the open handle, so a killed import leaves nothing behind. Elsewhere it is deleted on dispose.
/// </remarks>
internal sealed class ImportSpill : IDisposable
{
    /// <summary>At most this many distinct strings are numbered; later new values are written out in full each time.</summary>
    internal const int MaxStrings = 65_536;

    /// <summary>At most this many distinct tag sets are shared; then sharing starts over.</summary>
    internal const int MaxTagSets = 4_096;

    private const int Null = 0;
    private const int Literal = 1;
    private const int Numbered = 2;
    private const int FirstReference = 3;

    private readonly string _path;
    private readonly FileStream _stream;
    private readonly BinaryWriter _writer;
    private readonly Dictionary<string, int> _numbers = new(StringComparer.Ordinal);

    public ImportSpill()
    {
        (_path, _stream) = SecureFile.CreateTemporary(Path.GetTempPath(), "tokentrace-import");
        if (!OperatingSystem.IsWindows())
        {
            File.Delete(_path);
        }

        _writer = new BinaryWriter(new BufferedStream(_stream, 256 * 1024), Encoding.UTF8, leaveOpen: true);
    }

    /// <summary>How many records have been written.</summary>
    public long Count { get; private set; }

    /// <summary>Appends one record.</summary>
    public void Write(UsageRecord r)
    {
        var w = _writer;
        var t = r.Tokens;
        var a = r.Attribution;
        w.Write(r.Id);
        w.Write(r.Timestamp.UtcTicks);
        String(r.Provider);
        String(r.Model);
        String(r.Operation);
        w.Write7BitEncodedInt64(t.Input);
        w.Write7BitEncodedInt64(t.CacheRead);
        w.Write7BitEncodedInt64(t.CacheWrite);
        w.Write7BitEncodedInt64(t.CacheWrite1h);
        w.Write7BitEncodedInt64(t.Output);
        w.Write7BitEncodedInt64(t.Reasoning);
        w.Write7BitEncodedInt(t.Extra.Count);
        foreach (var (key, value) in t.Extra)
        {
            String(key);
            w.Write7BitEncodedInt64(value);
        }

        String(a.Project);
        String(a.Job);
        String(a.Task);
        String(a.Agent);
        String(a.Session);
        String(a.User);
        w.Write7BitEncodedInt(a.Tags.Count);
        foreach (var (key, value) in a.Tags)
        {
            String(key);
            String(value);
        }

        String(r.ServiceTier);
        w.Write(r.CostUsd.HasValue);
        if (r.CostUsd is { } cost)
        {
            w.Write(cost);
        }

        w.Write(r.Price is not null);
        if (r.Price is { } price)
        {
            String(price.Entry);
            w.Write(price.EffectiveFrom?.DayNumber ?? -1);
            String(price.Catalog);
        }

        w.Write(r.Impact is not null);
        if (r.Impact is { } impact)
        {
            Range(impact.EnergyWh);
            Range(impact.Co2eGrams);
            String(impact.Region);
        }

        String(r.Region);
        String(r.Source);
        w.Write(r.LatencyMs.HasValue);
        if (r.LatencyMs is { } latency)
        {
            w.Write(latency);
        }

        String(r.Status);
        Count++;
    }

    /// <summary>Reads every record written, in order; call once, after the last <see cref="Write"/>.</summary>
    public IEnumerable<UsageRecord> ReadAll()
    {
        _writer.Flush();
        _stream.Position = 0;
        using var reader = new BinaryReader(new BufferedStream(_stream, 256 * 1024), Encoding.UTF8, leaveOpen: true);
        var strings = new List<string>();
        var tagSets = new Dictionary<TagSet, IReadOnlyDictionary<string, string>>();
        for (long i = 0; i < Count; i++)
        {
            yield return Read(reader, strings, tagSets);
        }
    }

    public void Dispose()
    {
        _writer.Dispose();
        _stream.Dispose();
        if (OperatingSystem.IsWindows())
        {
            File.Delete(_path);
        }
    }

    private static UsageRecord Read(BinaryReader r, List<string> strings, Dictionary<TagSet, IReadOnlyDictionary<string, string>> tagSets)
    {
        var id = r.ReadString();
        var timestamp = new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero);
        var provider = String(r, strings);
        var model = String(r, strings)!;
        var operation = String(r, strings)!;
        var input = r.Read7BitEncodedInt64();
        var cacheRead = r.Read7BitEncodedInt64();
        var cacheWrite = r.Read7BitEncodedInt64();
        var cacheWrite1h = r.Read7BitEncodedInt64();
        var output = r.Read7BitEncodedInt64();
        var reasoning = r.Read7BitEncodedInt64();
        var extraCount = r.Read7BitEncodedInt();
        var extra = TokenCounts.Zero.Extra;
        if (extraCount > 0)
        {
            var values = new Dictionary<string, long>(extraCount, StringComparer.Ordinal);
            for (var i = 0; i < extraCount; i++)
            {
                values[String(r, strings)!] = r.Read7BitEncodedInt64();
            }

            extra = values;
        }

        var project = String(r, strings);
        var job = String(r, strings);
        var task = String(r, strings);
        var agent = String(r, strings);
        var session = String(r, strings);
        var user = String(r, strings);
        var tags = Tags(r, strings, tagSets);

        var serviceTier = String(r, strings);
        decimal? cost = r.ReadBoolean() ? r.ReadDecimal() : null;
        PriceReference? price = null;
        if (r.ReadBoolean())
        {
            var entry = String(r, strings)!;
            var day = r.ReadInt32();
            price = new PriceReference(entry, day < 0 ? null : DateOnly.FromDayNumber(day), String(r, strings)!);
        }

        ImpactEstimate? impact = null;
        if (r.ReadBoolean())
        {
            var energy = Range(r);
            impact = new ImpactEstimate(energy, Range(r)) { Region = String(r, strings) };
        }

        var region = String(r, strings);
        var source = String(r, strings)!;
        double? latency = r.ReadBoolean() ? r.ReadDouble() : null;
        return new UsageRecord
        {
            Id = id,
            Timestamp = timestamp,
            Provider = provider,
            Model = model,
            Operation = operation,
            Tokens = new TokenCounts { Input = input, CacheRead = cacheRead, CacheWrite = cacheWrite, CacheWrite1h = cacheWrite1h, Output = output, Reasoning = reasoning, Extra = extra },
            Attribution = new Attribution { Project = project, Job = job, Task = task, Agent = agent, Session = session, User = user, Tags = tags },
            ServiceTier = serviceTier,
            CostUsd = cost,
            Price = price,
            Impact = impact,
            Region = region,
            Source = source,
            LatencyMs = latency,
            Status = String(r, strings),
        };
    }

    private void String(string? value)
    {
        if (value is null)
        {
            _writer.Write7BitEncodedInt(Null);
        }
        else if (_numbers.TryGetValue(value, out var number))
        {
            _writer.Write7BitEncodedInt(FirstReference + number);
        }
        else if (_numbers.Count < MaxStrings)
        {
            _numbers[value] = _numbers.Count;
            _writer.Write7BitEncodedInt(Numbered);
            _writer.Write(value);
        }
        else
        {
            _writer.Write7BitEncodedInt(Literal);
            _writer.Write(value);
        }
    }

    private static string? String(BinaryReader r, List<string> strings)
    {
        var tag = r.Read7BitEncodedInt();
        switch (tag)
        {
            case Null:
                return null;
            case Literal:
                return r.ReadString();
            case Numbered:
                var value = r.ReadString();
                strings.Add(value);
                return value;
            default:
                return strings[tag - FirstReference];
        }
    }

    /// <summary>
    /// Reads a record's tags. Records with the same few tags share one dictionary (they are read-only): a dictionary
    /// per record was a third of what the write pass allocated, and the ledger then recognises the set by reference.
    /// </summary>
    private static IReadOnlyDictionary<string, string> Tags(BinaryReader r, List<string> strings, Dictionary<TagSet, IReadOnlyDictionary<string, string>> tagSets)
    {
        var count = r.Read7BitEncodedInt();
        if (count == 0)
        {
            return Attribution.None.Tags;
        }

        Dictionary<string, string> values;
        if (count > TagSet.MaxCount)
        {
            values = new Dictionary<string, string>(count, StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var key = String(r, strings)!;
                values[key] = String(r, strings)!;
            }

            return values;
        }

        Span<string> pairs = ["", "", "", "", "", "", "", ""];
        for (var i = 0; i < 2 * count; i++)
        {
            pairs[i] = String(r, strings)!;
        }

        var set = new TagSet(count, pairs[0], pairs[1], pairs[2], pairs[3], pairs[4], pairs[5], pairs[6], pairs[7]);
        if (tagSets.TryGetValue(set, out var shared))
        {
            return shared;
        }

        values = new Dictionary<string, string>(count, StringComparer.Ordinal);
        for (var i = 0; i < 2 * count; i += 2)
        {
            values[pairs[i]] = pairs[i + 1];
        }

        if (tagSets.Count == MaxTagSets)
        {
            tagSets.Clear();
        }

        tagSets[set] = values;
        return values;
    }

    private void Range(EstimateRange range)
    {
        _writer.Write(range.Low);
        _writer.Write(range.Central);
        _writer.Write(range.High);
    }

    private static EstimateRange Range(BinaryReader r)
    {
        var low = r.ReadDouble();
        var central = r.ReadDouble();
        return new EstimateRange(low, central, r.ReadDouble());
    }

    /// <summary>Up to <see cref="MaxCount"/> tags as read, in order: the key of a shared tag dictionary.</summary>
    private readonly record struct TagSet(int Count, string Key1, string Value1, string Key2, string Value2, string Key3, string Value3, string Key4, string Value4)
    {
        public const int MaxCount = 4;
    }
}
