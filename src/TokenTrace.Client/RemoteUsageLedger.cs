using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace TokenTrace.Client;

/// <summary>
/// A TokenTrace server (<c>tokentrace serve</c>) as a ledger: <c>--ledger https://server</c> makes every view read through
/// its API, and an app whose ledger it is appends its records there and reserves and settles hard budgets there, so one
/// limit holds across every machine. Summaries come from <c>GET /v1/summary</c> (the server's store sums them), records
/// from <c>GET /v1/records</c> (JSON lines, paged by a cursor), budgets from <c>GET /v1/budgets/definitions</c>;
/// appends go to <c>POST /v1/records</c> and reservations to <c>POST /v1/budgets/reserve</c> and <c>/settle</c>.
/// </summary>
/// <remarks>
/// Reading needs a read token and writing a write token (the server keeps the two apart); the token is given in
/// <see cref="RemoteLedgerOptions.Token"/> (the CLI and <see cref="RemoteLedgerFactoryExtensions.AddRemoteLedger"/> take it
/// from <c>TOKENTRACE_TOKEN</c>), never in the URL. A server that does not answer is a <see cref="LedgerNotFoundException"/>,
/// as a PostgreSQL server that does not answer; a refused token or request is a <see cref="RemoteLedgerException"/>.
/// Budgets are defined on the server: <see cref="IBudgetStore.SaveBudgetAsync"/> and <see cref="IBudgetStore.RemoveBudgetAsync"/>
/// are refused, and alerts are marked in this process only.
/// </remarks>
public sealed partial class RemoteUsageLedger : IUsageLedger, IUsageSummarizer
{

    /// <summary>The longest line a record may be; a longer one is not a record the server wrote.</summary>
    private const int MaxLineBytes = 16 * 1024 * 1024;

    private readonly RemoteLedgerOptions _options;
    private readonly Uri _base;
    private readonly HttpClient _http;

    /// <summary>The client of reservations and settlements: one attempt under <see cref="RemoteLedgerOptions.BudgetTimeout"/>.</summary>
    private readonly HttpClient _budgetHttp;

    private readonly ILogger _logger;

