using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace TokenTrace.Server.Tests;

/// <summary>A reservation's id is told only to the token that took it, and only that token may settle it.</summary>
public sealed class ReservationOwnershipTests
{
    [Fact]
    public async Task The_listing_has_no_ids_and_another_token_cannot_settle()
    {
        await using var server = await ServerHarness.StartAsync();
        var store = server.Ledger.GetService<IBudgetStore>()!;
        await store.SaveBudgetAsync(new Budget { Name = "team", Period = BudgetPeriod.Parse("total"), Limit = 1m, Mode = BudgetMode.Hard });
        await store.SaveBudgetAsync(new Budget { Name = "checkout-budget", Period = BudgetPeriod.Parse("total"), Limit = 1m, Mode = BudgetMode.Hard, Scope = UsageQuery.All with { Project = "checkout" } });
        using var laptop = server.Client(ServerHarness.WriteSecret);
        using var ci = server.Client(ServerHarness.DeviceSecret);
        using var checkout = server.Client(ServerHarness.ProjectSecret);

        var id = await ReserveAsync(laptop, "team");
        var checkoutId = await ReserveAsync(checkout, "checkout-budget");

        // Any write token may list what is held, but not the ids that would settle it.
        var listing = await ci.GetStringAsync("v1/budgets/reservations");
        Assert.DoesNotContain(id, listing, StringComparison.Ordinal);
        Assert.DoesNotContain("\"id\"", listing, StringComparison.Ordinal);
        Assert.Equal(2, JsonDocument.Parse(listing).RootElement.GetProperty("reservations").GetArrayLength());

        // Another write token (device-bound) and a project-bound one may not settle laptop's reservation...
        Assert.Equal(HttpStatusCode.Forbidden, await SettleAsync(ci, id));
        Assert.Equal(HttpStatusCode.Forbidden, await SettleAsync(checkout, id));
        // ...nor the unbound laptop token another token's reservation.
        Assert.Equal(HttpStatusCode.Forbidden, await SettleAsync(laptop, checkoutId));
        Assert.Equal(2, (await server.Ledger.GetService<IBudgetReservations>()!.ListReservationsAsync()).Count);

        // Each taker settles its own.
        Assert.Equal(HttpStatusCode.OK, await SettleAsync(laptop, id));
        Assert.Equal(HttpStatusCode.OK, await SettleAsync(checkout, checkoutId));
        Assert.Empty(await server.Ledger.GetService<IBudgetReservations>()!.ListReservationsAsync());
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<string> ReserveAsync(HttpClient client, string budget)
    {
        using var response = await client.PostAsync("v1/budgets/reserve", Json($$"""{"budget":"{{budget}}","amount":0.1}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("reservationId").GetString()!;
    }

    private static async Task<HttpStatusCode> SettleAsync(HttpClient client, string id)
    {
        using var response = await client.PostAsync("v1/budgets/settle", Json(string.Create(CultureInfo.InvariantCulture, $$"""{"reservationId":"{{id}}"}""")));
        return response.StatusCode;
    }
}
