namespace TokenTrace;

/// <summary>Creates ledger files and folders readable by their owner only (0600 / 0700 on Unix).</summary>
public static class SecureFile
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Opens a file; when it creates one for writing, the file is readable and writable by its owner only.</summary>
    public static FileStream Open(string path, FileMode mode, FileAccess access, FileShare share)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = share };
        if (!OperatingSystem.IsWindows() && mode != FileMode.Open && (access & FileAccess.Write) != 0)
        {
            options.UnixCreateMode = OwnerFile;
        }

        return new FileStream(path, options);
    }

    /// <summary>Creates <paramref name="directory"/> (and its parents) accessible by its owner only, if it does not exist.</summary>
    public static void EnsureDirectory(string? directory)
    {
        if (string.IsNullOrEmpty(directory) || Directory.Exists(directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            // Directory.CreateDirectory(path, mode) gives the mode to the last folder only; the parents it creates would be
            // 0777 less the umask (0755). Create each missing folder, outermost first, owner-only.
            var missing = new Stack<string>();
            for (var current = System.IO.Path.GetFullPath(directory); !string.IsNullOrEmpty(current) && !Directory.Exists(current); current = System.IO.Path.GetDirectoryName(current))
            {
                missing.Push(current);
            }

            while (missing.TryPop(out var folder))
            {
                Directory.CreateDirectory(folder, OwnerDirectory);
            }
        }
    }

    /// <summary>
    /// Creates a new, empty, owner-only file with a random name in <paramref name="directory"/> (next to the file it will
    /// replace, so that a rename onto that file is atomic). The file is created with <see cref="FileMode.CreateNew"/>
    /// (<c>O_CREAT | O_EXCL</c>): it never opens an existing file, and a symbolic link planted at the name is never followed.
    /// </summary>
    /// <param name="directory">The folder to create the file in.</param>
    /// <param name="prefix">The start of the file name, such as the name of the file it will replace.</param>
    /// <returns>The path of the file and a stream open on it for writing.</returns>
    public static (string Path, FileStream Stream) CreateTemporary(string directory, string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(prefix);
        for (var attempt = 0; ; attempt++)
        {
            var path = System.IO.Path.Combine(directory, $".{prefix}.{Guid.NewGuid():N}.tmp");
            try
            {
                return (path, Open(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (attempt < 8 && File.Exists(path))
            {
                // A name collision (or something planted there): pick another random name.
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> through <see cref="CreateTemporary"/>, flushed to disk,
    /// then renamed over the target: readers see the old file or the new one, never a part, and the result is owner-only.
    /// </summary>
    public static async Task WriteAllBytesAtomicAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(full)!;
        EnsureDirectory(directory);
        var (temporary, stream) = CreateTemporary(directory, System.IO.Path.GetFileName(full));
        try
        {
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Creates an empty file with owner-only permissions if it does not exist.</summary>
    public static void Touch(string path)
    {
        EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(path)));
        using var _ = Open(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }
}
