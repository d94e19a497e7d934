using System.Runtime.InteropServices;

namespace TokenTrace.Sqlite;

/// <summary>
/// SQLite's bind, step and reset calls straight into the <c>e_sqlite3</c> library that SQLitePCLRaw loads, on handles
/// the caller keeps alive (as <see cref="SqliteColumns"/> does for reading). SQLitePCLRaw's wrappers go through its
/// provider object and take and release the statement's <see cref="SafeHandle"/> on every call: with about twenty
/// binds a row, that was 4–5 % of an import's samples, more than the bind itself
/// (docs/architecture/performance.md, "The insert thread, fourth round").
/// </summary>
/// <remarks>
/// The binds of numbers and nulls only store a value in the statement and return: they skip the GC transition. Text is
/// copied by SQLite (<c>SQLITE_TRANSIENT</c>), which allocates; step and reset run the statement (I/O, locks) — those
/// keep the normal transition so a long call never holds up a collection on the other threads.
/// </remarks>
internal static class SqliteBindings
{
    private const string Library = "e_sqlite3";

    /// <summary>SQLite copies the text before the bind returns (<c>SQLITE_TRANSIENT</c>).</summary>
    private static readonly nint Transient = -1;

    [DllImport(Library, EntryPoint = "sqlite3_bind_int64")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static extern int Int64(nint statement, int index, long value);

    [DllImport(Library, EntryPoint = "sqlite3_bind_double")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static extern int Double(nint statement, int index, double value);

    [DllImport(Library, EntryPoint = "sqlite3_bind_null")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static extern int Null(nint statement, int index);

    /// <summary>Binds <paramref name="length"/> bytes of UTF-8 at <paramref name="utf8"/> (pinned or native memory), copied by SQLite.</summary>
    public static int Text(nint statement, int index, nint utf8, int length) => BindText(statement, index, utf8, length, Transient);

    [DllImport(Library, EntryPoint = "sqlite3_step")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Step(nint statement);

    [DllImport(Library, EntryPoint = "sqlite3_reset")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Reset(nint statement);

    /// <summary>How many rows the connection's last statement changed.</summary>
    [DllImport(Library, EntryPoint = "sqlite3_changes")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static extern int Changes(nint db);

    [DllImport(Library, EntryPoint = "sqlite3_bind_text")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int BindText(nint statement, int index, nint utf8, int length, nint destructor);
}
