namespace TokenTrace;

/// <summary>Where and how a <see cref="JsonlFileExporter"/> writes.</summary>
public sealed class JsonlFileExporterOptions
{
    /// <summary>The file every record is appended to, one JSON object a line; created owner-only with its folder.</summary>
    public string Path { get; set; } = "";

    /// <summary>How long one append waits for the file's lock (another process appending) before the batch fails. 10 s by default.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The queue and batches; a file is cheap to write, so by default a batch waits at most 1 s.</summary>
    public ExportBatching Batching { get; set; } = new() { Interval = TimeSpan.FromSeconds(1) };

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentException"><see cref="Path"/> is empty or not a valid path; the message names it.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names the option.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new ArgumentException("Path: expected the file to append records to", nameof(Path));
        }

        if (Path.AsSpan().IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0 || Path.EndsWith('/') || Path.EndsWith(System.IO.Path.DirectorySeparatorChar))
        {
            throw new ArgumentException($"Path: '{Path}' is not a file path", nameof(Path));
        }

        if (Directory.Exists(Path))
        {
            throw new ArgumentException($"Path: '{Path}' is a folder; name a file in it", nameof(Path));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LockTimeout, TimeSpan.Zero, nameof(LockTimeout));
        ArgumentNullException.ThrowIfNull(Batching, nameof(Batching));
        Batching.Validate();
    }
}
