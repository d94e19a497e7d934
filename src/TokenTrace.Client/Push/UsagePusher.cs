using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace TokenTrace.Client;

/// <summary>
/// Sends a ledger's records that the server has not acknowledged yet (<c>tokentrace push</c>). It reads them through the
/// ledger's <see cref="IUsageChangeFeed"/> after a cursor kept per server and ledger, posts them as gzip JSONL batches
/// with this machine's device header, retries failures with backoff, and moves the cursor past a batch only once the
/// server has answered for it: a crash or a network cut loses no record, and a batch sent twice (its answer lost) is
/// stored once, because the server stores by id.
/// </summary>
public sealed class UsagePusher : IDisposable
{
    private readonly UsagePushOptions _options;
    private readonly HttpClient _http;

    /// <summary>A pusher for <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The server URL is not https (or http to a loopback host): a token must not cross a network in clear text.</exception>
    public UsagePusher(UsagePushOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (RemoteUrlPolicy.Check(options.Server, allowInsecureHttp: true) is { } problem)
        {
            throw new ArgumentException($"--to: {problem}", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1);
        _options = options;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = options.TimeProvider }.AddServerRetry(options.MaxAttempts, options.RetryDelay);
        builder.AddTimeout(TimeSpan.FromSeconds(100));
        var handler = new ResilienceHandler(builder.Build())
        {
            InnerHandler = new BufferedAnswerHandler { InnerHandler = options.Handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) } },
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Sends <paramref name="ledger"/>'s records not yet acknowledged by the server.</summary>
    /// <exception cref="InvalidOperationException">The ledger has no change feed (only SQLite and PostgreSQL ledgers can be pushed).</exception>
    /// <exception cref="UsagePushException">A batch was refused, or the server was not reachable after every attempt; the batches before it are acknowledged.</exception>
    public async Task<UsagePushResult> PushAsync(IUsageLedger ledger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var feed = ledger.GetService<IUsageChangeFeed>()
            ?? throw new InvalidOperationException($"{ledger.Spec}: this ledger keeps no change feed, so it cannot be pushed; push a SQLite ledger (import the records into one first)");
        var position = await feed.GetPositionAsync(cancellationToken).ConfigureAwait(false);
        var cursorPath = CursorPath(position.LedgerId);
        var after = ReadCursor(cursorPath, position.LedgerId);
        if (after > position.LastSequence)
        {
            // A restored backup: its sequence is behind what was sent. Sending it all again is harmless (ids).
            after = 0;
        }

        long sent = 0, stored = 0, duplicates = 0, rejected = 0;
        var batches = 0;
        var errors = new List<string>();
        await foreach (var batch in feed.ReadAfterAsync(after, position.LastSequence, _options.BatchSize, cancellationToken).ConfigureAwait(false))
        {
            if (batch.Count == 0)
            {
                continue;
            }

            var answer = await SendAsync(batch, sent, cancellationToken).ConfigureAwait(false);
            stored += answer.Stored;
            duplicates += answer.Duplicates;
            rejected += answer.Rejected;
            errors.AddRange(answer.Errors.Select(e => $"record {batch[(int)Math.Clamp(e.Line - 1, 0, batch.Count - 1)].Record.Id}: {e.Message}"));
            sent += batch.Count;
            batches++;
            WriteCursor(cursorPath, position.LedgerId, batch[^1].Sequence);
        }

        return new UsagePushResult(sent, stored, duplicates, rejected, batches, errors);
    }

    /// <summary>The cursor file for this server and ledger: a hash of both, so the file name carries neither.</summary>
    internal string CursorPath(string ledgerId)
    {
        var key = SHA256.HashData(Encoding.UTF8.GetBytes(_options.Server.GetLeftPart(UriPartial.Path).TrimEnd('/') + "\n" + ledgerId));
        return Path.Combine(_options.StateDirectory, "push-" + Convert.ToHexStringLower(key.AsSpan(0, 12)) + ".cursor");
    }

    private async Task<(long Stored, long Duplicates, long Rejected, List<(long Line, string Message)> Errors)> SendAsync(IReadOnlyList<SequencedUsageRecord> batch, long sentBefore, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_options.Server, "v1/records"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Token);
        request.Headers.TryAddWithoutValidation(ServerRequests.DeviceHeader, ServerRequests.DeviceValue(_options.DeviceId, _options.DeviceName));
        var content = new ByteArrayContent(Compress(batch));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        content.Headers.ContentEncoding.Add("gzip");
        request.Content = content;
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException)
        {
            throw new UsagePushException($"{RemoteUrlPolicy.Describe(_options.Server)} could not be reached ({ex.Message}); {sentBefore} records were acknowledged before, the next push goes on from there", sentBefore, null, ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                throw new UsagePushException(string.Create(CultureInfo.InvariantCulture, $"{RemoteUrlPolicy.Describe(_options.Server)} answered {status} ({ErrorOf(body)}); {sentBefore} records were acknowledged before, the next push goes on from there"), sentBefore, status);
            }

            try
            {
                using var answer = JsonDocument.Parse(body);
                var root = answer.RootElement;
                var errors = new List<(long, string)>();
                foreach (var error in root.GetProperty("errors").EnumerateArray())
                {
                    errors.Add((error.GetProperty("line").GetInt64(), error.GetProperty("message").GetString() ?? ""));
                }

                return (root.GetProperty("stored").GetInt64(), root.GetProperty("duplicates").GetInt64(), root.GetProperty("rejected").GetInt64(), errors);
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new UsagePushException($"{RemoteUrlPolicy.Describe(_options.Server)} answered with something other than a TokenTrace server's receipt; is --to a TokenTrace server?", sentBefore, (int)response.StatusCode, ex);
            }
        }
    }

    private static string ErrorOf(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("error", out var error) ? error.GetString() ?? "" : "no message";
        }
        catch (JsonException)
        {
            return "no message";
        }
    }

    private static byte[] Compress(IReadOnlyList<SequencedUsageRecord> batch)
    {
        var lines = new ArrayBufferWriter<byte>();
        foreach (var record in batch)
        {
            UsageRecordJson.WriteLine(lines, record.Record);
        }

        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(lines.WrittenSpan);
        }

        return output.ToArray();
    }

    private static long ReadCursor(string path, string ledgerId)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        var parts = File.ReadAllText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length == 2 && parts[0] == ledgerId && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) ? sequence : 0;
    }

    private void WriteCursor(string path, string ledgerId, long sequence)
    {
        SecureFile.EnsureDirectory(_options.StateDirectory);
        SecureFile.WriteAllBytesAtomic(path, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{ledgerId}\n{sequence}\n")));
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
