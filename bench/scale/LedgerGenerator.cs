using System.Globalization;
using System.Text.Unicode;

namespace TokenTrace.Scale;

/// <summary>
/// Writes the scale ledger as JSON lines that <c>tokentrace import</c> reads: seeded, so the same count always gives
/// the same bytes; time-ordered like an export, spread over one year; attribution heavy-tailed (Zipf-like) the way
/// real teams' usage is — a few big projects, jobs and users and a long tail of small ones.
/// </summary>
internal sealed class LedgerGenerator
{
    /// <summary>The first instant of the generated year (records end one year later).</summary>
    public static readonly DateTime Start = new(2025, 12, 2, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The eight models, their providers and their share of calls.</summary>
    public static readonly (string Model, string Provider, double Weight)[] Models =
    [
        ("claude-sonnet-4-5", "anthropic", 0.34),
        ("gpt-4o-mini", "openai", 0.20),
        ("claude-haiku-4-5", "anthropic", 0.12),
        ("gpt-4.1", "openai", 0.10),
        ("gemini-2.5-flash", "google", 0.08),
        ("claude-opus-4-1", "anthropic", 0.06),
        ("gemini-2.5-pro", "google", 0.05),
        ("gpt-5", "openai", 0.05),
    ];

    public const int Projects = 300;
    public const int Jobs = 5_000;
    public const int Tasks = 20_000;
    public const int Agents = 40;
    public const int Users = 400;
    public const int RecordsPerSession = 40;

    private static readonly string[] Environments = ["prod", "staging", "dev"];
    private static readonly string[] Teams = ["payments", "search", "growth", "platform", "support", "data", "mobile", "web", "infra", "ml", "security", "docs"];

    private readonly long _count;
    private readonly SplitMix64 _random;
    private readonly double[] _models = Cdf(Models.Select(m => m.Weight).ToArray());
    private readonly double[] _projects = Zipf(Projects, 1.1);
    private readonly double[] _jobs = Zipf(Jobs, 0.9);
    private readonly double[] _tasks = Zipf(Tasks, 0.6);
    private readonly double[] _agents = Zipf(Agents, 0.8);
    private readonly double[] _users = Zipf(Users, 1.0);
    private readonly double[] _teams = Zipf(Teams.Length, 0.7);

    public LedgerGenerator(long count, ulong seed = 20261202)
    {
        _count = count;
        _random = new SplitMix64(seed);
    }

    /// <summary>The busiest project's name (the one filtered summaries use).</summary>
    public static string ProjectName(int rank) => string.Create(CultureInfo.InvariantCulture, $"project-{rank:D3}");

    /// <summary>Writes the file; returns its size in bytes.</summary>
    public long Write(string path)
    {
        var yearTicks = Start.AddYears(1).Ticks - Start.Ticks;
        var step = (double)yearTicks / _count;
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var buffer = new byte[1 << 20];
        var used = 0;
        for (long i = 0; i < _count; i++)
        {
            if (buffer.Length - used < 1024)
            {
                stream.Write(buffer, 0, used);
                used = 0;
            }

            used += WriteRecord(buffer.AsSpan(used), i, Start.Ticks + (long)(i * step) + (long)(_random.NextDouble() * step));
        }

        stream.Write(buffer, 0, used);
        return stream.Length;
    }

    private int WriteRecord(Span<byte> span, long i, long ticks)
    {
        var timestamp = new DateTime(ticks, DateTimeKind.Utc);
        var (model, provider, _) = Models[Pick(_models)];
        var project = Pick(_projects);
        var input = LogNormal(7.5, 1.2, 1, 400_000);
        var cacheRead = _random.NextDouble() < 0.6 ? LogNormal(9.5, 1.5, 0, 2_000_000) : 0;
        var cacheWrite = _random.NextDouble() < 0.25 ? LogNormal(7.5, 1.3, 0, 200_000) : 0;
        var output = LogNormal(5.8, 1.0, 1, 64_000);
        var reasoning = model == "gpt-5" ? output / 3 : 0;
        var latency = 150 + (output * 12) + (long)(_random.NextDouble() * 400);
        var ms = (ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond;

        var written = 0;
        var ok = Utf8.TryWrite(span, CultureInfo.InvariantCulture,
            $"{{\"id\":\"{ms >> 16:x8}-{ms & 0xFFFF:x4}-7{_random.Next(0x1000):x3}-{0x8000 | _random.Next(0x4000):x4}-{_random.NextUInt64() & 0xFFFFFFFFFFFF:x12}\",\"timestamp\":\"{timestamp:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\",\"provider\":\"{provider}\",\"model\":\"{model}\",\"operation\":\"chat\",\"input\":{input},\"cacheRead\":{cacheRead},\"cacheWrite\":{cacheWrite},\"output\":{output},\"reasoning\":{reasoning},\"project\":\"project-{project:D3}\"",
            out var n);
        written += n;
        if (_random.NextDouble() < 0.9)
        {
            ok &= Utf8.TryWrite(span[written..], CultureInfo.InvariantCulture, $",\"job\":\"job-{Pick(_jobs):D4}\"", out n);
            written += n;
        }

        if (_random.NextDouble() < 0.5)
        {
            ok &= Utf8.TryWrite(span[written..], CultureInfo.InvariantCulture, $",\"task\":\"task-{Pick(_tasks):D5}\"", out n);
            written += n;
        }

        if (_random.NextDouble() < 0.7)
        {
            ok &= Utf8.TryWrite(span[written..], CultureInfo.InvariantCulture, $",\"agent\":\"agent-{Pick(_agents):D2}\"", out n);
            written += n;
        }

        if (_random.NextDouble() < 0.8)
        {
            ok &= Utf8.TryWrite(span[written..], CultureInfo.InvariantCulture, $",\"session\":\"s-{i / RecordsPerSession:D7}\"", out n);
            written += n;
        }

        ok &= Utf8.TryWrite(span[written..], CultureInfo.InvariantCulture, $",\"user\":\"user-{Pick(_users):D3}\",\"tags\":{{\"env\":\"{Environments[Pick(0.7, 0.2)]}\"", out n);
        written += n;
        if (_random.NextDouble() < 0.5)
        {
            ok &= Utf8.TryWrite(span[written..], CultureInfo.InvariantCulture, $",\"team\":\"{Teams[Pick(_teams)]}\"", out n);
            written += n;
        }

        ok &= Utf8.TryWrite(span[written..], CultureInfo.InvariantCulture, $"}},\"source\":\"{(_random.NextDouble() < 0.8 ? "sdk" : "cli")}\",\"latencyMs\":{latency}}}\n", out n);
        written += n;
        return ok ? written : throw new InvalidOperationException("record longer than the line buffer");
    }

    private int Pick(double[] cdf)
    {
        var index = Array.BinarySearch(cdf, _random.NextDouble());
        return Math.Min(index < 0 ? ~index : index, cdf.Length - 1);
    }

    private int Pick(double first, double second)
    {
        var u = _random.NextDouble();
        return u < first ? 0 : u < first + second ? 1 : 2;
    }

    private long LogNormal(double mu, double sigma, long min, long max)
    {
        // Box–Muller: one normal deviate from two uniforms.
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        var normal = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        return Math.Clamp((long)Math.Exp(mu + (sigma * normal)), min, max);
    }

    private static double[] Zipf(int count, double exponent) =>
        Cdf(Enumerable.Range(1, count).Select(k => 1.0 / Math.Pow(k, exponent)).ToArray());

    private static double[] Cdf(double[] weights)
    {
        var total = weights.Sum();
        var cdf = new double[weights.Length];
        var running = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            running += weights[i];
            cdf[i] = running / total;
        }

        return cdf;
    }

    /// <summary>SplitMix64: a tiny generator whose sequence for a seed never changes across .NET versions.</summary>
    private sealed class SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public ulong NextUInt64()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        public int Next(int bound) => (int)(NextUInt64() % (ulong)bound);
    }
}
