using TokenTrace.Client;

namespace TokenTrace.Server.Tests;

/// <summary>The machine's device id, made once even when several processes ask for it at the same moment.</summary>
public sealed class DeviceIdentityTests
{
    [Fact]
    public async Task Threads_asking_at_once_on_a_new_machine_all_get_the_one_id_that_is_kept()
    {
        using var home = new TempDirectory();
        const int Askers = 16;
        using var start = new Barrier(Askers);
        var asks = Enumerable.Range(0, Askers).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            return DeviceIdentity.LoadOrCreate(home.Path);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        var ids = await Task.WhenAll(asks).WaitAsync(TimeSpan.FromMinutes(1));

        var kept = (await File.ReadAllTextAsync(Path.Combine(home.Path, "device-id"))).Trim();
        Assert.True(Guid.TryParse(kept, out _), kept);
        Assert.All(ids, id => Assert.Equal(kept, id));
        Assert.Equal(["device-id", "device-id.lock"], Directory.GetFiles(home.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal)); // no temporary file left
    }

    [Fact]
    public void An_empty_id_file_left_by_a_crash_is_replaced_and_a_kept_id_is_read_back()
    {
        using var home = new TempDirectory();
        var path = Path.Combine(home.Path, "device-id");
        File.WriteAllText(path, "");

        var made = DeviceIdentity.LoadOrCreate(home.Path);

        Assert.True(Guid.TryParse(made, out _), made);
        Assert.Equal(made, DeviceIdentity.LoadOrCreate(home.Path));
        Assert.Equal(made + "\n", File.ReadAllText(path));
    }
}