    /// <summary>A ledger on the server <paramref name="options"/> names.</summary>
    /// <exception cref="ArgumentException">
    /// The URL carries a user name, password, query or fragment (a token belongs in <see cref="RemoteLedgerOptions.Token"/>),
    /// or is plain http to a host that is not loopback.
    /// </exception>
    public RemoteUsageLedger(RemoteLedgerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ReadPageSize, 1);
        _base = CheckServer(options.Server);
        _options = options;
        Spec = _base.GetLeftPart(UriPartial.Path);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.AttemptTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.BudgetTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BreakDuration, TimeSpan.FromMilliseconds(500));
        _logger = options.LoggerFactory?.CreateLogger("TokenTrace.Client.RemoteUsageLedger") ?? NullLogger.Instance;
        var inner = options.Handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };

        // One circuit breaker for both clients: a server that failed reads or appends is not asked for a reservation, and
        // the other way round. Three failures in a row (or half of the requests of 30 s) open it for BreakDuration.
        var breaker = new HttpCircuitBreakerStrategyOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = 3,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = options.BreakDuration,
        };
        var shared = new ResiliencePipelineBuilder<HttpResponseMessage>().AddCircuitBreaker(breaker).Build();

        // The retries are outside the breaker: once it opens, the remaining attempts fail at once.
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>().AddServerRetry(options.MaxAttempts, options.RetryDelay);
        builder.AddPipeline(shared).AddTimeout(options.AttemptTimeout);
        _http = new HttpClient(new ResilienceHandler(builder.Build()) { InnerHandler = inner }) { Timeout = Timeout.InfiniteTimeSpan };

        // Reservations and settlements sit in the app's call path: one short attempt, never retried (a reservation whose
        // answer was lost would hold room twice), failing at once while the breaker is open.
        var budgets = new ResiliencePipelineBuilder<HttpResponseMessage>().AddPipeline(shared).AddTimeout(options.BudgetTimeout).Build();
        _budgetHttp = new HttpClient(new ResilienceHandler(budgets) { InnerHandler = inner }, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The server's address (scheme, host, port and path; never a token).</summary>
    public string Spec { get; }

    /// <summary>
    /// Sends <paramref name="records"/> to <c>POST /v1/records</c> (gzip JSON lines, with this device's header); the server
    /// prices what is unpriced, stamps the device and the token's principal, and stores by id.
    /// </summary>
    /// <exception cref="RemoteLedgerException">The server refused the batch, or rejected some of its records (the others are stored).</exception>
    public async Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return default;
        }

        var lines = new ArrayBufferWriter<byte>();
        foreach (var record in records)
        {
            UsageRecordJson.WriteLine(lines, record);
        }

        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(lines.WrittenSpan);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, "v1/records"));
        if (_options.DeviceId is { } device)
        {
            request.Headers.TryAddWithoutValidation(ServerRequests.DeviceHeader, ServerRequests.DeviceValue(device, _options.DeviceName ?? device));
        }

        var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        content.Headers.ContentEncoding.Add("gzip");
        request.Content = content;
        using var answer = await SendJsonAsync(request, "append records", cancellationToken).ConfigureAwait(false);
        var root = answer.RootElement;
        try
        {
            var result = new AppendResult(root.GetProperty("stored").GetInt32(), root.GetProperty("duplicates").GetInt32());
            var rejected = root.GetProperty("rejected").GetInt32();
            if (rejected > 0)
            {
                var first = root.GetProperty("errors").EnumerateArray().FirstOrDefault();
                var detail = first.ValueKind == JsonValueKind.Object
                    ? string.Create(CultureInfo.InvariantCulture, $"record {records[Math.Clamp(first.GetProperty("line").GetInt32() - 1, 0, records.Count - 1)].Id}: {first.GetProperty("message").GetString()}")
                    : "no detail";
                throw new RemoteLedgerException(string.Create(CultureInfo.InvariantCulture, $"{Where}: the server rejected {rejected} of {records.Count} records ({detail}); {result.Added} stored, {result.Duplicates} already there"));
            }

            return result;
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw NotAServer(ex);
        }
    }

    /// <summary>Streams the records matching <paramref name="query"/>, oldest first, from <c>GET /v1/records</c>, a page at a time.</summary>
    public async IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (IsEmptyRange(query))
        {
            yield break;
        }

        string? afterTime = null, afterId = null;
        while (true)
        {
            var parameters = QueryParameters(query);
            parameters.Add(("limit", _options.ReadPageSize.ToString(CultureInfo.InvariantCulture)));
            if (afterTime is not null)
            {
                parameters.Add(("after", afterTime));
                parameters.Add(("afterId", afterId!));
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, Address("v1/records", parameters));
            using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, "read records", cancellationToken).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var count = 0;
                UsageRecord? last = null;
                await foreach (var record in ReadLinesAsync(stream, cancellationToken).ConfigureAwait(false))
                {
                    count++;
                    last = record;
                    yield return record;
                }

                if (count < _options.ReadPageSize)
                {
                    yield break;
                }

                afterTime = Instant(last!.Timestamp);
                afterId = last.Id;
            }
        }
    }

    /// <summary>Totals from <c>GET /v1/summary</c>: the server's store groups and sums them.</summary>
    public async Task<UsageSummary> SummarizeAsync(UsageQuery query, IReadOnlyList<SummaryDimension> by, TimeZoneInfo timeZone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(timeZone);
        if (IsEmptyRange(query))
        {
            return new UsageSummary(by, [], new UsageTotals());
        }

        var parameters = QueryParameters(query);
        if (by.Count > 0)
        {
            parameters.Add(("by", string.Join(',', by.Select(d => d.Name))));
        }

        parameters.Add(("tz", timeZone == TimeZoneInfo.Utc ? "UTC" : timeZone.Id));
        using var request = new HttpRequestMessage(HttpMethod.Get, Address("v1/summary", parameters));
        using var answer = await SendJsonAsync(request, "read a summary", cancellationToken).ConfigureAwait(false);
        try
        {
            return RemoteSummaryJson.Read(answer.RootElement, by);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw NotAServer(ex);
        }
    }

    /// <summary>This ledger for <see cref="IUsageSummarizer"/>, <see cref="IBudgetStore"/>, <see cref="IBudgetReservations"/> and its own type; null otherwise.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _budgetHttp.Dispose();
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The server for messages: scheme, host and port.</summary>
    private string Where => $"ledger '{Spec}'";

    private static Uri CheckServer(Uri server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (!server.IsAbsoluteUri)
        {
            throw new ArgumentException($"ledger '{server}': expected an absolute https:// URL of a TokenTrace server", nameof(server));
        }

        if (server.UserInfo.Length > 0 || server.Query.Length > 0 || server.Fragment.Length > 0)
        {
            // Say where, never what: the refused part is likely the secret itself.
            throw new ArgumentException($"ledger '{RemoteUrlPolicy.Describe(server)}': a user name, password, query or fragment in the server's URL is refused (a token in a URL ends up in shell history and logs); give the bare server address and the token in TOKENTRACE_TOKEN", nameof(server));
        }

        if (RemoteUrlPolicy.Check(server, allowInsecureHttp: true) is { } problem)
        {
            throw new ArgumentException($"ledger: {problem}", nameof(server));
        }

        var text = server.GetLeftPart(UriPartial.Path);
        return new Uri(text.EndsWith('/') ? text : text + "/");
    }

    private static bool IsEmptyRange(UsageQuery query) => query.Since is { } since && query.Until is { } until && until <= since;

    private static string Instant(DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>The query string the server's read APIs share (its <c>ServerQuery</c>): instants in ISO 8601 UTC, exact filters, tags as <c>K=V</c>.</summary>
    private static List<(string Name, string Value)> QueryParameters(UsageQuery query)
    {
        var parameters = new List<(string, string)>();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                parameters.Add((name, value));
            }
        }

        Add("since", query.Since is { } since ? Instant(since) : null);
        Add("until", query.Until is { } until ? Instant(until) : null);
        Add("model", query.Model);
        Add("provider", query.Provider);
        Add("project", query.Project);
        Add("job", query.Job);
        Add("task", query.Task);
        Add("agent", query.Agent);
        Add("session", query.Session);
        Add("user", query.User);
        Add("source", query.Source);
        foreach (var (key, value) in query.Tags)
        {
            parameters.Add(("tag", key + "=" + value));
        }

        return parameters;
    }

    private Uri Address(string path, List<(string Name, string Value)> parameters)
    {
        var text = new StringBuilder(path);
        for (var i = 0; i < parameters.Count; i++)
        {
            text.Append(i == 0 ? '?' : '&').Append(parameters[i].Name).Append('=').Append(Uri.EscapeDataString(parameters[i].Value));
        }

        return new Uri(_base, text.ToString());
    }

    private async Task<JsonDocument> SendJsonAsync(HttpRequestMessage request, string what, CancellationToken cancellationToken, HttpClient? client = null)
    {
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, what, cancellationToken, client).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw NotAServer(null);
            }

            return document;
        }
        catch (JsonException ex)
        {
            throw NotAServer(ex);
        }
    }

    /// <summary>Sends with the token; a successful response, or the failure said plainly (the token never in it).</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, string what, CancellationToken cancellationToken, HttpClient? client = null, params int[] accepted)
    {
        if (_options.Token is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        HttpResponseMessage response;
        try
        {
            response = await (client ?? _http).SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (Polly.CircuitBreaker.BrokenCircuitException ex)
        {
            throw new LedgerNotFoundException($"{Where}: the server failed its last requests, so none is sent for a while ({ex.Message}); start it (tokentrace serve) or fix the address", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException
                                       || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new LedgerNotFoundException($"{Where}: no TokenTrace server answers at {RemoteUrlPolicy.Describe(_base)} ({ex.Message}); start it (tokentrace serve) or fix the address", ex);
        }

        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode || accepted.Contains(status))
        {
            return response;
        }

        using (response)
        {
            var error = ErrorOf(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            var message = status switch
            {
                401 when _options.Token is not { Length: > 0 } =>
                    $"{Where}: the server needs a token to {what}; set TOKENTRACE_TOKEN (a read token for views, a write token to record and reserve budgets)",
                401 => $"{Where}: the server refused the token in TOKENTRACE_TOKEN to {what} (not a token it knows: mistyped, or revoked)",
                403 => $"{Where}: the token in TOKENTRACE_TOKEN may not {what} ({error}); views need a read token, recording and budget reservations a write token",
                404 when error == "no message" => $"{Where}: no such API ({request.RequestUri?.AbsolutePath}); is this a TokenTrace server, and a recent one?",
                _ => string.Create(CultureInfo.InvariantCulture, $"{Where}: the server answered {status} to {what} ({error})"),
            };
            throw new RemoteLedgerException(message, status);
        }
    }

    private RemoteLedgerException NotAServer(Exception? cause) =>
        new($"{Where}: the answer is not a TokenTrace server's; is the URL a TokenTrace server (tokentrace serve)?", cause ?? new FormatException("not a JSON object"));

    private static string ErrorOf(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error)
                ? error.GetString() ?? "no message"
                : "no message";
        }
        catch (JsonException)
        {
            return "no message";
        }
    }

    /// <summary>The records of a JSON-lines body, one a line, without holding more than one line.</summary>
    private async IAsyncEnumerable<UsageRecord> ReadLinesAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        int start = 0, end = 0;
        long line = 0;
        while (true)
        {
            var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
            if (newline >= 0)
            {
                line++;
                if (newline > start)
                {
                    yield return ParseLine(buffer.AsSpan(start, newline - start), line);
                }

                start = newline + 1;
                continue;
            }

            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }

            if (end == buffer.Length)
            {
                if (buffer.Length >= MaxLineBytes)
                {
                    throw new RemoteLedgerException(string.Create(CultureInfo.InvariantCulture, $"{Where}: line {line + 1} of the records is longer than {MaxLineBytes} bytes; not a record"));
                }

                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (end > start)
                {
                    // The server ends every record with a newline: a partial last line is a cut connection, not a record.
                    throw new RemoteLedgerException($"{Where}: the records stopped in the middle of a line (the connection was cut); read again");
                }

                yield break;
            }

            end += read;
        }
    }

    private UsageRecord ParseLine(ReadOnlySpan<byte> text, long line)
    {
        try
        {
            return UsageRecordJson.Parse(text);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException)
        {
            throw new RemoteLedgerException(string.Create(CultureInfo.InvariantCulture, $"{Where}: line {line} of the records is not a record ({ex.Message})"), ex);
        }
    }
}
