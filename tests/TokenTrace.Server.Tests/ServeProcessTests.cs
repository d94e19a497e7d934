using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using TokenTrace.Cli.Tests;

namespace TokenTrace.Server.Tests;

/// <summary>The real <c>tokentrace serve</c> process, with tokens made by <c>tokentrace serve token add</c>.</summary>
public sealed partial class ServeProcessTests
{
    [Fact]
    public async Task Tokentrace_serve_refuses_to_start_without_a_token()
    {
        using var home = new TempDirectory();

        var run = await CliRunner.RunAsync(home.Path, new Dictionary<string, string?>(), TimeSpan.FromMinutes(2), "serve", "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no tokens", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokentrace_serve_refuses_another_server_as_its_ledger()
    {
        using var home = new TempDirectory();
        var none = new Dictionary<string, string?>();
        Assert.Equal(0, (await CliRunner.RunAsync(home.Path, none, TimeSpan.FromMinutes(2), "serve", "token", "add", "--name", "box", "--scope", "write")).ExitCode);

        var run = await CliRunner.RunAsync(home.Path, none, TimeSpan.FromMinutes(2), "serve", "--urls", "http://127.0.0.1:0", "--ledger", "https://usage.example.com");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--ledger https://usage.example.com: serve hosts a ledger it owns", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokentrace_serve_stores_and_summarizes_with_tokens_from_serve_token_add()
    {
        using var home = new TempDirectory();
        var none = new Dictionary<string, string?>();
        var write = await CliRunner.RunAsync(home.Path, none, TimeSpan.FromMinutes(2), "serve", "token", "add", "--name", "box", "--scope", "write");
        var read = await CliRunner.RunAsync(home.Path, none, TimeSpan.FromMinutes(2), "serve", "token", "add", "--name", "dash", "--scope", "read");
        Assert.True(write.ExitCode == 0, write.Error);
        var writeSecret = write.Out.Trim();
        var readSecret = read.Out.Trim();
        Assert.StartsWith("tt_", writeSecret, StringComparison.Ordinal);
        // Only hashes are kept.
        var file = File.ReadAllText(Path.Combine(home.Path, "server-tokens.json"));
        Assert.DoesNotContain(writeSecret, file, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(ServerTokenSet.Hash(writeSecret)), file, StringComparison.Ordinal);

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = home.Path };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "TokenTrace.Cli.dll"), "serve", "--urls", "http://127.0.0.1:0", "--ledger", "sqlite:" + home.File("team.db") })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TOKENTRACE_HOME"] = home.Path;
        start.Environment["TOKENTRACE_LEDGER"] = null;
        using var process = Process.Start(start)!;
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        void Watch(object _, DataReceivedEventArgs e)
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data is { } line && Listening().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value.TrimEnd('/') + "/"));
            }
        }

        process.OutputDataReceived += Watch;
        process.ErrorDataReceived += Watch;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var address = await listening.Task.WaitAsync(TimeSpan.FromMinutes(1));
            using var client = new HttpClient { BaseAddress = address };
            using var post = new HttpRequestMessage(HttpMethod.Post, "v1/records") { Content = new StringContent(TestRecords.Jsonl(TestRecords.Many("p", 2)), Encoding.UTF8, "application/x-ndjson") };
            post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", writeSecret);
            using var posted = await client.SendAsync(post);
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
            Assert.Equal(2, JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement.GetProperty("stored").GetInt32());

            using var get = new HttpRequestMessage(HttpMethod.Get, "v1/summary");
            get.Headers.Authorization = new AuthenticationHeaderValue("Bearer", readSecret);
            using var summary = await client.SendAsync(get);
            Assert.Equal(2, JsonDocument.Parse(await summary.Content.ReadAsStringAsync()).RootElement.GetProperty("total").GetProperty("records").GetInt32());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        lock (output)
        {
            Assert.DoesNotContain(writeSecret, output.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(readSecret, output.ToString(), StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();
}
