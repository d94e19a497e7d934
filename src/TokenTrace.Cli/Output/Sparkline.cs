namespace TokenTrace.Cli;

/// <summary>Small text charts for terminal tables: sparklines and proportional bars.</summary>
internal static class Sparkline
{
    private const string Levels = "▁▂▃▄▅▆▇█";

    public static string Of(IReadOnlyList<decimal> values)
    {
        if (values.Count == 0)
        {
            return "";
        }

        var max = values.Max();
        return string.Concat(values.Select(v => max <= 0 || v <= 0 ? ' ' : Levels[(int)Math.Min(Levels.Length - 1, Math.Round(v / max * (Levels.Length - 1)))]));
    }

    public static string Bar(decimal value, decimal max, int width = 20)
    {
        var filled = max <= 0 ? 0 : (int)Math.Round(Math.Clamp(value / max, 0, 1) * width);
        return new string('█', filled) + new string(' ', width - filled);
    }
}
