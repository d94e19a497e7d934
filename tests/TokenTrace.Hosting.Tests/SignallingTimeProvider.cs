using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace TokenTrace.Hosting.Tests;

/// <summary>A fake clock that reports each timer created on it, so a test can advance time exactly when something waits.</summary>
internal sealed class SignallingTimeProvider(FakeTimeProvider inner) : TimeProvider
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = inner.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>The due time of the next timer created that <paramref name="isDelay"/> accepts (timeouts are told apart from backoff by length).</summary>
    public async Task<TimeSpan> NextDelayAsync(Func<TimeSpan, bool> isDelay)
    {
        while (true)
        {
            var due = await _timers.Reader.ReadAsync();
            if (isDelay(due))
            {
                return due;
            }
        }
    }
}
