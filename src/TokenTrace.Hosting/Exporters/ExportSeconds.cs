using System.Globalization;

namespace TokenTrace.Hosting;

/// <summary>Seconds from configuration as a <see cref="TimeSpan"/>, refusing what no timer can wait (NaN, negative, over a day).</summary>
internal static class ExportSeconds
{
    public static TimeSpan ToTimeSpan(double seconds, string name) =>
        double.IsFinite(seconds) && seconds is >= 0 and <= 86_400
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentOutOfRangeException(name, seconds, string.Create(CultureInfo.InvariantCulture, $"{name} must be between 0 and 86400 seconds, not {seconds}"));
}
