using System.Text.Encodings.Web;
using System.Text.Json;

namespace TokenTrace.Analytics.DuckDb;

/// <summary>
/// Two temporary JSON-lines files that a catch-up loads into DuckDB: one line per record with the columns summaries
/// read (<c>facts</c>), and one line per tag (<c>fact_tags</c>). They are the owner's only and deleted on dispose.
/// </summary>
internal sealed class FactFiles : IDisposable
{
    /// <summary>The <c>columns</c> argument of <c>read_ndjson</c> for <see cref="FactsPath"/>, in the table's column order.</summary>
    public const string FactColumns = """
        {seq: 'BIGINT', ts: 'BIGINT', model: 'VARCHAR', provider: 'VARCHAR', project: 'VARCHAR', job: 'VARCHAR', task: 'VARCHAR',
         agent: 'VARCHAR', session: 'VARCHAR', user_name: 'VARCHAR', source: 'VARCHAR', region: 'VARCHAR', input: 'BIGINT', output: 'BIGINT',
         cache_read: 'BIGINT', cache_write: 'BIGINT', cache_write_1h: 'BIGINT', reasoning: 'BIGINT', cost_pico: 'BIGINT',
         energy_low: 'DOUBLE', energy: 'DOUBLE', energy_high: 'DOUBLE', co2e_low: 'DOUBLE', co2e: 'DOUBLE', co2e_high: 'DOUBLE'}
        """;

    /// <summary>The <c>columns</c> argument of <c>read_ndjson</c> for <see cref="TagsPath"/>.</summary>
    public const string TagColumns = "{seq: 'BIGINT', key: 'VARCHAR', value: 'VARCHAR'}";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private FactFiles(string factsPath, string tagsPath)
    {
        FactsPath = factsPath;
        TagsPath = tagsPath;
    }

    public string FactsPath { get; }

    public string TagsPath { get; }

    public bool HasTags { get; private set; }

    private FileStream? _facts;
    private FileStream? _tags;
    private Utf8JsonWriter? _factWriter;
    private Utf8JsonWriter? _tagWriter;

    /// <summary>How many records have been written.</summary>
    public long Count { get; private set; }

    /// <summary>Sequence number and id of the last record written.</summary>
    public (long Sequence, string Id) Last { get; private set; }

    public static FactFiles Create(string? directory)
    {
        var folder = directory ?? Path.GetTempPath();
        var stem = Path.Combine(folder, "tokentrace-copy-" + Guid.NewGuid().ToString("N"));
        var files = new FactFiles(stem + ".facts.jsonl", stem + ".tags.jsonl");
        try
        {
            files._facts = Open(files.FactsPath);
            files._tags = Open(files.TagsPath);
            files._factWriter = new Utf8JsonWriter(files._facts, WriterOptions);
            files._tagWriter = new Utf8JsonWriter(files._tags, WriterOptions);
            return files;
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="records"/>, one line each (and one per tag), to the files.</summary>
    public void Add(IEnumerable<SequencedUsageRecord> records)
    {
        foreach (var (seq, r) in records)
        {
            WriteFact(_factWriter!, seq, r);
            _factWriter!.Flush();
            _factWriter.Reset();
            _facts!.WriteByte((byte)'\n');
            foreach (var (key, value) in r.Attribution.Tags)
            {
                _tagWriter!.WriteStartObject();
                _tagWriter.WriteNumber("seq", seq);
                _tagWriter.WriteString("key", key);
                _tagWriter.WriteString("value", value);
                _tagWriter.WriteEndObject();
                _tagWriter.Flush();
                _tagWriter.Reset();
                _tags!.WriteByte((byte)'\n');
                HasTags = true;
            }

            Count++;
            Last = (seq, r.Id);
        }
    }

    /// <summary>Flushes what was written, so that DuckDB reads all of it.</summary>
    public void Complete()
    {
        _factWriter!.Flush();
        _tagWriter!.Flush();
        _facts!.Flush();
        _tags!.Flush();
    }

    private static void WriteFact(Utf8JsonWriter w, long seq, UsageRecord r)
    {
        var t = r.Tokens;
        var a = r.Attribution;
        w.WriteStartObject();
        w.WriteNumber("seq", seq);
        w.WriteNumber("ts", r.Timestamp.UtcTicks);
        w.WriteString("model", r.Model);
        Text(w, "provider", r.Provider);
        Text(w, "project", a.Project);
        Text(w, "job", a.Job);
        Text(w, "task", a.Task);
        Text(w, "agent", a.Agent);
        Text(w, "session", a.Session);
        Text(w, "user_name", a.User);
        w.WriteString("source", r.Source);
        Text(w, "region", r.Region);
        w.WriteNumber("input", t.Input);
        w.WriteNumber("output", t.Output);
        w.WriteNumber("cache_read", t.CacheRead);
        w.WriteNumber("cache_write", t.CacheWrite);
        w.WriteNumber("cache_write_1h", t.CacheWrite1h);
        w.WriteNumber("reasoning", t.Reasoning);
        if (r.CostUsd is { } cost)
        {
            // Picodollars of the cost rounded as every summary rounds it (UsageTotals.RoundCost): sums stay exact integers.
            w.WriteNumber("cost_pico", (long)(UsageTotals.RoundCost(cost) * 1_000_000_000_000m));
        }

        if (r.Impact is { } impact)
        {
            w.WriteNumber("energy_low", impact.EnergyWh.Low);
            w.WriteNumber("energy", impact.EnergyWh.Central);
            w.WriteNumber("energy_high", impact.EnergyWh.High);
            w.WriteNumber("co2e_low", impact.Co2eGrams.Low);
            w.WriteNumber("co2e", impact.Co2eGrams.Central);
            w.WriteNumber("co2e_high", impact.Co2eGrams.High);
        }

        w.WriteEndObject();
    }

    private static void Text(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    // Owner-only and never an existing file (the name is random): a planted file or link is refused, not written through.
    private static FileStream Open(string file) => SecureFile.Open(file, FileMode.CreateNew, FileAccess.Write, FileShare.Read);

    public void Dispose()
    {
        _factWriter?.Dispose();
        _tagWriter?.Dispose();
        _facts?.Dispose();
        _tags?.Dispose();
        File.Delete(FactsPath);
        File.Delete(TagsPath);
    }
}
