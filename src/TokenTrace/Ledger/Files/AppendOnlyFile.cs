using System.Runtime.InteropServices;

namespace TokenTrace;

/// <summary>
/// Appends to a file opened with <c>O_APPEND</c>, so each batch is one <c>write</c> at the true end of the file even when
/// another writer holds no lock (a deleted lock file, a foreign tool): writers may interleave whole batches, never
/// overwrite each other. .NET's <see cref="FileMode.Append"/> only seeks to the end once and then writes at its own
/// offset (<c>pwrite</c>), which is what lost records when the lock was gone; hence libc directly on Linux and macOS.
/// </summary>
internal static class AppendOnlyFile
{
    private const int Interrupted = 4; // EINTR, the same on Linux and macOS

    /// <summary>Appends <paramref name="data"/> to the existing file <paramref name="path"/> and flushes it to disk (fsync).</summary>
    public static void Append(string path, ReadOnlySpan<byte> data)
    {
        if (AppendFlags() is not { } flags)
        {
            // Elsewhere (Windows) the ledger lock is what keeps writers apart.
            using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            stream.Write(data);
            stream.Flush(flushToDisk: true);
            return;
        }

        var fd = Libc.Open(path, flags);
        if (fd < 0)
        {
            throw Failure("open", path);
        }

        try
        {
            while (!data.IsEmpty)
            {
                var written = Libc.Write(fd, ref MemoryMarshal.GetReference(data), data.Length);
                if (written < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Interrupted)
                    {
                        continue;
                    }

                    throw Failure("write to", path);
                }

                data = data[(int)written..];
            }

            if (Libc.Fsync(fd) != 0)
            {
                throw Failure("flush to disk", path);
            }
        }
        finally
        {
            _ = Libc.Close(fd);
        }
    }

    /// <summary>O_WRONLY | O_APPEND | O_CLOEXEC, whose values differ between Linux and macOS; null elsewhere.</summary>
    private static int? AppendFlags()
    {
        if (OperatingSystem.IsLinux())
        {
            return 0x1 | 0x400 | 0x80000;
        }

        return OperatingSystem.IsMacOS() ? 0x1 | 0x8 | 0x1000000 : null;
    }

    private static IOException Failure(string what, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"Could not {what} the ledger file {path}: {Marshal.GetPInvokeErrorMessage(errno)}.");
    }
}
