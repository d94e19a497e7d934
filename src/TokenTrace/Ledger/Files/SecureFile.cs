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

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> the way <see cref="WriteAllBytesAtomicAsync"/> does, for
    /// callers that hold a lock and must not await: a new owner-only temporary file (never a planted link), flushed to disk,
    /// renamed over the target (a link at the target is replaced, its target never written).
    /// </summary>
    public static void WriteAllBytesAtomic(string path, ReadOnlySpan<byte> content)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(full)!;
        EnsureDirectory(directory);
        var (temporary, stream) = CreateTemporary(directory, System.IO.Path.GetFileName(full));
        try
        {
            using (stream)
            {
                stream.Write(content);
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

    /// <summary>
    /// Opens <paramref name="path"/> to append, owner-only when created, refusing a symbolic link: a link planted at a side
    /// file (such as <c>&lt;ledger&gt;.rejected</c>) would otherwise have TokenTrace append to whatever it points at.
    /// </summary>
    /// <exception cref="LedgerFormatException">The path is a symbolic link.</exception>
    public static FileStream OpenToAppend(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (new FileInfo(path).LinkTarget is { } target)
        {
            throw new LedgerFormatException($"{path}: is a symbolic link (to {target}); TokenTrace never writes through a link: remove it");
        }

        return Open(path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    /// <summary>Creates an empty file with owner-only permissions if it does not exist.</summary>
    public static void Touch(string path)
    {
        EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(path)));
        using var _ = Open(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }
}
