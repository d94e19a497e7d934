using System.Globalization;
using Microsoft.Extensions.Options;

namespace TokenTrace.Hosting;

/// <summary>
/// Checks <see cref="TokenTraceOptions"/> when the host starts, so a bad setting stops the app at once with a message
/// naming the option, instead of surfacing at the first model call.
/// </summary>
internal sealed class TokenTraceOptionsValidator(UsageLedgerFactory ledgers) : IValidateOptions<TokenTraceOptions>
{
    public ValidateOptionsResult Validate(string? name, TokenTraceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        void Fail(string message) => failures.Add(message);

        try
        {
            if (options.Tracker is null)
            {
                Fail("Tracker: must be set");
            }
            else
            {
                options.Tracker.Validate();
            }
        }
        catch (ArgumentOutOfRangeException ex)
        {
            Fail(string.Create(CultureInfo.InvariantCulture, $"Tracker:{ex.ParamName}: {ex.Message.Split(" (Parameter", 2)[0]}"));
        }

        if (options.Ledger is not null)
        {
            try
            {
                // The registry in use decides which stores exist, so an unknown scheme stops the app at start.
                _ = ledgers.Parse(options.Ledger);
            }
            catch (FormatException ex)
            {
                Fail($"Ledger: {ex.Message}");
            }
        }

        if (options.Kiro is { } kiro)
        {
            if (kiro.Ledger is not null)
            {
                try
                {
                    _ = ledgers.Parse(kiro.Ledger);
                }
                catch (FormatException ex)
                {
                    Fail($"Kiro.Ledger: {ex.Message}");
                }
            }

            if (string.IsNullOrWhiteSpace(kiro.Model))
            {
                Fail("Kiro.Model: expected the model name Kiro hook records carry (default kiro)");
            }
        }

        if (options.Region is { } region && ImpactTables.Default.FindGrid(region) is null)
        {
            Fail($"Region: unknown region or country '{region}'");
        }

        foreach (var (key, id) in options.Impact.Regions)
        {
            if (ImpactTables.Default.FindGrid(id) is null)
            {
                Fail($"Impact.Regions[{key}]: unknown region or country '{id}'");
            }
        }

        if (options.Files is { } files)
        {
            if (files.CompressAfterDays is < 0)
            {
                Fail($"Files.CompressAfterDays must not be negative, not {files.CompressAfterDays}");
            }

            if (files.RetentionDays is < 1)
            {
                Fail($"Files.RetentionDays must be at least 1, not {files.RetentionDays}");
            }

            if (files.MaxFileBytes is < 1024)
            {
                Fail($"Files.MaxFileBytes must be at least 1024, not {files.MaxFileBytes}");
            }

            if (files.LockTimeout is { } timeout && timeout <= TimeSpan.Zero)
            {
                Fail($"Files.LockTimeout must be more than zero, not {timeout}");
            }
        }

        ValidatePrices(options.Prices, Fail);
        for (var i = 0; i < options.Budgets.Count; i++)
        {
            try
            {
                _ = options.Budgets[i].ToBudget();
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                Fail($"Budgets[{i}]: {ex.Message}");
            }
        }

        for (var i = 0; i < options.Alerts.Webhooks.Count; i++)
        {
            // The URL is not echoed: webhook URLs often carry tokens.
            if (options.Alerts.Webhooks[i].TryGetUri() is not { } uri)
            {
                Fail($"Alerts.Webhooks[{i}].Url: expected an absolute https URL");
            }
            else if (RemoteUrlPolicy.Check(uri, options.Alerts.AllowInsecureHttp) is { } problem)
            {
                Fail($"Alerts.Webhooks[{i}].Url: {problem}");
            }
        }

        ValidateExporters(options.Exporters, Fail);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateExporters(ExporterSettings? exporters, Action<string> fail)
    {
        if (exporters is null)
        {
            fail("Exporters: must be set");
            return;
        }

        if (exporters.Jsonl is { } jsonl)
        {
            try
            {
                jsonl.ToOptions().Validate();
                var folder = Path.GetDirectoryName(Path.GetFullPath(jsonl.Path));
                if (File.Exists(folder))
                {
                    fail($"Exporters.Jsonl.Path: '{jsonl.Path}' is inside '{folder}', which is a file, not a folder");
                }
            }
            catch (ArgumentException ex)
            {
                fail($"Exporters.Jsonl.{Describe(ex)}");
            }
        }

        if (exporters.Webhook is { } webhook)
        {
            // Neither the URL nor the secret is echoed: webhook URLs often carry tokens.
            if (webhook.TryGetUri() is not { } uri)
            {
                fail("Exporters.Webhook.Url: expected an absolute https URL");
            }
            else if (RemoteUrlPolicy.Check(uri, webhook.AllowInsecureHttp) is { } problem)
            {
                fail($"Exporters.Webhook.Url: {problem}");
            }

            if (string.IsNullOrEmpty(webhook.Secret))
            {
                fail("Exporters.Webhook.Secret: expected the shared secret batches are signed with (HMAC-SHA256); in YAML write secret: ${YOUR_VARIABLE}");
            }

            if (webhook.MaxAttempts is < 1 or > 10)
            {
                fail(string.Create(CultureInfo.InvariantCulture, $"Exporters.Webhook.MaxAttempts must be between 1 and 10, not {webhook.MaxAttempts}"));
            }

            try
            {
                _ = webhook.RetryDelay;
                webhook.ToOptions().Batching.Validate();
            }
            catch (ArgumentException ex)
            {
                fail($"Exporters.Webhook.{Describe(ex)}");
            }
        }
    }

    /// <summary>"Option: problem", from an exception whose message may already start with the option's name.</summary>
    private static string Describe(ArgumentException ex)
    {
        var message = ex.Message.Split(" (Parameter", 2)[0];
        return ex.ParamName is { } name && !message.StartsWith(name + ":", StringComparison.Ordinal) ? $"{name}: {message}" : message;
    }

    private static void ValidatePrices(PriceSettings prices, Action<string> fail)
    {
        for (var i = 0; i < prices.Catalogs.Count; i++)
        {
            if (!File.Exists(prices.Catalogs[i]))
            {
                fail($"Prices.Catalogs[{i}]: the file '{prices.Catalogs[i]}' does not exist");
            }
        }

        for (var i = 0; i < prices.Patterns.Count; i++)
        {
            var pattern = prices.Patterns[i];
            if (string.IsNullOrWhiteSpace(pattern.Model))
            {
                fail($"Prices.Patterns[{i}].Model: expected the catalogue entry that matching names are priced as");
            }

            if (string.IsNullOrEmpty(pattern.Match))
            {
                fail($"Prices.Patterns[{i}].Match: expected a regular expression over model names");
                continue;
            }

            try
            {
                _ = PriceCatalog.CreateBuilder(includeBuiltIn: false).AddPattern(pattern.Match, "check");
            }
            catch (ArgumentException ex)
            {
                fail($"Prices.Patterns[{i}].Match: not a valid regular expression: {ex.Message}");
            }
        }

        for (var i = 0; i < prices.Overrides.Count; i++)
        {
            var price = prices.Overrides[i];
            if (string.IsNullOrWhiteSpace(price.Model))
            {
                fail($"Prices.Overrides[{i}].Model: expected the model name the prices are for");
            }

            if (price.Input is null && price.Output is null)
            {
                fail($"Prices.Overrides[{i}] ({price.Model}): needs at least Input or Output (USD per million tokens)");
            }

            if (price.FindNegative() is { } negative)
            {
                fail($"Prices.Overrides[{i}].{negative} ({price.Model}): a rate must not be negative");
            }
            else if (price.FindOutOfRange() is { } tooLarge)
            {
                fail(string.Create(CultureInfo.InvariantCulture, $"Prices.Overrides[{i}].{tooLarge} ({price.Model}): a rate is USD per million tokens and must be at most {PerMillionRates.MaxPerMillion} (docs/methodology/limits.md)"));
            }

            for (var j = 0; j < price.LongContext.Count; j++)
            {
                var longContext = price.LongContext[j];
                if (longContext.Above is < 0 or > UsageLimits.MaxLongContextThreshold)
                {
                    fail(string.Create(CultureInfo.InvariantCulture, $"Prices.Overrides[{i}].LongContext[{j}].Above ({price.Model}): {longContext.Above} is outside 0..{UsageLimits.MaxLongContextThreshold} tokens"));
                }

                if (longContext.FindOutOfRange() is { } rate)
                {
                    fail(string.Create(CultureInfo.InvariantCulture, $"Prices.Overrides[{i}].LongContext[{j}].{rate} ({price.Model}): a rate must be within 0..{PerMillionRates.MaxPerMillion} USD per million tokens"));
                }
            }

            foreach (var (tier, rates) in price.Tiers)
            {
                if (rates.FindOutOfRange() is { } rate)
                {
                    fail(string.Create(CultureInfo.InvariantCulture, $"Prices.Overrides[{i}].Tiers.{tier}.{rate} ({price.Model}): a rate must be within 0..{PerMillionRates.MaxPerMillion} USD per million tokens"));
                }
            }
        }
    }
}
