namespace TokenTrace.Cli;

/// <summary>Bad usage or bad input: reported as one clear message and exit code 2.</summary>
internal sealed class CliInputException(string message) : Exception(message);
