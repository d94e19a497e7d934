using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TokenTrace.Tests;

/// <summary>
/// A webhook receiver on Kestrel at 127.0.0.1, written as a receiver's author would: it checks the signature with its
/// own HMACSHA256 over the exact bytes it got (401 when wrong), drops a batch whose idempotency key it has seen, and
/// keeps the record ids it accepted. Tests steer it with <see cref="Answer"/> and <see cref="Gate"/>.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _secret;
    private readonly ConcurrentDictionary<string, int> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _accepted = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _recordIds = new();
    private readonly TaskCompletionSource _firstRequest = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _attempts, _badSignatures, _duplicates;

    private WebhookReceiver(WebApplication app, string secret)
    {
        _app = app;
        _secret = secret;
    }

    /// <summary>Where to POST.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The status for the n-th request (1-based) whose signature is good; 200 unless set.</summary>
    public Func<int, int> Answer { get; set; } = static _ => 200;

    /// <summary>The <c>Retry-After</c> sent with a 503.</summary>
    public string RetryAfter { get; set; } = "0";

    /// <summary>Every request waits for this before answering (a hanging receiver until the test completes it).</summary>
    public Task Gate { get; set; } = Task.CompletedTask;

    /// <summary>Completes when the first request arrives.</summary>
    public Task FirstRequest => _firstRequest.Task;

    /// <summary>Requests received, retries included.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Requests refused for a wrong or missing signature.</summary>
    public int BadSignatures => Volatile.Read(ref _badSignatures);

    /// <summary>Accepted requests whose idempotency key had already been accepted.</summary>
    public int Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>The idempotency keys seen, with how many requests carried each.</summary>
    public IReadOnlyDictionary<string, int> Keys => _keys;

    /// <summary>The ids of the records in accepted batches, each batch once.</summary>
    public IReadOnlyCollection<string> RecordIds => _recordIds;

    /// <summary>The last signature header, body and timestamp header text, for byte-level checks.</summary>
    public (string Signature, byte[] Body)? Last { get; private set; }

    public static async Task<WebhookReceiver> StartAsync(string secret)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, secret);
        app.MapPost("/hooks/usage", receiver.ReceiveAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.TrimEnd('/') + "/hooks/usage?token=abc");
        return receiver;
    }

    /// <summary>
    /// The signature check a receiver writes (docs/end_user/exporters.md): header <c>t=SECONDS,v1=HEX</c>; the signed bytes are
    /// the ASCII digits of SECONDS, a '.', then the body exactly as received; HMAC-SHA256 keyed with the secret's UTF-8 bytes.
    /// </summary>
    public static bool Verify(string? header, byte[] body, string secret)
    {
        if (header is null)
        {
            return false;
        }

        string? t = null, v1 = null;
        foreach (var part in header.Split(','))
        {
            var kv = part.Split('=', 2);
            if (kv.Length == 2 && kv[0] == "t") t = kv[1];
            if (kv.Length == 2 && kv[0] == "v1") v1 = kv[1];
        }

        if (t is null || v1 is null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) > 300)
        {
            return false;
        }

        var signed = new byte[t.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(t + ".", signed);
        body.CopyTo(signed, t.Length + 1);
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        var expected = hmac.ComputeHash(signed);
        byte[] given;
        try
        {
            given = Convert.FromHexString(v1);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        var attempt = Interlocked.Increment(ref _attempts);
        _firstRequest.TrySetResult();
        using var copy = new MemoryStream();
        await context.Request.Body.CopyToAsync(copy);
        var body = copy.ToArray();
        var signature = context.Request.Headers["X-TokenTrace-Signature"].ToString();
        Last = (signature, body);
        await Gate.WaitAsync(context.RequestAborted);
        if (!Verify(signature, body, _secret))
        {
            Interlocked.Increment(ref _badSignatures);
            context.Response.StatusCode = 401;
            return;
        }

        // Deduplicated on the signed body's batchId, as docs/end_user/exporters.md says: the Idempotency-Key header is not
        // covered by the signature, so a replayed capture could carry a fresh one. A header that disagrees is refused.
        using var envelope = JsonDocument.Parse(body);
        var key = envelope.RootElement.GetProperty("batchId").GetString()!;
        if (context.Request.Headers["Idempotency-Key"].ToString() != key)
        {
            context.Response.StatusCode = 400;
            return;
        }

        _keys.AddOrUpdate(key, 1, static (_, n) => n + 1);
        var status = Answer(attempt);
        if (status == 503)
        {
            context.Response.Headers.RetryAfter = RetryAfter;
        }

        if (status is >= 200 and < 300)
        {
            if (!_accepted.TryAdd(key, true))
            {
                Interlocked.Increment(ref _duplicates); // a retried batch already taken: answered 2xx, dropped
            }
            else
            {
                foreach (var record in envelope.RootElement.GetProperty("records").EnumerateArray())
                {
                    _recordIds.Enqueue(record.GetProperty("id").GetString()!);
                }
            }
        }

        context.Response.StatusCode = status;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
