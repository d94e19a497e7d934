using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TokenTrace.Scale;

/// <summary>
/// Prototype of a one-step parser: each JSON line read with <see cref="Utf8JsonReader"/> straight into typed values,
/// repeated attribution strings interned (looked up by their UTF-8 bytes, so a known value allocates nothing), to
/// show what parsing can cost against today's <see cref="UsageRecordFile.ReadEntries"/>. It builds a
/// <see cref="UsageRecord"/> like the real reader but skips validation of field kinds the generator never writes.
/// </summary>
internal static class DirectParser
{
    public static void Measure(string jsonl)
    {
        var intern = new Dictionary<int, List<(byte[] Utf8, string Text)>>();
        long count = 0, input = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        using var stream = new FileStream(jsonl, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buffer = new byte[1 << 20];
        var used = 0;
        int read;
        while ((read = stream.Read(buffer, used, buffer.Length - used)) > 0 || used > 0)
        {
            var length = used + read;
            var span = buffer.AsSpan(0, length);
            var start = 0;
            while (true)
            {
                var newline = span[start..].IndexOf((byte)'\n');
                if (newline < 0)
                {
                    break;
                }

                var record = Parse(span.Slice(start, newline), intern);
                input += record.Tokens.Input;
                count++;
                start += newline + 1;
            }

            if (read == 0)
            {
                break;
            }

            span[start..].CopyTo(buffer);
            used = length - start;
        }

        var seconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"direct Utf8JsonReader parse into UsageRecord: {count:N0} records, {clock.Elapsed.TotalSeconds:F2} s wall, {seconds:F2} s CPU, {seconds * 1e6 / count:F2} CPU µs/record (input sum {input})"));
    }

    private static UsageRecord Parse(ReadOnlySpan<byte> line, Dictionary<int, List<(byte[] Utf8, string Text)>> intern)
    {
        var reader = new Utf8JsonReader(line);
        string? id = null, provider = null, model = null, operation = null, project = null, job = null, task = null, agent = null, session = null, user = null, source = null;
        DateTimeOffset timestamp = default;
        long inputTokens = 0, cacheRead = 0, cacheWrite = 0, output = 0, reasoning = 0;
        double? latency = null;
        Dictionary<string, string>? tags = null;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            switch (name.Length)
            {
                case 2 when name.SequenceEqual("id"u8): id = reader.GetString(); break;
                case 9 when name.SequenceEqual("timestamp"u8): timestamp = reader.GetDateTimeOffset(); break;
                case 8 when name.SequenceEqual("provider"u8): provider = Intern(ref reader, intern); break;
                case 5 when name.SequenceEqual("model"u8): model = Intern(ref reader, intern); break;
                case 9 when name.SequenceEqual("operation"u8): operation = Intern(ref reader, intern); break;
                case 5 when name.SequenceEqual("input"u8): inputTokens = reader.GetInt64(); break;
                case 9 when name.SequenceEqual("cacheRead"u8): cacheRead = reader.GetInt64(); break;
                case 10 when name.SequenceEqual("cacheWrite"u8): cacheWrite = reader.GetInt64(); break;
                case 6 when name.SequenceEqual("output"u8): output = reader.GetInt64(); break;
                case 9 when name.SequenceEqual("reasoning"u8): reasoning = reader.GetInt64(); break;
                case 7 when name.SequenceEqual("project"u8): project = Intern(ref reader, intern); break;
                case 3 when name.SequenceEqual("job"u8): job = Intern(ref reader, intern); break;
                case 4 when name.SequenceEqual("task"u8): task = Intern(ref reader, intern); break;
                case 5 when name.SequenceEqual("agent"u8): agent = Intern(ref reader, intern); break;
                case 7 when name.SequenceEqual("session"u8): session = Intern(ref reader, intern); break;
                case 4 when name.SequenceEqual("user"u8): user = Intern(ref reader, intern); break;
                case 6 when name.SequenceEqual("source"u8): source = Intern(ref reader, intern); break;
                case 9 when name.SequenceEqual("latencyMs"u8): latency = reader.GetDouble(); break;
                case 4 when name.SequenceEqual("tags"u8):
                    tags = new Dictionary<string, string>(StringComparer.Ordinal);
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var key = Intern(ref reader, intern);
                        reader.Read();
                        tags[key] = Intern(ref reader, intern);
                    }

                    break;
                default: reader.Skip(); break;
            }
        }

        return new UsageRecord
        {
            Id = id!,
            Timestamp = timestamp,
            Provider = provider,
            Model = model!,
            Operation = operation ?? UsageOperations.Chat,
            Tokens = new TokenCounts { Input = inputTokens, CacheRead = cacheRead, CacheWrite = cacheWrite, Output = output, Reasoning = reasoning },
            Attribution = new Attribution { Project = project, Job = job, Task = task, Agent = agent, Session = session, User = user, Tags = tags ?? new Dictionary<string, string>() },
            Source = source ?? UsageSources.Import,
            LatencyMs = latency,
        };
    }

    private static string Intern(ref Utf8JsonReader reader, Dictionary<int, List<(byte[] Utf8, string Text)>> intern)
    {
        if (reader.ValueIsEscaped)
        {
            return reader.GetString()!;
        }

        var utf8 = reader.ValueSpan;
        var hash = 17;
        foreach (var b in utf8)
        {
            hash = (hash * 31) + b;
        }

        if (!intern.TryGetValue(hash, out var bucket))
        {
            intern[hash] = bucket = [];
        }

        foreach (var (bytes, text) in bucket)
        {
            if (utf8.SequenceEqual(bytes))
            {
                return text;
            }
        }

        var value = Encoding.UTF8.GetString(utf8);
        bucket.Add((utf8.ToArray(), value));
        return value;
    }
}
