namespace TokenTrace;

/// <summary>
/// Ambient attribution that flows with async calls: everything recorded inside
/// <c>using (UsageScope.Begin(new Attribution { Job = "nightly" }))</c> is attributed to that job
/// unless the record says otherwise. Scopes nest; inner fields win.
/// </summary>
public static class UsageScope
{
    private static readonly AsyncLocal<Attribution?> CurrentValue = new();

    /// <summary>The attribution in effect here, or <see cref="Attribution.None"/>.</summary>
    public static Attribution Current => CurrentValue.Value ?? Attribution.None;

    /// <summary>Starts a scope; dispose the result to end it.</summary>
    public static IDisposable Begin(Attribution attribution)
    {
        ArgumentNullException.ThrowIfNull(attribution);
        var previous = CurrentValue.Value;
        CurrentValue.Value = previous is null ? attribution : attribution.WithFallback(previous);
        return new Restore(previous);
    }

    private sealed class Restore(Attribution? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                CurrentValue.Value = previous;
            }
        }
    }
}
