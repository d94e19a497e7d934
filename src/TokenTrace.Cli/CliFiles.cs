namespace TokenTrace.Cli;

/// <summary>Files the commands write (exports, reports): owner-only (0600), and a path that cannot be written is bad input.</summary>
internal static class CliFiles
{
    /// <summary>Creates (or truncates) <paramref name="path"/> for writing; a new file is readable by its owner only.</summary>
    public static FileStream Create(string path, string option)
    {
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
    public static async Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var stream = Create(path, "-o");
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
        }
    }
}
