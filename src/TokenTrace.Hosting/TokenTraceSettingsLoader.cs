using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TokenTrace.Hosting;

/// <summary>
/// Loads <c>tokentrace.yaml</c>: reads it as strict UTF-8, parses YAML, substitutes environment variables in values,
/// checks every key and value (naming the line of anything unexpected), then applies <c>TOKENTRACE_LEDGER</c> and <c>TOKENTRACE_REGION</c>.
/// </summary>
public static class TokenTraceSettingsLoader
{
    /// <summary>Loads the config file in effect (see <see cref="TokenTraceEnvironment.FindConfigFile"/>), or defaults when there is none.</summary>
    /// <exception cref="ConfigurationException">The file is missing (when named explicitly) or malformed.</exception>
    public static TokenTraceOptions Load(string? explicitPath = null, Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var path = TokenTraceEnvironment.FindConfigFile(explicitPath);
        TokenTraceOptions settings;
        if (path is null)
        {
            settings = new TokenTraceOptions();
        }
        else
        {
            if (!File.Exists(path))
            {
                throw new ConfigurationException(path, 0, "the config file does not exist");
            }

            settings = Parse(ReadText(path), path, getVariable);
        }

        if (getVariable("TOKENTRACE_LEDGER") is { Length: > 0 } ledger)
        {
            settings.Ledger = ledger;
        }

        if (getVariable("TOKENTRACE_REGION") is { Length: > 0 } region)
        {
            settings.Region = region;
        }

        return settings;
    }

    /// <summary>
    /// Parses configuration text. <c>${VAR}</c> references are replaced in parsed values only (see
    /// <see cref="EnvironmentSubstitution"/>), so a variable cannot add keys, and errors never echo a variable's value.
    /// </summary>
    /// <exception cref="ConfigurationException">The text is malformed; the message names <paramref name="path"/> and the line.</exception>
    public static TokenTraceOptions Parse(string text, string path, Func<string, string?>? getVariable = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var stream = new YamlStream();
        try
        {
            // Building the node tree recurses once per level: refuse absurd nesting first, with a parser that does not.
            CheckDepth(text, path);
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new ConfigurationException(path, ex.Start.Line, $"not valid YAML: {Inner(ex).Message}", ex);
        }

        var settings = new TokenTraceOptions { SourcePath = path };
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return settings;
        }

        var reader = new Reader(path, getVariable ?? Environment.GetEnvironmentVariable);
        var root = reader.Mapping(stream.Documents[0].RootNode, "the top level");
        foreach (var (key, value) in reader.Entries(root, "ledger", "region", "files", "prices", "impact", "budgets", "alerts", "exporters", "kiro"))
        {
            switch (key)
            {
                case "ledger":
                    settings.Ledger = ReadLedgerSpec(reader, value, key);
                    break;
                case "region":
                    settings.Region = reader.Text(value, key);
                    break;
                case "files":
                    settings.Files = ReadFiles(reader, value);
                    break;
                case "prices":
                    ReadPrices(reader, value, settings.Prices);
                    break;
                case "impact":
                    ReadImpact(reader, value, settings.Impact);
                    break;
                case "budgets":
                    foreach (var item in reader.Sequence(value, key))
                    {
                        settings.Budgets.Add(ReadBudget(reader, item));
                    }

                    break;
                case "alerts":
                    ReadAlerts(reader, value, settings.Alerts);
                    break;
                case "exporters":
                    settings.Exporters = ReadExporters(reader, value);
                    break;
                case "kiro":
                    settings.Kiro = ReadKiro(reader, value);
                    break;
            }
        }

