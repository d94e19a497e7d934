namespace TokenTrace.Hosting.Tests;

/// <summary>
/// Every file under Fuzz/Corpus/config is loaded as a config file. A file named <c>*.error.yaml</c> must fail with a
/// <see cref="ConfigurationException"/> naming the file (and its line, where it has one); any other must load, and its
/// price patterns must answer a hostile model name promptly. None may crash the process, hang, or echo a secret.
/// </summary>
public sealed class ConfigCorpusTests
{
    private const string Secret = "hunter2-S3CR3T";

    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fuzz", "Corpus", "config");

    public static TheoryData<string> Files()
    {
        var files = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Folder).Order(StringComparer.Ordinal))
        {
            files.Add(Path.GetFileName(file));
        }

        return files;
    }

    private static string? Env(string name) => name switch
    {
        "TT_FUZZ_INJECT" => "eu-west-1\nledger: sqlite:/tmp/evil.db",
        "TT_FUZZ_SECRET" => Secret,
        _ => null,
    };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task A_hostile_config_file_is_a_configuration_error_naming_the_file_or_loads_safely(string name)
    {
        var path = Path.Combine(Folder, name);
        // On a thread of its own, so that a regression into deep recursion or a hang fails this test rather than the run.
        var load = Task.Factory.StartNew(() => Record.Exception(() => TokenTraceSettingsLoader.Load(path, Env)), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var error = await load.WaitAsync(TimeSpan.FromSeconds(60));
        if (name.EndsWith(".error.yaml", StringComparison.Ordinal))
        {
            var configError = Assert.IsType<ConfigurationException>(error);
            Assert.Equal(path, configError.Path);
            Assert.StartsWith(path + ":", configError.Message, StringComparison.Ordinal);
            Assert.True(configError.Line > 0, $"no line in: {configError.Message}");
            Assert.DoesNotContain(Secret, configError.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("evil", configError.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("tok3n", configError.Message, StringComparison.Ordinal);
            return;
        }

        Assert.Null(error);
        var catalog = TokenTraceSettingsLoader.Load(path, Env).BuildCatalog();
        var hostile = new string('a', 100_000) + "!";
        var find = Task.Run(() => catalog.Find(hostile));
        Assert.Null(await find.WaitAsync(TimeSpan.FromSeconds(60)));
    }
}
