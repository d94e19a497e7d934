using System.Globalization;

namespace TokenTrace.Tests;

/// <summary>Runs code with another current culture (and restores it), as a host in that culture would.</summary>
public static class InCulture
{
    /// <summary>The cultures whose number formats and calendars differ most from the invariant one.</summary>
    public static TheoryData<string> Hostile => new() { "de-DE", "th-TH", "ar-SA" };

    public static T Run<T>(string culture, Func<T> produce)
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
            return produce();
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }
}
