using System.Net;
using System.Text;
using System.Text.Json;
using TokenTrace.Cli.Tests;

namespace TokenTrace.Server.Tests;

/// <summary><c>--by device</c> groups by the machine name the server stamps, on the server's API and the command line alike.</summary>
public sealed class DeviceDimensionTests
{
    [Fact]
    public async Task By_device_groups_by_the_stamped_machine_name()
    {
        await using var server = await ServerHarness.StartAsync();
        using var writer = server.Client(ServerHarness.WriteSecret);
        using var reader = server.Client(ServerHarness.ReadSecret);
        foreach (var (device, records) in new[] { ("id-a;laptop%20a", TestRecords.Many("a", 3)), ("id-b;build-box", TestRecords.Many("b", 2)) })
        {
            var request = IngestTests.Post(Encoding.UTF8.GetBytes(TestRecords.Jsonl(records)), "application/x-ndjson");
            request.Headers.Add(ServerHeaders.Device, device);
            await IngestTests.SendAsync(writer, request, HttpStatusCode.OK);
        }

        var api = await reader.GetStringAsync("v1/summary?by=device");
        var rows = JsonDocument.Parse(api).RootElement.GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetProperty("device").GetString()!, r => r.GetProperty("records").GetInt32());
        // 3 records from "laptop a" (the name is URL-escaped in the header), 2 from "build-box".
        Assert.Equal(new Dictionary<string, int> { ["laptop a"] = 3, ["build-box"] = 2 }, rows);

        var cli = await CliRunner.RunAsync(server.Folder.Path, new Dictionary<string, string?>(), TimeSpan.FromMinutes(2),
            "summary", "--by", "device", "--format", "json", "--ledger", "sqlite:" + server.LedgerPath);
        Assert.True(cli.ExitCode == 0, cli.Error);
        Assert.Equal(api, cli.Out);
        // The same groups as the tag it stands for, under the short name.
        var tag = JsonDocument.Parse(await reader.GetStringAsync("v1/summary?by=tag:device.name")).RootElement.GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetProperty("tag:device.name").GetString()!, r => r.GetProperty("records").GetInt32());
        Assert.Equal(rows, tag);
    }
}
