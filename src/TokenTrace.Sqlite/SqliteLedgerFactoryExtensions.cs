namespace TokenTrace.Sqlite;

/// <summary>Registers the SQLite ledger with a <see cref="UsageLedgerFactory"/>.</summary>
public static class SqliteLedgerFactoryExtensions
{
    /// <summary>Lets <paramref name="factory"/> open <c>sqlite:PATH</c> specs and bare paths ending in <c>.db</c> or <c>.sqlite</c>.
    /// With <see cref="LedgerOpenContext.OpenExistingOnly"/>, a database file that does not exist is not created.</summary>
    public static UsageLedgerFactory AddSqlite(this UsageLedgerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return factory
            .Register("sqlite", static (spec, context) => context.OpenExistingOnly && NothingAt(spec.Location)
                ? throw new LedgerNotFoundException(spec.ToString(), spec.Location)
                : new SqliteUsageLedger(spec.Location))
            .RegisterPathSuffix(".db", "sqlite")
            .RegisterPathSuffix(".sqlite", "sqlite");
    }

    /// <summary>
    /// Whether nothing is at <paramref name="path"/> and its nearest existing ancestor is a folder: a folder or a file in
    /// the way is the ledger's to report ("is a folder, not a SQLite database"), which says more than "does not exist".
    /// </summary>
    private static bool NothingAt(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full) || Directory.Exists(full))
        {
            return false;
        }

        for (var dir = Path.GetDirectoryName(full); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir))
            {
                return true;
            }

            if (File.Exists(dir))
            {
                return false;
            }
        }

        return true;
    }
}
