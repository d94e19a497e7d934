namespace TokenTrace.Client;

/// <summary>
/// This machine's stable device id: a random id made on the first push and kept in <c>device-id</c> in the state folder,
/// so that a renamed host still counts as the same device and two hosts of one name do not merge.
/// </summary>
public static class DeviceIdentity
{
    /// <summary>The id kept in <paramref name="directory"/>, made and kept there on first use.</summary>
    public static string LoadOrCreate(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var path = Path.Combine(directory, "device-id");
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } existing)
        {
            return existing;
        }

        SecureFile.EnsureDirectory(directory);
        var id = Guid.NewGuid().ToString("D");
        SecureFile.WriteAllBytesAtomic(path, System.Text.Encoding.UTF8.GetBytes(id + "\n"));
        return id;
    }
}
