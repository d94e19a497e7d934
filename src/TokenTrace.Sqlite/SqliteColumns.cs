using System.Runtime.InteropServices;
using SQLitePCL;

namespace TokenTrace.Sqlite;

/// <summary>
/// SQLite's column accessors called straight into the <c>e_sqlite3</c> library that SQLitePCLRaw loads, on a statement
/// handle the caller keeps alive: SQLitePCLRaw's own wrappers take and release the statement's <see cref="SafeHandle"/>
/// and make a full managed-to-native transition on every call, which was a third of reading a row (60–80 calls a
/// row; docs/architecture/performance.md, "Reading rows"). Only accessors that return at once and never call back
/// into .NET are declared here, so the GC transition can be skipped.
/// </summary>
internal static class SqliteColumns
{
    private const string Library = "e_sqlite3";

    /// <summary>The handle of <paramref name="statement"/>, valid while the caller keeps the statement undisposed.</summary>
    public static nint Handle(sqlite3_stmt statement) => statement.DangerousGetHandle();

    [DllImport(Library, EntryPoint = "sqlite3_column_type")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static extern int Type(nint statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_int64")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static extern long Int64(nint statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_double")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static extern double Double(nint statement, int column);

    /// <summary>The column's text as UTF-8 (<see cref="TextBytes"/> bytes long), or zero for NULL; valid until the next step.</summary>
    [DllImport(Library, EntryPoint = "sqlite3_column_text")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static extern nint Text(nint statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_bytes")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [SuppressGCTransition]
    public static extern int TextBytes(nint statement, int column);

    /// <summary>The column's text as a string (call after checking that it is text).</summary>
    public static string String(nint statement, int column)
    {
        var text = Text(statement, column);
        return text == 0 ? "" : Marshal.PtrToStringUTF8(text, TextBytes(statement, column));
    }
}
