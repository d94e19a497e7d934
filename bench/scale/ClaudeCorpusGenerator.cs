using System.Globalization;
using System.Text;

namespace TokenTrace.Scale;

/// <summary>
/// Writes a Claude Code history that looks like a heavy user's (issue 12's speed targets): seeded, so the same size
/// always gives the same bytes. Session files are log-normal in size (median ≈ 100 KB, ≈ 1 % over 5 MB, capped at
/// 40 MB); user turns carry text and now and then (2.5 %) a large tool result (5–100 KB); each response is 1–4 lines sharing
/// <c>message.id</c> and <c>requestId</c>, the first ones with a partial usage and no <c>stop_reason</c>; 5 % of
/// sessions have a subagent file that replays two of its parent's responses; ≈ 1 % of prompts exceed 200k tokens;
/// ≈ 0.5 % of files end with a torn line and ≈ 0.01 % of lines are malformed.
/// </summary>
internal sealed class ClaudeCorpusGenerator(long targetBytes, int seed = 12)
{
    private static readonly (string Model, double Weight)[] Models =
        [("claude-sonnet-4-5-20250929", 0.68), ("claude-haiku-4-5-20251001", 0.2), ("claude-opus-4-1-20250805", 0.1), ("claude-sonnet-4-20250514", 0.02)];

    private readonly Random _random = new(seed);
    private readonly string _filler = new('x', 256 * 1024);

    /// <summary>Writes the corpus under <paramref name="root"/>/projects and returns (files, bytes, responses).</summary>
    public (int Files, long Bytes, long Responses) Write(string root)
    {
        var start = new DateTime(2026, 9, 1, 0, 0, 0, DateTimeKind.Utc);
        long bytes = 0, responses = 0;
        var files = 0;
        while (bytes < targetBytes)
        {
            var project = (int)(30 * Math.Pow(_random.NextDouble(), 2.5));
            var folder = Path.Combine(root, "projects", $"-home-dev-proj-{project}");
            Directory.CreateDirectory(folder);
            var session = Guid(_random);
            var size = (long)Math.Min(40L << 20, 100_000 * Math.Exp(1.68 * Normal()));
            var at = start.AddMinutes(_random.Next(0, 60 * 24 * 60));
            var path = Path.Combine(folder, session + ".jsonl");
            var (written, count, parents) = WriteSession(path, session, $"/home/dev/proj-{project}", size, ref at, sidechain: false, replay: []);
            bytes += written;
            responses += count;
            files++;
            if (_random.NextDouble() < 0.05 && parents.Count >= 2)
            {
                var sub = Path.Combine(folder, session, "subagents", $"agent-{_random.Next():x8}.jsonl");
                Directory.CreateDirectory(Path.GetDirectoryName(sub)!);
                var (subBytes, subCount, _) = WriteSession(sub, session, $"/home/dev/proj-{project}", size / 4 + 2000, ref at, sidechain: true, replay: parents.Take(2).ToList());
                bytes += subBytes;
                responses += subCount;
                files++;
            }
        }

        return (files, bytes, responses);
    }

    private (long Bytes, long Responses, List<string> Lines) WriteSession(string path, string session, string cwd, long size, ref DateTime at, bool sidechain, List<string> replay)
    {
        var kept = new List<string>();
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        long written = 0, responses = 0;
        foreach (var line in replay)
        {
            writer.Write(line.Replace("\"isSidechain\":false", "\"isSidechain\":true", StringComparison.Ordinal));
            writer.Write('\n');
            written += line.Length + 1;
        }

        var context = 0L;
        while (written < size)
        {
            at = at.AddSeconds(5 + _random.Next(0, 90));
            var userText = _random.NextDouble() < 0.025 ? _filler[..(5_000 + _random.Next(0, 95_000))] : _filler[..(50 + _random.Next(0, 700))];
            var user = $$"""{"parentUuid":null,"isSidechain":{{Bool(sidechain)}},"userType":"external","cwd":"{{cwd}}","sessionId":"{{session}}","version":"2.0.14","type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"{{userText}}"}]},"uuid":"{{Guid(_random)}}","timestamp":"{{Stamp(at)}}"}""";
            written += Emit(writer, user);

            var model = Pick();
            var messageId = "msg_" + Guid(_random).Replace("-", "", StringComparison.Ordinal)[..24];
            var requestId = "req_" + Guid(_random).Replace("-", "", StringComparison.Ordinal)[..24];
            context = Math.Min(context + 2_000 + _random.Next(0, 8_000), 180_000);
            var big = _random.NextDouble() < 0.01;
            var cacheRead = big ? 190_000 + _random.Next(0, 40_000) : context;
            var write5m = _random.Next(0, 4_000);
            var write1h = _random.NextDouble() < 0.2 ? _random.Next(0, 3_000) : 0;
            var input = 1 + _random.Next(0, 40);
            var output = 20 + (long)(400 * Math.Exp(0.9 * Normal()));
            var parts = 1 + _random.Next(0, 4);
            for (var part = 1; part <= parts; part++)
            {
                var final = part == parts;
                var text = _filler[..(40 + _random.Next(0, final ? 1_500 : 300))];
                var usage = $$"""{"input_tokens":{{input}},"cache_creation_input_tokens":{{write5m + write1h}},"cache_read_input_tokens":{{cacheRead}},"cache_creation":{"ephemeral_5m_input_tokens":{{write5m}},"ephemeral_1h_input_tokens":{{write1h}}},"output_tokens":{{(final ? output : Math.Min(output, 1 + _random.Next(0, 20)))}},"service_tier":"standard"}""";
                var line = $$"""{"parentUuid":"{{Guid(_random)}}","isSidechain":{{Bool(sidechain)}},"userType":"external","cwd":"{{cwd}}","sessionId":"{{session}}","version":"2.0.14","message":{"id":"{{messageId}}","type":"message","role":"assistant","model":"{{model}}","content":[{"type":"text","text":"{{text}}"}],"stop_reason":{{(final ? "\"end_turn\"" : "null")}},"stop_sequence":null,"usage":{{usage}}},"requestId":"{{requestId}}","type":"assistant","uuid":"{{Guid(_random)}}","timestamp":"{{Stamp(at.AddMilliseconds(part * 300))}}"}""";
                written += Emit(writer, line);
                if (!sidechain && kept.Count < 2)
                {
                    kept.Add(line);
                }
            }

            responses++;
            if (_random.NextDouble() < 0.0001 * parts)
            {
                written += Emit(writer, "{\"type\":\"assistant\",\"message\":{\"usage\":{\"input_tokens\":");
            }
        }

        if (_random.NextDouble() < 0.005)
        {
            writer.Write("{\"parentUuid\":\"torn\",\"message\":{\"id\":\"msg_torn\",\"usage\":{\"input_");
        }

        return (written, responses, kept);
    }

    private static long Emit(StreamWriter writer, string line)
    {
        writer.Write(line);
        writer.Write('\n');
        return line.Length + 1;
    }

    private string Pick()
    {
        var roll = _random.NextDouble();
        foreach (var (model, weight) in Models)
        {
            if ((roll -= weight) < 0)
            {
                return model;
            }
        }

        return Models[0].Model;
    }

    private double Normal() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Stamp(DateTime at) => at.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Guid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new System.Guid(bytes).ToString("D");
    }
}
