using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using TokenTrace.Hosting;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace prices list|show|import</c>: the price catalogue and how model names resolve.</summary>
internal static class PricesCommand
{
    private const int MaxLayerName = 64;
    private const int MaxCatalogBytes = 64 * 1024 * 1024;

    public static Command Create()
    {
        var command = new Command("prices", """
            The price catalogue: built-in prices, imported catalogues and your overrides (later layers win).

            Examples:
              tokentrace prices list --provider anthropic
              tokentrace prices show us.anthropic.claude-sonnet-4-5-20250929-v1:0
              tokentrace prices import ./model_prices_and_context_window.json
            """);
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Import());
        return command;
    }

    private static Command List()
    {
        var provider = new Option<string?>("--provider") { Description = "Only this provider.", HelpName = "P" };
        var search = new Option<string?>("--search") { Description = "Only names containing this text.", HelpName = "TEXT" };
        var command = new Command("list", "List the prices in force today (USD per million tokens).\n\nExample:\n  tokentrace prices list --search sonnet");
        command.Options.Add(provider);
        command.Options.Add(search);
        command.SetAction(parse =>
        {
            var context = new CliContext(parse);
            var wantedProvider = parse.GetValue(provider);
            var wantedText = parse.GetValue(search);
            var entries = context.Catalog.Current()
                .Where(p => wantedProvider is null || string.Equals(p.Provider, wantedProvider, StringComparison.OrdinalIgnoreCase))
                .Where(p => wantedText is null || p.Name.Contains(wantedText, StringComparison.OrdinalIgnoreCase))
                .ToList();
            if (context.Format == "json")
            {
                JsonOutput.Write(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteStartArray("prices");
                    foreach (var price in entries)
                    {
                        WritePrice(writer, price);
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
                return ExitCodes.Success;
            }

            static decimal? PerMillion(decimal? perToken) => perToken * 1_000_000m;
            TabularOutput.Write(context, [
                OutputColumn<ModelPrice>.Label("Model", "name", p => p.Name),
                OutputColumn<ModelPrice>.Label("Provider", "provider", p => p.Provider),
                new("Input", "inputPerMillionTokens", p => PerMillion(p.Rates.Input), p => Money.PerMillion(p.Rates.Input)) { Essential = true },
                new("Output", "outputPerMillionTokens", p => PerMillion(p.Rates.Output), p => Money.PerMillion(p.Rates.Output)) { Essential = true },
                new("Cache read", "cacheReadPerMillionTokens", p => PerMillion(p.Rates.CacheRead), p => Money.PerMillion(p.Rates.CacheRead)),
                new("Cache write", "cacheWritePerMillionTokens", p => PerMillion(p.Rates.CacheWrite), p => Money.PerMillion(p.Rates.CacheWrite), Compact: false),
                new("Since", "effectiveFrom", p => p.EffectiveFrom, p => p.EffectiveFrom?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? ""),
                OutputColumn<ModelPrice>.Label("Catalogue", "catalog", p => p.Catalog, compact: false),
            ], entries);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show()
    {
        var model = new Argument<string>("MODEL") { Description = "A model name as a provider or log reports it." };
        var provider = new Option<string?>("--provider") { Description = "The provider, which can decide between entries.", HelpName = "P" };
        var at = new Option<string?>("--at") { Description = "Show the price in force on this date (YYYY-MM-DD). Default: today.", HelpName = "DATE" };
        var command = new Command("show", """
            Explain which catalogue entry a model name resolves to, by which rule, and its prices.
            Exits 2 when no entry matches.

            Example:
              tokentrace prices show claude-sonnet-4-5-20250929
            """);
        command.Arguments.Add(model);
        command.Options.Add(provider);
        command.Options.Add(at);
        command.SetAction(parse =>
        {
            var context = new CliContext(parse);
            var name = parse.GetValue(model)!;
            var when = DateTimeOffset.UtcNow;
            if (parse.GetValue(at) is { } atText)
            {
                when = DateOnly.TryParseExact(atText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                    ? new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
                    : throw new CliInputException($"--at: '{atText}' is not a date (YYYY-MM-DD)");
            }

            var resolution = context.Catalog.Resolve(name, parse.GetValue(provider), when);
            var steps = resolution?.Steps ?? context.Catalog.Explain(name, parse.GetValue(provider));
            if (context.Format == "json")
            {
                JsonOutput.Write(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("model", name);
                    writer.WriteBoolean("resolved", resolution is not null);
                    writer.WriteString("rule", resolution?.Rule);
                    writer.WriteStartArray("steps");
                    foreach (var step in steps)
                    {
                        writer.WriteStringValue(step);
                    }

                    writer.WriteEndArray();
                    if (resolution is not null)
                    {
                        writer.WritePropertyName("price");
                        WritePrice(writer, resolution.Price);
                    }

                    writer.WriteEndObject();
                });
            }
            else
            {
                var console = CliContext.Out;
                foreach (var step in steps)
                {
                    console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"  [grey]{step}[/]");
                }

                if (resolution is { Price: var price })
                {
                    console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[bold]{name}[/] → [green]{price.Name}[/] ({resolution.Rule}) from {price.Catalog}, in force since {price.EffectiveFrom?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "(undated)"}");
                    if (price.Source is not null)
                    {
                        console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"  source: {price.Source}");
                    }

                    var rows = new List<string?[]> { Rates("standard", price.Rates) };
                    rows.AddRange(price.LongContext.Select(l => Rates(string.Create(CultureInfo.InvariantCulture, $"prompt > {l.AboveTokens:N0}"), price.Rates.Overlay(l.Rates))));
                    rows.AddRange(price.ServiceTiers.Select(t => Rates(t.Key + " tier", t.Value)));
                    TabularOutput.Write("table", ["Rates (USD / 1M tokens)", "Input", "Output", "Cache read", "Cache write 5m", "Cache write 1h", "Reasoning"], rows);
                    foreach (var (unit, unitPrice) in price.PerUnit)
                    {
                        console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"  {unit}: ${unitPrice} each");
                    }

                    // Layers merge field by field, so one entry can hold rates from several catalogues: say which gave which.
                    foreach (var layer in price.RateSources.GroupBy(s => s.Value, s => s.Key, StringComparer.Ordinal))
                    {
                        var groups = layer.GroupBy(f => f.LastIndexOf('.') is var dot and > 0 ? f[..dot] : "standard", f => f[(f.LastIndexOf('.') + 1)..], StringComparer.Ordinal)
                            .Select(g => $"{g.Key} {string.Join("/", g)}");
                        console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"  from {layer.Key}: {string.Join("; ", groups)}");
                    }
                }
            }

            // Exit 2 says why on standard error, as every other exit 2 does; the resolution steps above stay data.
            if (resolution is null)
            {
                var reason = context.Catalog.SnapshotWarning(name, parse.GetValue(provider)) is { } warning ? warning + " " : "";
                CliContext.Error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]error:[/] no price for '{name}'. {reason}Add one under prices.overrides (or an alias) in tokentrace.yaml, or import a catalogue.");
                return ExitCodes.BadInput;
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Import()
    {
        var source = new Argument<string>("FILE_OR_URL") { Description = "A LiteLLM-format catalogue: a file path or an http(s) URL." };
        var allowInsecureHttp = new Option<bool>("--allow-insecure-http") { Description = "Allow a plain http URL, to a loopback host only (localhost, 127.0.0.1, ::1). Off: catalogues are fetched over https." };
        var name = new Option<string>("--name") { Description = "The layer's name (kept as ~/.tokentrace/prices/NAME.json).", DefaultValueFactory = _ => "litellm", HelpName = "NAME" };
        var command = new Command("import", """
            Import a LiteLLM-format price catalogue as a layer above the built-in prices.

            Example:
              tokentrace prices import https://example.org/model_prices_and_context_window.json
            """);
        command.Arguments.Add(source);
        command.Options.Add(name);
        command.Options.Add(allowInsecureHttp);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var from = parse.GetValue(source)!;
            var layer = parse.GetValue(name)!;
            if (layer.Length is 0 or > MaxLayerName || !layer.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw new CliInputException(string.Create(CultureInfo.InvariantCulture, $"--name: '{(layer.Length > MaxLayerName ? layer[..MaxLayerName] + "…" : layer)}' must be 1 to {MaxLayerName} letters, digits, '-' or '_'"));
            }

            byte[] content;
            if (Uri.TryCreate(from, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                if (RemoteUrlPolicy.Check(uri, parse.GetValue(allowInsecureHttp)) is { } problem)
                {
                    throw new CliInputException($"prices import: {problem}");
                }

                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
                try
                {
                    content = await http.GetByteArrayAsync(uri, cancellationToken).ConfigureAwait(false);
                }
                catch (HttpRequestException ex)
                {
                    throw new CliInputException($"{from}: download failed ({ex.Message})");
                }
            }
            else if (File.Exists(from))
            {
                if (new FileInfo(from).Length > MaxCatalogBytes)
                {
                    throw new CliInputException(string.Create(CultureInfo.InvariantCulture, $"{from}: larger than {MaxCatalogBytes / (1024 * 1024)} MB; not a price catalogue"));
                }

                content = await File.ReadAllBytesAsync(from, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                throw new CliInputException($"{from}: no such file");
            }

            PriceSheet sheet;
            try
            {
                sheet = LiteLlmCatalogReader.Read(new MemoryStream(content), $"litellm:{layer}");
            }
            catch (JsonException ex)
            {
                throw new CliInputException($"{from}: not a LiteLLM catalogue ({ex.Message})");
            }

            var invalid = sheet.Skipped.Where(s => s.Reason != "no per-token input or output price").ToList();
            if (sheet.Prices.Count == 0)
            {
                var detail = invalid.Count > 0 ? $" ({invalid.Count.ToString(CultureInfo.InvariantCulture)} invalid; entry '{invalid[0].Name}': {invalid[0].Reason})" : "";
                throw new CliInputException($"{from}: no entry with valid per-token prices{detail}; nothing imported");
            }

            // A catalogue of thousands of entries with a few broken ones (a price per thousand tokens given per token, a
            // typo) is still worth importing: the bad entries are named and left out, never loaded with a wrong price.
            foreach (var (name, reason) in invalid.Take(10))
            {
                context.Warn($"{from}: entry '{name}': {reason}; skipped");
            }

            if (invalid.Count > 10)
            {
                context.Warn(string.Create(CultureInfo.InvariantCulture, $"{from}: … and {invalid.Count - 10} more invalid entries skipped"));
            }

            var directory = TokenTraceEnvironment.ImportedCatalogDirectory;
            SecureFile.EnsureDirectory(directory);
            var target = Path.Combine(directory, layer + ".json");
            await SecureFile.WriteAllBytesAtomicAsync(target, content, cancellationToken).ConfigureAwait(false);
            context.Info(string.Create(CultureInfo.InvariantCulture, $"Imported {sheet.Prices.Count:N0} priced entries into {target} ({sheet.Skipped.Count - invalid.Count:N0} without token prices and {invalid.Count:N0} invalid skipped)."));
            context.Info("Run `tokentrace reprice` to apply them to stored records.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static string?[] Rates(string label, TokenRates r) =>
        [label, Money.PerMillion(r.Input), Money.PerMillion(r.Output), Money.PerMillion(r.CacheRead), Money.PerMillion(r.CacheWrite), Money.PerMillion(r.CacheWrite1h), Money.PerMillion(r.Reasoning)];

    private static void WritePrice(Utf8JsonWriter writer, ModelPrice price)
    {
        writer.WriteStartObject();
        writer.WriteString("name", price.Name);
        writer.WriteString("provider", price.Provider);
        writer.WriteString("effectiveFrom", price.EffectiveFrom?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        writer.WriteString("catalog", price.Catalog);
        writer.WriteString("source", price.Source);
        WriteRates(writer, "perMillionTokens", price.Rates);
        writer.WriteStartArray("longContext");
        foreach (var tier in price.LongContext)
        {
            writer.WriteStartObject();
            writer.WriteNumber("aboveTokens", tier.AboveTokens);
            WriteRates(writer, "perMillionTokens", tier.Rates);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartObject("serviceTiers");
        foreach (var (tier, rates) in price.ServiceTiers)
        {
            WriteRates(writer, tier, rates);
        }

        writer.WriteEndObject();
        writer.WriteStartObject("rateSources");
        foreach (var (field, layer) in price.RateSources.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            writer.WriteString(field, layer);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteRates(Utf8JsonWriter writer, string name, TokenRates rates)
    {
        writer.WriteStartObject(name);
        Write("input", rates.Input);
        Write("output", rates.Output);
        Write("cacheRead", rates.CacheRead);
        Write("cacheWrite", rates.CacheWrite);
        Write("cacheWrite1h", rates.CacheWrite1h);
        Write("reasoning", rates.Reasoning);
        writer.WriteEndObject();

        void Write(string field, decimal? value)
        {
            if (value is { } v)
            {
                writer.WriteNumber(field, v * 1_000_000m / 1.000000000000000000000m);
            }
        }
    }
}
