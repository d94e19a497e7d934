using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace TokenTrace.Cli;

/// <summary><c>tokentrace rotate</c>: applies the <c>files:</c> rotation, archiving and retention policy to a JSONL or CSV ledger.</summary>
internal static class RotateCommand
{
    public static Command Create()
    {
        var command = new Command("rotate", """
            Rotate, gzip-archive and prune a JSONL or CSV ledger as the config's `files:` section says
            (compressAfterDays, retentionDays, maxFileBytes). Safe to run from cron while others append.

            Example:
              tokentrace rotate --ledger jsonl:~/.tokentrace/usage
            """);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var ledger = context.OpenLedger();
            await using (ledger.ConfigureAwait(false))
            {
                if (ledger.GetService<ILedgerMaintenance>() is not { } maintenance)
                {
                    context.Info($"{ledger.Spec} does not rotate; back it up as docs/runbook/backup-and-recovery.md describes.");
                    return ExitCodes.Success;
                }

                var result = await maintenance.MaintainAsync(DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
                if (!context.Quiet)
                {
                    CliContext.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{result.Rotated} rotated, {result.Compressed} archived, {result.Deleted} deleted.");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
