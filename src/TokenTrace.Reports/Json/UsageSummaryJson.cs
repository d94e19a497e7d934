using System.Buffers;
using System.Text.Json;

namespace TokenTrace.Reports;

/// <summary>
/// The documented JSON shape of a <see cref="UsageSummary"/> (<c>tokentrace summary --format json</c> and the server's
/// <c>GET /v1/summary</c>): one writer, so that the command and the API answer byte for byte alike.
/// </summary>
public static class UsageSummaryJson
{
    // Encoded once: a name given as text is checked for characters to escape and transcoded on every write, which was
    // a large part of writing 250,000 rows. The names are plain ASCII, so they are the same bytes under any encoder.
    private static readonly JsonEncodedText RecordsName = JsonEncodedText.Encode("records");
    private static readonly JsonEncodedText InputTokensName = JsonEncodedText.Encode("inputTokens");
    private static readonly JsonEncodedText OutputTokensName = JsonEncodedText.Encode("outputTokens");
    private static readonly JsonEncodedText CacheReadTokensName = JsonEncodedText.Encode("cacheReadTokens");
    private static readonly JsonEncodedText CacheWriteTokensName = JsonEncodedText.Encode("cacheWriteTokens");
    private static readonly JsonEncodedText CacheWrite1hTokensName = JsonEncodedText.Encode("cacheWrite1hTokens");
    private static readonly JsonEncodedText ReasoningTokensName = JsonEncodedText.Encode("reasoningTokens");
    private static readonly JsonEncodedText TotalTokensName = JsonEncodedText.Encode("totalTokens");
    private static readonly JsonEncodedText CostUsdName = JsonEncodedText.Encode("costUsd");
    private static readonly JsonEncodedText UnpricedRecordsName = JsonEncodedText.Encode("unpricedRecords");
    private static readonly JsonEncodedText EnergyWhName = JsonEncodedText.Encode("energyWh");
    private static readonly JsonEncodedText EnergyWhLowName = JsonEncodedText.Encode("energyWhLow");
    private static readonly JsonEncodedText EnergyWhHighName = JsonEncodedText.Encode("energyWhHigh");
    private static readonly JsonEncodedText Co2eGramsName = JsonEncodedText.Encode("co2eGrams");
    private static readonly JsonEncodedText Co2eGramsLowName = JsonEncodedText.Encode("co2eGramsLow");
    private static readonly JsonEncodedText Co2eGramsHighName = JsonEncodedText.Encode("co2eGramsHigh");

