namespace TokenTrace.Hosting;

/// <summary>A configuration file is malformed; the message names the file, the line and what was expected.</summary>
public sealed class ConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConfigurationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a place in a file.</summary>
    public ConfigurationException(string path, long line, string problem, Exception? innerException = null)
        : base(line > 0 ? $"{path}:{line}: {problem}" : $"{path}: {problem}", innerException)
    {
        Path = path;
        Line = line;
    }

    /// <summary>The file, when known.</summary>
    public string? Path { get; }

    /// <summary>The 1-based line, or 0.</summary>
    public long Line { get; }
}
