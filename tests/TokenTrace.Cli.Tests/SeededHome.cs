using TokenTrace.Tests;

namespace TokenTrace.Cli.Tests;

/// <summary>
/// A home the real CLI seeded once for a whole test class (<see cref="IClassFixture{TFixture}"/>), which each test copies
/// into a fresh temp folder of its own: the same ledger every test used to record for itself, at the cost of a file copy
/// instead of one or two CLI processes per test (docs/architecture/performance.md, "Test suite time"). The CLI closes its
/// SQLite ledger on exit (no -wal left to miss), and every file of the home is copied, so the copy is the seeded state.
/// </summary>
public abstract class SeededHome : IAsyncLifetime
{
    private readonly TempDirectory _template = new();

    /// <summary>The commands that seed the home, run in order with the CLI; each must exit 0.</summary>
    protected abstract IEnumerable<string[]> Seed { get; }

    public async Task InitializeAsync()
    {
        foreach (var args in Seed)
        {
            var result = await CliRunner.RunAsync(_template.Path, args);
            Assert.True(result.ExitCode == 0, $"seeding: tokentrace {string.Join(' ', args)} exited with {result.ExitCode}: {result.Error}");
        }
    }

    /// <summary>A new temp home holding a copy of every file of the seeded one (the caller disposes it).</summary>
    public TempDirectory Copy()
    {
        var home = new TempDirectory();
        foreach (var folder in Directory.GetDirectories(_template.Path, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(home.Path, Path.GetRelativePath(_template.Path, folder)));
        }

        foreach (var file in Directory.GetFiles(_template.Path, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(home.Path, Path.GetRelativePath(_template.Path, file)));
        }

        return home;
    }

    public Task DisposeAsync()
    {
        _template.Dispose();
        return Task.CompletedTask;
    }
}
