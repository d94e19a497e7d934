using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace TokenTrace.Server.Tests;

/// <summary><c>POST /v1/budgets/reserve</c> and <c>/settle</c> over real HTTP, against the server's real SQLite ledger.</summary>
public sealed class BudgetReservationApiTests
{
    [Fact]
    public async Task A_reservation_is_taken_counted_and_settled()
    {
        await using var server = await ServerHarness.StartAsync();
        await SaveBudgetAsync(server, "team", 1m);
        using var writer = server.Client(ServerHarness.WriteSecret);

        var (status, first) = await ReserveAsync(writer, """{"budget":"team","amount":0.25,"ttlSeconds":120}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(first.GetProperty("reserved").GetBoolean());
        Assert.Equal(0m, first.GetProperty("spend").GetDecimal());
        Assert.Equal(0m, first.GetProperty("inFlight").GetDecimal());
        Assert.Equal(1m, first.GetProperty("limit").GetDecimal());
        var id = first.GetProperty("reservationId").GetString()!;

        // The second sees the first in flight: $0.25.
        var (_, second) = await ReserveAsync(writer, """{"budget":"team","amount":"0.5"}""");
        Assert.True(second.GetProperty("reserved").GetBoolean());
        Assert.Equal(0.25m, second.GetProperty("inFlight").GetDecimal());

        Assert.True(await SettleAsync(writer, id));
        Assert.False(await SettleAsync(writer, id));
        var left = Assert.Single(await server.Ledger.GetService<IBudgetReservations>()!.ListReservationsAsync());
        Assert.Equal(second.GetProperty("reservationId").GetString(), left.Id);
        Assert.Equal(0.5m, left.Amount);
    }

    [Fact]
    public async Task An_exhausted_budget_refuses_with_409()
    {
        await using var server = await ServerHarness.StartAsync();
        using var writer = server.Client(ServerHarness.WriteSecret);
        await IngestTests.SendAsync(writer, IngestTests.Post(Encoding.UTF8.GetBytes(TestRecords.Jsonl(TestRecords.Many("b", 4))), "application/x-ndjson"), HttpStatusCode.OK);
        // 4 records × $0.00045 = $0.0018 spent of $0.002: $0.0002 left, so $0.001 does not fit.
        await SaveBudgetAsync(server, "tight", 0.002m);

        var (status, refused) = await ReserveAsync(writer, """{"budget":"tight","amount":0.001}""");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.False(refused.GetProperty("reserved").GetBoolean());
        Assert.Equal(JsonValueKind.Null, refused.GetProperty("reservationId").ValueKind);
        Assert.Equal(0.0018m, refused.GetProperty("spend").GetDecimal());
        Assert.Equal(0m, refused.GetProperty("inFlight").GetDecimal());
        Assert.Equal(0.002m, refused.GetProperty("limit").GetDecimal());
        Assert.Empty(await server.Ledger.GetService<IBudgetReservations>()!.ListReservationsAsync());

        // $0.0002 still fits exactly.
        var (fits, _) = await ReserveAsync(writer, """{"budget":"tight","amount":0.0002}""");
        Assert.Equal(HttpStatusCode.OK, fits);
    }

    [Fact]
    public async Task Eight_concurrent_clients_never_hold_more_than_the_limit()
    {
        await using var server = await ServerHarness.StartAsync();
        await SaveBudgetAsync(server, "shared", 1m);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var granted = 0;
        var clients = Enumerable.Range(0, 8).Select(async _ =>
        {
            using var client = server.Client(ServerHarness.WriteSecret);
            await start.Task;
            while (true)
            {
                var (status, _) = await ReserveAsync(client, """{"budget":"shared","amount":0.05}""");
                if (status == HttpStatusCode.Conflict)
                {
                    return;
                }

                Assert.Equal(HttpStatusCode.OK, status);
                Interlocked.Increment(ref granted);
            }
        }).ToList();
        start.SetResult();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromMinutes(2));

        // $1 / $0.05 = 20 reservations fit, and not one more, whatever the interleaving.
        Assert.Equal(20, granted);
        var held = (await server.Ledger.GetService<IBudgetReservations>()!.ListReservationsAsync()).Sum(r => r.Amount);
        Assert.Equal(1.00m, held);
    }

    [Fact]
    public async Task Unknown_budgets_wrong_tokens_and_bad_fields_are_refused_clearly()
    {
        await using var server = await ServerHarness.StartAsync();
        await SaveBudgetAsync(server, "team", 1m);
        await SaveBudgetAsync(server, "checkout-budget", 1m, project: "checkout");
        using var writer = server.Client(ServerHarness.WriteSecret);
        using var reader = server.Client(ServerHarness.ReadSecret);
        using var checkout = server.Client(ServerHarness.ProjectSecret);
        using var anonymous = server.Client(null);

        var (unknown, unknownBody) = await ReserveAsync(writer, """{"budget":"nope","amount":0.05}""");
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Contains("nope", unknownBody.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await ReserveAsync(reader, """{"budget":"team","amount":0.05}""")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ReserveAsync(anonymous, """{"budget":"team","amount":0.05}""")).Status);
        using (var settle = await reader.PostAsync("v1/budgets/settle", Json("""{"reservationId":"x"}""")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, settle.StatusCode);
        }

        // A project-bound write token reserves its project's budgets only.
        Assert.Equal(HttpStatusCode.Forbidden, (await ReserveAsync(checkout, """{"budget":"team","amount":0.05}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await ReserveAsync(checkout, """{"budget":"checkout-budget","amount":0.05}""")).Status);

        (string Body, string Field)[] bad =
        [
            ("""{"amount":0.05}""", "budget"),
            ("""{"budget":"team"}""", "amount"),
            ("""{"budget":"team","amount":-1}""", "amount"),
            ("""{"budget":"team","amount":"0,05"}""", "amount"),
            ("""{"budget":"team","amount":0.05,"ttlSeconds":0}""", "ttlSeconds"),
            ("""{"budget":"team","amount":0.05,"ttlSeconds":"soon"}""", "ttlSeconds"),
        ];
        foreach (var (body, field) in bad)
        {
            var (status, answer) = await ReserveAsync(writer, body);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.StartsWith(field + ":", answer.GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await ReserveAsync(writer, "not json")).Status);
        using (var settle = await writer.PostAsync("v1/budgets/settle", Json("{}")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, settle.StatusCode);
            Assert.Contains("reservationId:", await settle.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(await server.Ledger.GetService<IBudgetReservations>()!.ListReservationsAsync(), r => r.Budget == "team");
    }

    private static Task SaveBudgetAsync(ServerHarness server, string name, decimal limit, string? project = null) =>
        server.Ledger.GetService<IBudgetStore>()!.SaveBudgetAsync(new Budget
        {
            Name = name,
            Period = BudgetPeriod.Parse("total"),
            Limit = limit,
            Mode = BudgetMode.Hard,
            Scope = project is null ? UsageQuery.All : UsageQuery.All with { Project = project },
        });

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReserveAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync("v1/budgets/reserve", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<bool> SettleAsync(HttpClient client, string id)
    {
        using var response = await client.PostAsync("v1/budgets/settle", Json(string.Create(CultureInfo.InvariantCulture, $$"""{"reservationId":"{{id}}"}""")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("settled").GetBoolean();
    }
}
