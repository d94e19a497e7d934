using System.Text.Json;

namespace TokenTrace.Sqlite.Tests;

/// <summary>
/// Packages follow what a user installs: this test project references only the core and the SQLite ledger, as an app
/// would, so its dependency file lists exactly what such an app pulls in.
/// </summary>
public sealed class PackageFootprintTests
{
    private static readonly string[] Forbidden = ["YamlDotNet", "Spectre.Console", "System.CommandLine", "TokenTrace.Hosting", "TokenTrace.Reports"];

    [Fact]
    public void An_app_with_the_core_and_sqlite_pulls_no_yaml_console_or_command_line_package()
    {
        var depsFile = Path.Combine(AppContext.BaseDirectory, "TokenTrace.Sqlite.Tests.deps.json");
        using var deps = JsonDocument.Parse(File.ReadAllBytes(depsFile));
        var libraries = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name.Split('/')[0]).ToList();
        Assert.Contains("Microsoft.Data.Sqlite", libraries);
        Assert.Contains("TokenTrace", libraries);
        Assert.DoesNotContain(libraries, l => Forbidden.Contains(l, StringComparer.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData(typeof(UsageRecord))]
    [InlineData(typeof(SqliteUsageLedger))]
    public void The_core_and_sqlite_assemblies_reference_none_of_them(Type type)
    {
        var references = type.Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.NotEmpty(references);
        Assert.DoesNotContain(references, r => Forbidden.Contains(r, StringComparer.OrdinalIgnoreCase));
    }
}