    /// <summary>
    /// How the command line and the server lay out JSON: indented, non-ASCII text kept readable (escaping still covers
    /// quotes and control characters).
    /// </summary>
    public static JsonWriterOptions WriterOptions { get; } = new()
    {
        Indented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Rows rendered per block when a large summary's rows are rendered on several cores.</summary>
    private const int BlockRows = 2048;

    private static readonly JsonEncodedText RowsName = JsonEncodedText.Encode("rows");
    private static readonly JsonEncodedText KeyName = JsonEncodedText.Encode("key");

    /// <summary>Writes <paramref name="summary"/> as <c>{"rows":[{"key":{…},…totals}],"total":{…}}</c>.</summary>
    /// <remarks>
    /// A summary of more than two blocks of rows (250,000 sessions are ≈ 150 MB of JSON, a third of that summary's CPU,
    /// most of it formatting doubles) is rendered a block at a time on every core: each block by a writer of its own with
    /// the same options, standing where the rows stand (inside the <c>rows</c> array, after other rows), so its bytes
    /// are the ones this writer would have written; they are copied in order as one raw value each.
    /// </remarks>
    public static void Write(Utf8JsonWriter writer, UsageSummary summary) => Write(writer, summary, Math.Min(Environment.ProcessorCount, 8));

    /// <summary>As <see cref="Write(Utf8JsonWriter, UsageSummary)"/> on <paramref name="cores"/> cores (tests choose it).</summary>
    internal static void Write(Utf8JsonWriter writer, UsageSummary summary, int cores)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(summary);
        writer.WriteStartObject();
        writer.WriteStartArray(RowsName);
        var rows = summary.Rows;
        // Blocks are rendered by writers of their own at the depth of a summary at the top; a summary nested in a report
        // is written row by row, so that its indentation stays the document's.
        if (cores > 1 && rows.Count > 2 * BlockRows && writer.CurrentDepth == 2)
        {
            WriteBlocksInParallel(writer, rows, cores);
        }
        else
        {
            var names = new KeyNames(writer.Options.Encoder);
            for (var i = 0; i < rows.Count; i++)
            {
                WriteRow(writer, rows[i], names);

                // A writer keeps everything until it is flushed, and a summary of 250,000 sessions is ≈ 150 MB of JSON.
                if (writer.BytesPending > 1 << 16)
                {
                    writer.Flush();
                }
            }
        }

        writer.WriteEndArray();
        writer.WriteStartObject("total");
        WriteTotals(writer, summary.Total);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Renders the rows in rounds of <paramref name="cores"/> blocks: this thread renders the first block of a round while
    /// tasks render the others, then every block is written in order. A round waits only on blocks already being rendered
    /// (a task not yet started runs inline when waited on), and holds <paramref name="cores"/> blocks in memory.
    /// </summary>
    private static void WriteBlocksInParallel(Utf8JsonWriter writer, IReadOnlyList<SummaryRow> rows, int cores)
    {
        var blocks = new BlockRenderer[cores];
        for (var i = 0; i < cores; i++)
        {
            blocks[i] = new BlockRenderer(writer.Options);
        }

        var pending = new Task?[cores];
        try
        {
            for (var first = 0; first < rows.Count; first += cores * BlockRows)
            {
                var inRound = Math.Min(cores, (rows.Count - first + BlockRows - 1) / BlockRows);
                for (var b = 1; b < inRound; b++)
                {
                    var block = blocks[b];
                    var from = first + (b * BlockRows);
                    pending[b] = Task.Run(() => block.Render(rows, from, Math.Min(rows.Count, from + BlockRows)));
                }

                blocks[0].Render(rows, first, Math.Min(rows.Count, first + BlockRows));
                for (var b = 0; b < inRound; b++)
                {
                    pending[b]?.GetAwaiter().GetResult();
                    pending[b] = null;

                    // The block's bytes begin where a row begins (its line break and indentation); the writer adds the comma.
                    writer.WriteRawValue(blocks[b].Rendered, skipInputValidation: true);
                    writer.Flush();
                }
            }
        }
        finally
        {
            // A failed block leaves the others running on their renderers: they finish before the renderers go.
            foreach (var task in pending)
            {
                if (task is not null)
                {
                    ((IAsyncResult)task).AsyncWaitHandle.WaitOne();
                }
            }

            foreach (var block in blocks)
            {
                block.Dispose();
            }
        }
    }

    private static void WriteRow(Utf8JsonWriter writer, SummaryRow row, KeyNames names)
    {
        writer.WriteStartObject();
        writer.WriteStartObject(KeyName);

        // By index when the key is a list as well (the builder's keys are): no enumerator object per row.
        if (row.Key is IReadOnlyList<KeyValuePair<string, string?>> pairs)
        {
            for (var i = 0; i < pairs.Count; i++)
            {
                var (name, value) = pairs[i];
                writer.WriteString(names.Get(i, name), value);
            }
        }
        else
        {
            foreach (var (name, value) in row.Key)
            {
                writer.WriteString(name, value);
            }
        }

        writer.WriteEndObject();
        WriteTotals(writer, row.Totals);
        writer.WriteEndObject();
    }

    /// <summary>
    /// The key's property names, encoded once per position (the rows of a summary share their names): a name given as
    /// text is checked for characters to escape and transcoded on every write. Encoded with the writer's encoder, as the
    /// writer would encode the text.
    /// </summary>
    private sealed class KeyNames(System.Text.Encodings.Web.JavaScriptEncoder? encoder)
    {
        private readonly List<(string Name, JsonEncodedText Encoded)> _names = [];

        public JsonEncodedText Get(int position, string name)
        {
            if (position < _names.Count && ReferenceEquals(_names[position].Name, name))
            {
                return _names[position].Encoded;
            }

            var encoded = JsonEncodedText.Encode(name, encoder);
            if (position < _names.Count)
            {
                _names[position] = (name, encoded);
            }
            else if (position == _names.Count)
            {
                _names.Add((name, encoded));
            }

            return encoded;
        }
    }

    /// <summary>
    /// Renders blocks of rows with a writer of its own standing inside a <c>rows</c> array after another row, as the
    /// summary's writer stands when it reaches the block, and keeps the bytes of the rows alone.
    /// </summary>
    private sealed class BlockRenderer(JsonWriterOptions options) : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(1 << 20);
        private readonly KeyNames _names = new(options.Encoder);
        private Utf8JsonWriter? _writer;
        private int _start;

        public ReadOnlySpan<byte> Rendered => _buffer.WrittenSpan[_start..];

        public void Render(IReadOnlyList<SummaryRow> rows, int from, int to)
        {
            _buffer.ResetWrittenCount();
            if (_writer is null)
            {
                _writer = new Utf8JsonWriter(_buffer, options);
            }
            else
            {
                _writer.Reset(_buffer);
            }

            // "{", the array, then a first row whose bytes are dropped: the rows that follow begin with a comma.
            _writer.WriteStartObject();
            _writer.WriteStartArray(RowsName);
            _writer.WriteStartObject();
            _writer.WriteEndObject();
            _writer.Flush();
            _start = _buffer.WrittenCount + 1;
            for (var i = from; i < to; i++)
            {
                WriteRow(_writer, rows[i], _names);
            }

            _writer.Flush();
        }

        public void Dispose() => _writer?.Dispose();
    }

