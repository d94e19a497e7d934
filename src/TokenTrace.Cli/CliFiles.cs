using TokenTrace.PostgreSql;
using TokenTrace.Sqlite;

namespace TokenTrace.Cli;

/// <summary>
/// Files the commands write (exports, reports): owner-only (0600); a path that cannot be written, or that is the ledger
/// itself, is bad input.
/// </summary>
internal static class CliFiles
{
    /// <summary>The files SQLite keeps beside a database while it is in use.</summary>
    private static readonly string[] SqliteSideFiles = ["-wal", "-shm", "-journal"];

    private static readonly StringComparison PathComparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>
    /// Creates (or truncates) <paramref name="path"/> for writing; a new file is readable by its owner only. A path that is
    /// the ledger <paramref name="ledgerSpec"/> names, one of SQLite's files beside it or a file in a folder ledger is
    /// refused before it is opened: opening it truncated the records the command was about to read.
    /// </summary>
    public static FileStream Create(string path, string option, string ledgerSpec)
    {
        ThrowIfLedger(path, option, ledgerSpec);
        try
        {
            if (Directory.Exists(path))
            {
                throw new CliInputException($"{option}: '{path}' is a folder; give a file name");
            }

            return SecureFile.Open(path, FileMode.Create, FileAccess.Write, FileShare.None);
        }
        catch (DirectoryNotFoundException)
        {
            throw new CliInputException($"{option}: cannot write '{path}': the folder '{Path.GetDirectoryName(Path.GetFullPath(path))}' does not exist");
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CliInputException($"{option}: cannot write '{path}': {ex.Message}");
        }
        catch (IOException ex) when (ex is not FileNotFoundException)
        {
            throw new CliInputException($"{option}: cannot write '{path}': {ex.Message}");
        }
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> (see <see cref="Create"/>).</summary>
    public static async Task WriteAllBytesAsync(string path, string ledgerSpec, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var stream = Create(path, "-o", ledgerSpec);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void ThrowIfLedger(string path, string option, string ledgerSpec)
    {
        LedgerSpec ledger;
        try
        {
            ledger = new UsageLedgerFactory().AddSqlite().AddPostgreSql().Parse(ledgerSpec);
        }
        catch (FormatException)
        {
            return; // no ledger file to protect: opening it fails with its own message
        }

        if (ledger.IsUrl)
        {
            return;
        }

        var target = FinalPath(path);
        var location = FinalPath(ledger.Location);
        var isLedger = string.Equals(target, location, PathComparison)
            || target.StartsWith(location + Path.DirectorySeparatorChar, PathComparison)
            || (ledger.Scheme == "sqlite" && SqliteSideFiles.Any(suffix => string.Equals(target, location + suffix, PathComparison)));
        if (isLedger)
        {
            throw new CliInputException($"{option}: '{path}' is the ledger ({ledger}) or one of its files; write to another file");
        }
    }

    /// <summary>The full path, and for a symbolic link the file it finally points to.</summary>
    private static string FinalPath(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full; // a link cycle: not the ledger, and opening it fails with its own message
        }
    }
}
