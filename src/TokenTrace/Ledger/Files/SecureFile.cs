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
            Directory.CreateDirectory(directory, OwnerDirectory);
        }
    }

    /// <summary>Creates an empty file with owner-only permissions if it does not exist.</summary>
    public static void Touch(string path)
    {
        EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(path)));
        using var _ = Open(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }
}
