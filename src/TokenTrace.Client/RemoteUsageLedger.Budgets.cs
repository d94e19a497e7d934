using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace TokenTrace.Client;

/// <summary>Budgets and reservations kept by the server.</summary>
public sealed partial class RemoteUsageLedger : IBudgetStore, IBudgetReservations
{
    /// <summary>Alerts marked by this process: the server keeps no alert marks for its clients, so each process fires an alert once per period.</summary>
    private readonly ConcurrentDictionary<(string Budget, long Period, string Alert), bool> _alerts = new();

    /// <summary>The longest time to live the server grants (its <c>MaxTtlSeconds</c>): a day. A longer one is sent as this.</summary>
    internal static readonly TimeSpan MaxTimeToLive = TimeSpan.FromDays(1);

    /// <summary>Budgets (and answers) whose permanent refusal was already logged as an error: once each, not once a call.</summary>
    private readonly ConcurrentDictionary<(string Budget, int Status), bool> _refusalsLogged = new();

    /// <summary>The server's budgets (those it stores and those in its configuration), from <c>GET /v1/budgets/definitions</c>.</summary>
    public async Task<IReadOnlyList<Budget>> ListBudgetsAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, "v1/budgets/definitions"));
        // The app's enforcer reads them when it is made (a DI factory, on the app's thread): one short attempt.
        using var answer = await SendJsonAsync(request, "read the budgets", cancellationToken, _budgetHttp).ConfigureAwait(false);
        try
        {
            return [.. answer.RootElement.GetProperty("budgets").EnumerateArray().Select(BudgetJson.Read)];
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw NotAServer(ex);
        }
    }

    /// <summary>Refused: budgets are set on the server (<c>tokentrace budget set … --ledger</c> its own ledger), where every client sees them.</summary>
    /// <exception cref="RemoteLedgerException">Always.</exception>
    public Task SaveBudgetAsync(Budget budget, CancellationToken cancellationToken = default) =>
        throw new RemoteLedgerException($"{Where}: budgets are set on the server, not through it; run `tokentrace budget set` there against the server's own ledger");

    /// <summary>Refused: budgets are removed on the server.</summary>
    /// <exception cref="RemoteLedgerException">Always.</exception>
    public Task<bool> RemoveBudgetAsync(string name, CancellationToken cancellationToken = default) =>
        throw new RemoteLedgerException($"{Where}: budgets are removed on the server, not through it; run `tokentrace budget remove` there against the server's own ledger");

    /// <summary>Marks the alert in this process (false when this process already had).</summary>
    public Task<bool> MarkAlertAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken = default) =>
        Task.FromResult(_alerts.TryAdd((budget, periodKey, alert), true));

    /// <summary>Whether this process marked the alert.</summary>
    public Task<bool> IsAlertMarkedAsync(string budget, long periodKey, string alert, CancellationToken cancellationToken = default) =>
        Task.FromResult(_alerts.ContainsKey((budget, periodKey, alert)));

    /// <summary>
    /// Reserves through <c>POST /v1/budgets/reserve</c>: the server checks the spend and takes the reservation in one
    /// transaction of its ledger, so every machine shares the limit. The server decides with its own definition of the
    /// budget (found by <paramref name="budget"/>'s name), its own clock and its own window; <paramref name="window"/> and
    /// <paramref name="now"/> only date the returned reservation.
    /// </summary>
    /// <exception cref="RemoteLedgerException">The server has no budget of that name, or refused the token.</exception>
    public async Task<BudgetReservationResult> TryReserveAsync(Budget budget, BudgetWindow window, decimal amount, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        LedgerReservation.ValidateRequest(budget, amount, ttl);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, "v1/budgets/reserve"))
        {
            Content = JsonBody(writer =>
            {
                writer.WriteString("budget", budget.Name);
                writer.WriteNumber("amount", DecimalCanonical.Trim(amount));
                // The server refuses more than a day (400): a longer ttl is held a day, not turned into no reservation at all.
                writer.WriteNumber("ttlSeconds", Math.Ceiling(Math.Min(ttl.TotalSeconds, MaxTimeToLive.TotalSeconds)));
            }),
        };
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, $"reserve in budget '{budget.Name}'", cancellationToken, _budgetHttp, 409).ConfigureAwait(false);
        }
        catch (RemoteLedgerException ex) when (ex.StatusCode is >= 400 and < 500 and not (408 or 429))
        {
            // A permanent refusal (a budget the server does not know, a token without the right, a bad request): every call
            // in this budget would go ahead unreserved, so the hard budget no longer holds. Said loudly, once per budget.
            if (_refusalsLogged.TryAdd((budget.Name, ex.StatusCode.Value), true))
            {
                LogReservationRefused(_logger, ex, budget.Name, ex.StatusCode.Value);
            }

            throw;
        }

        using var owned = response;
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var answer = JsonDocument.Parse(body);
            var root = answer.RootElement;
            var spend = root.GetProperty("spend").GetDecimal();
            var inFlight = root.GetProperty("inFlight").GetDecimal();
            if (!root.GetProperty("reserved").GetBoolean())
            {
                return new BudgetReservationResult(null, spend, inFlight);
            }

            var expires = DateTimeOffset.Parse(root.GetProperty("expiresAt").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            var reservation = new LedgerReservation(root.GetProperty("reservationId").GetString()!, budget.Name, DecimalCanonical.Trim(amount), now, expires, LedgerReservation.CurrentHolder);
            return new BudgetReservationResult(reservation, spend, inFlight);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw NotAServer(ex);
        }
    }

    /// <summary>Removes a reservation through <c>POST /v1/budgets/settle</c>; false when the server had none of that id.</summary>
    /// <exception cref="RemoteLedgerException">The server could not be reached or refused: the reservation then holds room until it expires.</exception>
    public async Task<bool> SettleAsync(string reservationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reservationId);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, "v1/budgets/settle"))
        {
            Content = JsonBody(writer => writer.WriteString("reservationId", reservationId)),
        };
        try
        {
            using var answer = await SendJsonAsync(request, "settle a reservation", cancellationToken, _budgetHttp).ConfigureAwait(false);
            return answer.RootElement.TryGetProperty("settled", out var settled) && settled.ValueKind == JsonValueKind.True;
        }
        catch (LedgerNotFoundException ex)
        {
            // An IOException, as a local ledger's failure: the enforcer then leaves the reservation to expire.
            throw new RemoteLedgerException(ex.Message, ex);
        }
    }

    /// <summary>
    /// The server's live reservations (those of budgets the token may see), from <c>GET /v1/budgets/reservations</c>, for
    /// what they hold. Their <see cref="LedgerReservation.Id"/> is empty: the server tells a reservation's id only to its taker.
    /// </summary>
    public async Task<IReadOnlyList<LedgerReservation>> ListReservationsAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, "v1/budgets/reservations"));
        using var answer = await SendJsonAsync(request, "read the budget reservations", cancellationToken).ConfigureAwait(false);
        try
        {
            return
            [
                .. answer.RootElement.GetProperty("reservations").EnumerateArray().Select(r => new LedgerReservation(
                    "",
                    r.GetProperty("budget").GetString()!,
                    r.GetProperty("amount").GetDecimal(),
                    DateTimeOffset.Parse(r.GetProperty("createdAt").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                    DateTimeOffset.Parse(r.GetProperty("expiresAt").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                    r.GetProperty("holder").GetString() ?? "")),
            ];
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw NotAServer(ex);
        }
    }

    [LoggerMessage(1, LogLevel.Error, "The TokenTrace server refuses every reservation in hard budget {Budget} ({Status}): calls in it go ahead unreserved and the budget does not hold until this is fixed")]
    private static partial void LogReservationRefused(ILogger logger, Exception exception, string budget, int status);

    private static ByteArrayContent JsonBody(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }
}
