namespace TokenTrace.Client;

/// <summary>
/// This machine's stable device id: a random id made on the first push and kept in <c>device-id</c> in the state folder,
/// so that a renamed host still counts as the same device and two hosts of one name do not merge.
/// </summary>
public static class DeviceIdentity
{
    /// <summary>The id kept in <paramref name="directory"/>, made and kept there on first use.</summary>
    /// <remarks>
    /// Two processes may make it at once (a hook and a push on a new machine). The one that makes it holds an exclusive
    /// lock on <c>device-id.lock</c> while it checks and writes (the file is replaced whole, never seen half written), so
    /// the other finds the id made and reads it back: every process of the machine sends one id.
    /// </remarks>
    /// <exception cref="IOException">The folder cannot be written, or another process held the lock for 10 seconds.</exception>
    public static string LoadOrCreate(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var path = Path.Combine(directory, "device-id");
        if (Read(path) is { } existing)
        {
            return existing;
        }

        SecureFile.EnsureDirectory(directory);
        using var held = Lock(path + ".lock");
        if (Read(path) is { } madeMeanwhile)
        {
            return madeMeanwhile;
        }

        var id = Guid.NewGuid().ToString("D");
        SecureFile.WriteAllBytesAtomic(path, System.Text.Encoding.UTF8.GetBytes(id + "\n"));
        return id;
    }

    private static string? Read(string path) =>
        File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } id ? id : null;

    /// <summary>The lock file opened exclusively (an advisory <c>flock</c> on Unix), retried while another process holds it.</summary>
    private static FileStream Lock(string path)
    {
        var giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                return SecureFile.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < giveUp)
            {
                // Held by the process making the id: it takes a few milliseconds.
                Thread.Sleep(5);
            }
        }
    }
}
