using System.Runtime.InteropServices;

namespace TokenTrace;

/// <summary>
/// Flushes a directory's entries to disk (<c>fsync</c> on the directory), so that a newly created file survives a
/// power cut and not only its contents. .NET does not open directories as files, hence libc directly. On Windows
/// there is nothing to do: NTFS journals the new entry with the file's metadata.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY, the same on Linux and macOS
    private const int InvalidArgument = 22; // EINVAL, the same on Linux and macOS

    /// <summary>Flushes <paramref name="directory"/>; a file system that cannot flush directories is left as it is.</summary>
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Libc.Open(directory, ReadOnly);
        if (fd < 0)
        {
            return; // not readable (mode 0300): the entry is still written, only not forced to disk now
        }

        try
        {
            if (Libc.Fsync(fd) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != InvalidArgument)
            {
                throw new IOException($"Could not flush the directory {directory} to disk (errno {errno}).");
            }
        }
        finally
        {
            _ = Libc.Close(fd);
        }
    }
}
