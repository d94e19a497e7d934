using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace TokenTrace.Client;

/// <summary>What every request this package sends to a TokenTrace server shares: the device header and the retry rule.</summary>
internal static class ServerRequests
{
    /// <summary>The header the server reads the sending device from (<c>ID;NAME</c>, the name percent-encoded); the server's <c>ServerHeaders.Device</c>.</summary>
    public const string DeviceHeader = "X-TokenTrace-Device";

    /// <summary>The header's value for a device.</summary>
    public static string DeviceValue(string id, string name) => id + ";" + Uri.EscapeDataString(name);

    /// <summary>
    /// Adds the retry rule of appends and pushes when <paramref name="maxAttempts"/> is above one: network failures,
    /// timeouts, 408, 429 and 5xx are retried with exponential backoff from <paramref name="delay"/>, jitter, and as long as
    /// a <c>Retry-After</c> asks; any other answer is final. A repeated batch is harmless: the server stores by id.
    /// </summary>
    public static ResiliencePipelineBuilder<HttpResponseMessage> AddServerRetry(this ResiliencePipelineBuilder<HttpResponseMessage> builder, int maxAttempts, TimeSpan delay)
    {
        if (maxAttempts > 1)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = maxAttempts - 1,
                Delay = delay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = true,
            });
        }

        return builder;
    }
}