    /// <summary>Writes the fields of <paramref name="totals"/> (records, tokens, <c>costUsd</c>, energy and CO2e with their ranges) into the open object.</summary>
    public static void WriteTotals(Utf8JsonWriter writer, UsageTotals totals)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(totals);
        writer.WriteNumber(RecordsName, totals.Records);
        writer.WriteNumber(InputTokensName, totals.InputTokens);
        writer.WriteNumber(OutputTokensName, totals.OutputTokens);
        writer.WriteNumber(CacheReadTokensName, totals.CacheReadTokens);
        writer.WriteNumber(CacheWriteTokensName, totals.CacheWriteTokens);
        writer.WriteNumber(CacheWrite1hTokensName, totals.CacheWrite1hTokens);
        writer.WriteNumber(ReasoningTokensName, totals.ReasoningTokens);
        writer.WriteNumber(TotalTokensName, totals.TotalTokens);
        if (KnownCost(totals) is { } cost)
        {
            writer.WriteNumber(CostUsdName, Canonical(cost));
        }
        else
        {
            writer.WriteNull(CostUsdName);
        }

        writer.WriteNumber(UnpricedRecordsName, totals.UnpricedRecords);
        WriteNullable(writer, EnergyWhName, totals.EnergyWh?.Central);
        WriteNullable(writer, EnergyWhLowName, totals.EnergyWh?.Low);
        WriteNullable(writer, EnergyWhHighName, totals.EnergyWh?.High);
        WriteNullable(writer, Co2eGramsName, totals.Co2eGrams?.Central);
        WriteNullable(writer, Co2eGramsLowName, totals.Co2eGrams?.Low);
        WriteNullable(writer, Co2eGramsHighName, totals.Co2eGrams?.High);
    }

    /// <summary>
    /// The cost of <paramref name="totals"/> as far as it is known: null when every record in it is unpriced, so a model
    /// nobody could price shows as unknown instead of $0 (a partly priced total is the priced part; UnpricedRecords says
    /// how many are missing).
    /// </summary>
    public static decimal? KnownCost(UsageTotals totals)
    {
        ArgumentNullException.ThrowIfNull(totals);
        return totals.Records > 0 && totals.UnpricedRecords == totals.Records ? null : totals.CostUsd;
    }

    /// <summary>The value with no trailing zeros, as JSON and CSV carry it (full precision, invariant).</summary>
    public static decimal Canonical(decimal value) => value / 1.000000000000000000000000000m;

    private static void WriteNullable(Utf8JsonWriter writer, JsonEncodedText name, double? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