        return settings;
    }

    private static string ReadLedgerSpec(Reader reader, YamlNode node, string what)
    {
        var spec = reader.Text(node, what);
        try
        {
            // Only the syntax: which schemes exist is up to the program's ledger registry.
            if (!TokenTrace.LedgerSpec.TryParse(spec, out _) && !spec.EndsWith(".db", StringComparison.OrdinalIgnoreCase)
                && !spec.EndsWith(".sqlite", StringComparison.OrdinalIgnoreCase))
            {
                throw new FormatException($"{what} '{spec}': expected SCHEME:LOCATION (sqlite:PATH, jsonl:DIR, csv:FILE), a URL, or a path ending in .db");
            }
        }
        catch (FormatException ex)
        {
            throw reader.Error(node, ex.Message);
        }

        return spec;
    }

    private static KiroSettings ReadKiro(Reader reader, YamlNode node)
    {
        var kiro = new KiroSettings();
        foreach (var (key, value) in reader.Entries(reader.Mapping(node, "kiro"), "enabled", "ledger", "model"))
        {
            switch (key)
            {
                case "enabled":
                    kiro.Enabled = reader.Text(value, "kiro.enabled").ToLowerInvariant() switch
                    {
                        "true" => true,
                        "false" => false,
                        _ => throw reader.Error(value, "'kiro.enabled': expected true or false"),
                    };
                    break;
                case "ledger":
                    kiro.Ledger = ReadLedgerSpec(reader, value, "kiro.ledger");
                    break;
                default:
                    kiro.Model = reader.Text(value, "kiro.model");
                    break;
            }
        }

        return kiro;
    }

    private static void ReadAlerts(Reader reader, YamlNode node, AlertSettings alerts)
    {
        var hooks = new List<(YamlNode Node, string Url, string? Secret)>();
        foreach (var (key, value) in reader.Entries(reader.Mapping(node, "alerts"), "webhooks", "allowInsecureHttp"))
        {
            if (key == "allowInsecureHttp")
            {
                alerts.AllowInsecureHttp = reader.Text(value, key).ToLowerInvariant() switch
                {
                    "true" => true,
                    "false" => false,
                    _ => throw reader.Error(value, "'allowInsecureHttp': expected true or false"),
                };
                continue;
            }

            foreach (var hook in reader.Sequence(value, key))
            {
                string? url = null, secret = null;
                foreach (var (field, fieldValue) in reader.Entries(reader.Mapping(hook, "webhooks[]"), "url", "secret"))
                {
                    if (field == "url")
                    {
                        url = reader.Text(fieldValue, "url");
                    }
                    else
                    {
                        secret = reader.Text(fieldValue, "secret");
                    }
                }

                if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    throw reader.Error(hook, "a webhook needs 'url', an absolute http(s) URL");
                }

                hooks.Add((hook, url, secret));
            }
        }

        // Checked after the whole section is read, so that allowInsecureHttp may come after the webhooks.
        foreach (var (hook, url, secret) in hooks)
        {
            if (RemoteUrlPolicy.Check(new Uri(url), alerts.AllowInsecureHttp) is { } problem)
            {
                throw reader.Error(hook, $"webhook 'url': {problem}");
            }

            alerts.Webhooks.Add(new AlertWebhook { Url = url, Secret = secret });
        }
    }

    private static ExporterSettings ReadExporters(Reader reader, YamlNode node)
    {
        var exporters = new ExporterSettings();
        foreach (var (key, value) in reader.Entries(reader.Mapping(node, "exporters"), "logging", "jsonl", "webhook"))
        {
            switch (key)
            {
                case "logging":
                    exporters.Logging = reader.Flag(value, "exporters.logging");
                    break;
                case "jsonl":
                    var jsonl = new JsonlExporterSettings();
                    foreach (var (field, fieldValue) in reader.Entries(reader.Mapping(value, "exporters.jsonl"), "path", "batchSize", "capacity", "intervalSeconds", "drainTimeoutSeconds"))
                    {
                        var what = "exporters.jsonl." + field;
                        switch (field)
                        {
                            case "path": jsonl.Path = reader.Text(fieldValue, what); break;
                            case "batchSize": jsonl.BatchSize = (int)reader.Whole(fieldValue, what, 1, 100_000); break;
                            case "capacity": jsonl.Capacity = (int)reader.Whole(fieldValue, what, 1, 10_000_000); break;
                            case "intervalSeconds": jsonl.IntervalSeconds = reader.Seconds(fieldValue, what); break;
                            default: jsonl.DrainTimeoutSeconds = reader.Seconds(fieldValue, what); break;
                        }
                    }

                    if (string.IsNullOrEmpty(jsonl.Path))
                    {
                        throw reader.Error(value, "'exporters.jsonl': needs 'path', the file records are appended to");
                    }

                    exporters.Jsonl = jsonl;
                    break;
                default:
                    exporters.Webhook = ReadWebhookExporter(reader, value);
                    break;
            }
        }

        return exporters;
    }

    private static WebhookExporterSettings ReadWebhookExporter(Reader reader, YamlNode node)
    {
        var webhook = new WebhookExporterSettings();
        foreach (var (field, value) in reader.Entries(reader.Mapping(node, "exporters.webhook"),
            "url", "secret", "allowInsecureHttp", "batchSize", "capacity", "intervalSeconds", "drainTimeoutSeconds", "maxAttempts", "retryDelaySeconds"))
        {
            var what = "exporters.webhook." + field;
            switch (field)
            {
                case "url": webhook.Url = reader.Text(value, what); break;
                case "secret": webhook.Secret = reader.Text(value, what); break;
                case "allowInsecureHttp": webhook.AllowInsecureHttp = reader.Flag(value, what); break;
                case "batchSize": webhook.BatchSize = (int)reader.Whole(value, what, 1, 100_000); break;
                case "capacity": webhook.Capacity = (int)reader.Whole(value, what, 1, 10_000_000); break;
                case "intervalSeconds": webhook.IntervalSeconds = reader.Seconds(value, what); break;
                case "drainTimeoutSeconds": webhook.DrainTimeoutSeconds = reader.Seconds(value, what); break;
                case "maxAttempts": webhook.MaxAttempts = (int)reader.Whole(value, what, 1, 10); break;
                default: webhook.RetryDelaySeconds = reader.Seconds(value, what); break;
            }
        }

        // The whole section is read first, so that allowInsecureHttp may come after the URL. Neither URL nor secret is echoed.
        if (webhook.TryGetUri() is not { } uri)
        {
            throw reader.Error(node, "'exporters.webhook': needs 'url', an absolute https URL");
        }

        if (RemoteUrlPolicy.Check(uri, webhook.AllowInsecureHttp) is { } problem)
        {
            throw reader.Error(node, $"'exporters.webhook.url': {problem}");
        }

        if (string.IsNullOrEmpty(webhook.Secret))
        {
            throw reader.Error(node, "'exporters.webhook': needs 'secret', the shared secret batches are signed with (write secret: ${YOUR_VARIABLE} to keep it out of the file)");
        }

        return webhook;
    }

    private static FileLedgerSettings ReadFiles(Reader reader, YamlNode node)
    {
        var files = new FileLedgerSettings();
        foreach (var (key, value) in reader.Entries(reader.Mapping(node, "files"), "compressAfterDays", "retentionDays", "maxFileBytes"))
        {
            switch (key)
            {
                case "compressAfterDays": files.CompressAfterDays = (int)reader.Whole(value, key, 0, 36_500); break;
                case "retentionDays": files.RetentionDays = (int)reader.Whole(value, key, 1, 36_500); break;
                default: files.MaxFileBytes = reader.Whole(value, key, 1024, long.MaxValue); break;
            }
        }

        return files;
    }

    private static BudgetSettings ReadBudget(Reader reader, YamlNode node)
    {
        var mapping = reader.Mapping(node, "budgets[]");
        string? name = null, period = null, timeZone = "UTC";
        decimal? limit = null;
        var unit = "usd";
        var mode = BudgetMode.Soft;
        List<int>? alertAt = null;
        var scope = new List<string>();
        foreach (var (key, value) in reader.Entries(mapping, "name", "limit", "unit", "period", "timeZone", "scope", "alertAt", "mode"))
        {
            switch (key)
            {
                case "name": name = reader.Text(value, key); break;
                case "limit": limit = reader.Number(value, key); break;
                case "period": period = reader.Text(value, key); break;
                case "timeZone": timeZone = reader.Text(value, key); break;
                case "unit":
                    unit = reader.Text(value, key);
                    try
                    {
                        _ = BudgetUnits.Parse(unit);
                    }
                    catch (FormatException ex)
                    {
                        throw reader.Error(value, ex.Message);
                    }

                    break;
                case "mode":
                    mode = reader.Text(value, key).ToLowerInvariant() switch
                    {
                        "hard" => BudgetMode.Hard,
                        "soft" => BudgetMode.Soft,
                        _ => throw reader.Error(value, "'mode': expected soft or hard"),
                    };
                    break;
                case "alertAt":
                    alertAt = [.. reader.Sequence(value, key).Select(v => (int)reader.Whole(v, "alertAt[]", 1, 1000))];
                    break;
                default:
                    foreach (var (field, fieldValue) in reader.Entries(reader.Mapping(value, "scope")))
                    {
                        scope.Add(field + "=" + reader.Text(fieldValue, $"scope.{field}"));
                    }

                    break;
            }
        }

        if (name is null || period is null || limit is null)
        {
            throw reader.Error(node, "a budget needs 'name', 'limit' and 'period'");
        }

        try
        {
            var budget = new BudgetSettings
            {
                Name = name, Limit = limit.Value, Unit = unit, Period = period, TimeZone = timeZone, Mode = mode, AlertAt = alertAt, Scope = scope,
            };
            _ = budget.ToBudget();
            return budget;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw reader.Error(node, ex.Message);
        }
    }

    private static void ReadImpact(Reader reader, YamlNode node, ImpactSettings impact)
    {
        foreach (var (key, value) in reader.Entries(reader.Mapping(node, "impact"), "basis", "regions"))
        {
            if (key == "basis")
            {
                impact.Basis = reader.Text(value, "basis").ToLowerInvariant() switch
                {
                    "location" => CarbonBasis.Location,
                    "market" => CarbonBasis.Market,
                    _ => throw reader.Error(value, "'basis': expected location or market"),
                };
            }
            else
            {
                foreach (var (name, region) in reader.Entries(reader.Mapping(value, "regions")))
                {
                    var id = reader.Text(region, $"regions.{name}");
                    if (ImpactTables.Default.FindGrid(id) is null)
                    {
                        throw reader.Error(region, $"'regions.{name}': unknown region or country '{id}' (see `tokentrace carbon --regions`)");
                    }

                    impact.Regions[name] = id;
                }
            }
        }
    }

    private static void ReadPrices(Reader reader, YamlNode node, PriceSettings prices)
    {
        foreach (var (key, value) in reader.Entries(reader.Mapping(node, "prices"), "catalogs", "aliases", "patterns", "overrides"))
        {
            switch (key)
            {
                case "catalogs":
                    foreach (var item in reader.Sequence(value, key))
                    {
                        prices.Catalogs.Add(TokenTrace.LedgerSpec.ExpandHome(reader.Text(item, "catalogs[]")));
                    }

                    break;
                case "aliases":
                    foreach (var (alias, target) in reader.Entries(reader.Mapping(value, key)))
                    {
                        prices.Aliases[alias] = reader.Text(target, $"aliases.{alias}");
                    }

                    break;
                case "patterns":
                    foreach (var item in reader.Sequence(value, key))
                    {
                        string? match = null, model = null;
                        foreach (var (field, fieldValue) in reader.Entries(reader.Mapping(item, "patterns[]"), "match", "model"))
                        {
                            if (field == "match")
                            {
                                match = reader.Text(fieldValue, "match");
                                try
                                {
                                    // Compiled as the catalogue will compile it: non-backtracking where the pattern allows, else with a match timeout.
                                    _ = PriceCatalog.CreateBuilder(includeBuiltIn: false).AddPattern(match, "check");
                                }
                                catch (ArgumentException ex)
                                {
                                    throw reader.Error(fieldValue, $"'match' is not a valid regular expression: {ex.Message}");
                                }
                            }
                            else
                            {
                                model = reader.Text(fieldValue, "model");
                            }
                        }

                        if (match is null || model is null)
                        {
                            throw reader.Error(item, "a pattern needs both 'match' (a regular expression) and 'model' (a catalogue entry)");
                        }

                        prices.Patterns.Add(new PricePattern { Match = match, Model = model });
                    }

                    break;
                case "overrides":
                    foreach (var (model, price) in reader.Entries(reader.Mapping(value, key)))
                    {
                        prices.Overrides.Add(ReadOverride(reader, model, price));
                    }

                    break;
            }
        }
    }

    private static PriceOverride ReadOverride(Reader reader, string model, YamlNode node)
    {
        var mapping = reader.Mapping(node, $"overrides.{model}");
        var price = ReadRates(reader, mapping, model, allowOthers: true, new PriceOverride { Model = model });
        foreach (var (key, value) in reader.Entries(mapping, "provider", "effectiveFrom", "input", "output", "cacheRead", "cacheWrite", "cacheWrite1h", "reasoning", "longContext", "tiers"))
        {
            switch (key)
            {
                case "provider":
                    price.Provider = reader.Text(value, key);
                    break;
                case "effectiveFrom":
                    price.EffectiveFrom = DateOnly.TryParseExact(reader.Text(value, key), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                        ? day : throw reader.Error(value, "'effectiveFrom' must be a date written yyyy-MM-dd");
                    break;
                case "longContext":
                    foreach (var item in reader.Sequence(value, key))
                    {
                        var itemMapping = reader.Mapping(item, "longContext[]");
                        var above = reader.Entries(itemMapping, "above", "input", "output", "cacheRead", "cacheWrite", "cacheWrite1h", "reasoning").FirstOrDefault(e => e.Key == "above");
                        if (above.Value is null)
                        {
                            throw reader.Error(item, "a longContext entry needs 'above' (a prompt size in tokens)");
                        }

                        price.LongContext.Add(ReadRates(reader, itemMapping, model, allowOthers: true, new LongContextOverride { Above = reader.Whole(above.Value, "above", 1, UsageLimits.MaxLongContextThreshold) }));
                    }

                    break;
                case "tiers":
                    foreach (var (tier, tierNode) in reader.Entries(reader.Mapping(value, key)))
                    {
                        price.Tiers[tier] = ReadRates(reader, reader.Mapping(tierNode, $"tiers.{tier}"), model, allowOthers: false, new PerMillionRates());
                    }

                    break;
            }
        }

        if (price.Input is null && price.Output is null)
        {
            throw reader.Error(node, $"override '{model}' needs at least 'input' or 'output' (USD per million tokens)");
        }

        return price;
    }

    private static T ReadRates<T>(Reader reader, YamlMappingNode mapping, string model, bool allowOthers, T rates)
        where T : PerMillionRates
    {
        decimal? Rate(string name)
        {
            foreach (var (key, value) in reader.Entries(mapping))
            {
                if (key == name)
                {
                    var rate = reader.Number(value, $"{model}.{name}");
                    return rate <= PerMillionRates.MaxPerMillion
                        ? rate
                        : throw reader.Error(value, string.Create(CultureInfo.InvariantCulture, $"'{model}.{name}': {rate} is above the limit of {PerMillionRates.MaxPerMillion} USD per million tokens (docs/methodology/limits.md)"));
                }
            }

            return null;
        }

        if (!allowOthers)
        {
            _ = reader.Entries(mapping, "input", "output", "cacheRead", "cacheWrite", "cacheWrite1h", "reasoning").ToList();
        }

        rates.Input = Rate("input");
        rates.Output = Rate("output");
        rates.CacheRead = Rate("cacheRead");
        rates.CacheWrite = Rate("cacheWrite");
        rates.CacheWrite1h = Rate("cacheWrite1h");
        rates.Reasoning = Rate("reasoning");
        return rates;
    }

    private static Exception Inner(Exception ex) => ex.InnerException is { } inner && inner is not YamlException ? inner : ex;

    /// <summary>The deepest nesting of mappings and sequences a config file may have; real ones use fewer than ten.</summary>
    private const int MaxDepth = 64;

    /// <summary>Walks the parser's events (no recursion) and refuses nesting deeper than <see cref="MaxDepth"/>.</summary>
    private static void CheckDepth(string text, string path)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++depth > MaxDepth)
                    {
                        throw new ConfigurationException(path, parser.Current.Start.Line, string.Create(CultureInfo.InvariantCulture, $"nested more than {MaxDepth} levels deep"));
                    }

                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
            }
        }
    }

    /// <summary>Reads the file as strict UTF-8: an invalid byte is an error naming its line, never a silent replacement character.</summary>
    private static string ReadText(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(path, 0, $"cannot read the config file: {ex.Message}", ex);
        }

        var chars = new char[bytes.Length];
        var status = System.Text.Unicode.Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false);
        if (status != System.Buffers.OperationStatus.Done)
        {
            var line = bytes.AsSpan(0, read).Count((byte)'\n') + 1;
            throw new ConfigurationException(path, line, string.Create(CultureInfo.InvariantCulture, $"not valid UTF-8 (byte offset {read})"));
        }

        var text = new string(chars, 0, written);
        return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
    }

    /// <summary>
    /// Typed access to YAML nodes, every failure naming the file and line. Values pass through
    /// <see cref="EnvironmentSubstitution"/> here, and an error never shows a substituted value: it shows the
    /// <c>${VAR}</c> written in the file instead.
    /// </summary>
    private sealed class Reader(string path, Func<string, string?> getVariable)
    {
        private readonly List<(string Value, string Written)> _substituted = [];

        public string Path { get; } = path;

        public ConfigurationException Error(YamlNode node, string problem)
        {
            foreach (var (value, written) in _substituted.OrderByDescending(s => s.Value.Length))
            {
                problem = problem.Replace(value, written, StringComparison.Ordinal);
            }

            return new(Path, node.Start.Line, problem);
        }

        public YamlMappingNode Mapping(YamlNode node, string what) =>
            node as YamlMappingNode ?? throw Error(node, $"{what}: expected a mapping of keys to values");

        public IEnumerable<YamlNode> Sequence(YamlNode node, string what) =>
            node as YamlSequenceNode ?? throw Error(node, $"'{what}': expected a list");

        public IEnumerable<(string Key, YamlNode Value)> Entries(YamlMappingNode mapping, params string[] allowed)
        {
            foreach (var (keyNode, value) in mapping.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? throw Error(keyNode, "keys must be plain text");
                if (allowed.Length > 0 && Array.IndexOf(allowed, key) < 0)
                {
                    throw Error(keyNode, $"unknown key '{key}'; expected one of: {string.Join(", ", allowed)}");
                }

                yield return (key, value);
            }
        }

        public string Text(YamlNode node, string what)
        {
            if (node is not YamlScalarNode { Value: { Length: > 0 } written })
            {
                throw Error(node, $"'{what}': expected a value");
            }

            var value = EnvironmentSubstitution.ApplyToValue(written, Path, node.Start.Line, what, getVariable, out var substituted);
            if (substituted && value.Length > 0)
            {
                _substituted.Add((value, written));
            }

            return value.Length > 0 ? value : throw Error(node, $"'{what}': expected a value");
        }

        public decimal Number(YamlNode node, string what) =>
            decimal.TryParse(Text(node, what), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0
                ? value : throw Error(node, $"'{what}': expected a number of at least 0 (USD per million tokens)");

        public bool Flag(YamlNode node, string what) => Text(node, what).ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => throw Error(node, $"'{what}': expected true or false"),
        };

        public double Seconds(YamlNode node, string what) =>
            double.TryParse(Text(node, what), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value is >= 0 and <= 86_400
                ? value : throw Error(node, $"'{what}': expected a number of seconds from 0 to 86400");

        public long Whole(YamlNode node, string what, long min, long max) =>
            long.TryParse(Text(node, what), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                ? value : throw Error(node, string.Create(CultureInfo.InvariantCulture, $"'{what}': expected a whole number from {min} to {max}"));
    }
}
