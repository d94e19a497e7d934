using System.Runtime.InteropServices;
using System.Text;

namespace TokenTrace;

/// <summary>
/// The few POSIX calls the file ledgers need and .NET does not expose: <c>open</c> with flags of our choosing
/// (<c>O_APPEND</c>, a directory), <c>write</c>, <c>fsync</c> and <c>close</c>. Linux and macOS only; callers check.
/// </summary>
internal static class Libc
{
    /// <summary>Opens <paramref name="path"/> with raw <c>open(2)</c> flags; a negative result is an error (see errno).</summary>
    public static int Open(string path, int flags) => OpenNative(Encoding.UTF8.GetBytes(path + "\0"), flags);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern nint Write(int fd, ref byte buffer, nint count);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int OpenNative(byte[] path, int flags);
}
