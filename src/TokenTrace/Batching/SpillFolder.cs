using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TokenTrace;

/// <summary>
/// Where a batching writer keeps records the ledger could not take. Each process writes its own file
/// (<c>{time}-{pid}-{random}.jsonl</c>), held open exclusively (an advisory <c>flock</c> on Unix) for as long as it
/// writes, so no other process can replay it from under it. Replay runs under the folder's lock: a file that can be
/// opened exclusively has no writer left; it is renamed to <c>.replaying</c>, read, appended to the ledger (ids make
/// that idempotent) and only then deleted — that file and no other.
/// </summary>
internal sealed class SpillFolder : IDisposable
{
    private const string Extension = ".jsonl";
    private const string ReplayingExtension = ".replaying";
    // Spill files this process is writing. The exclusive lock already keeps other processes' replays away; this also
    // covers another ledger object in this process where file locking is unavailable (DOTNET_SYSTEM_IO_DISABLEFILELOCKING).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> OpenInThisProcess = new(StringComparer.Ordinal);
    private readonly object _writeLock = new();
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private FileStream? _own;

    public SpillFolder(string path) => Path = System.IO.Path.GetFullPath(path);

    public string Path { get; }

    /// <summary>This process's current spill file, or null before the first spill.</summary>
    public string? OwnFile => _own?.Name;

    /// <summary>
    /// Appends <paramref name="records"/> to this process's spill file and hands them to the operating system before
    /// returning (they survive the process, not a power cut).
    /// </summary>
    public void Write(IReadOnlyList<UsageRecord> records)
    {
        if (records.Count == 0)
        {
            return;
        }

        lock (_writeLock)
        {
            _buffer.Clear();
            foreach (var record in records)
            {
                UsageRecordJson.WriteLine(_buffer, record);
            }

            _own ??= CreateOwnFile();
            try
            {
                _own.Write(_buffer.WrittenSpan);
                _own.Flush();
            }
            catch
            {
                // A partial write (a full disk) may have left half a line: the next spill starts a new file rather
                // than glue its first record onto that fragment.
                CloseOwnLocked();
                throw;
            }
        }
    }

    /// <summary>Closes this process's spill file; the next spill starts a new one.</summary>
    public void CloseOwn()
    {
        lock (_writeLock)
        {
            CloseOwnLocked();
        }
    }

    private void CloseOwnLocked()
    {
        if (_own is { } own)
        {
            OpenInThisProcess.TryRemove(own.Name, out _);
            _own = null;
            try
            {
                own.Dispose();
            }
            catch (IOException)
            {
                // Closing flushes nothing more (every write was flushed); a failing close still releases the handle.
            }
        }
    }

    /// <summary>
    /// Appends every spilled record that no live writer holds to <paramref name="target"/> and deletes each file once
    /// its records are stored. Returns the records replayed and the unreadable lines skipped (with their reasons).
    /// </summary>
    public async Task<(long Replayed, IReadOnlyList<string> Skipped)> ReplayAsync(IUsageLedger target, int batchSize, TimeSpan lockTimeout, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Path))
        {
            return (0, []);
        }

        long replayed = 0;
        var skipped = new List<string>();
        using (await FileLedgerLock.AcquireAsync(System.IO.Path.Combine(Path, ".lock"), lockTimeout, cancellationToken).ConfigureAwait(false))
        {
            var own = OwnFile;
            var files = Directory.EnumerateFiles(Path, "*" + Extension)
                .Concat(Directory.EnumerateFiles(Path, "*" + Extension + ReplayingExtension))
                .Where(f => !string.Equals(f, own, StringComparison.Ordinal) && !OpenInThisProcess.ContainsKey(f))
                .Order(StringComparer.Ordinal)
                .ToList();
            foreach (var file in files)
            {
                if (!IsAbandoned(file))
                {
                    continue;
                }

                var replaying = file.EndsWith(ReplayingExtension, StringComparison.Ordinal) ? file : file + ReplayingExtension;
                if (!string.Equals(replaying, file, StringComparison.Ordinal))
                {
                    File.Move(file, replaying);
                }

                var skippedBefore = skipped.Count;
                try
                {
                    replayed += await ReplayFileAsync(replaying, target, batchSize, skipped, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    // The ledger refused: the file goes back as it was, for the next replay (ids make a partial replay harmless).
                    if (!string.Equals(replaying, file, StringComparison.Ordinal))
                    {
                        File.Move(replaying, file, overwrite: false);
                    }

                    throw;
                }

                if (skipped.Count > skippedBefore)
                {
                    // Keep the unreadable lines for a person to look at; the readable records are stored.
                    File.Move(replaying, replaying[..^ReplayingExtension.Length] + ".rejected", overwrite: true);
                }
                else
                {
                    File.Delete(replaying);
                }
            }
        }

        return (replayed, skipped);
    }

    public void Dispose() => CloseOwn();

    private static async Task<long> ReplayFileAsync(string file, IUsageLedger target, int batchSize, List<string> skipped, CancellationToken cancellationToken)
    {
        long count = 0;
        var batch = new List<UsageRecord>(batchSize);
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            var number = 0;
            foreach (var (line, _) in LineSplitter.Split(stream))
            {
                number++;
                if (line.Length == 0)
                {
                    continue;
                }

                try
                {
                    batch.Add(UsageRecordJson.Parse(line));
                }
                catch (FormatException ex)
                {
                    // A line torn by a crash mid-write: its record was never acknowledged as spilled.
                    skipped.Add(string.Create(CultureInfo.InvariantCulture, $"{file}:{number}: {ex.Message}"));
                    continue;
                }

                if (batch.Count >= batchSize)
                {
                    await target.AppendAsync(batch.ToArray(), cancellationToken).ConfigureAwait(false);
                    count += batch.Count;
                    batch.Clear();
                }
            }
        }

        if (batch.Count > 0)
        {
            await target.AppendAsync(batch.ToArray(), cancellationToken).ConfigureAwait(false);
            count += batch.Count;
        }

        return count;
    }

    /// <summary>Whether no process holds <paramref name="file"/> open for writing (its exclusive lock is free).</summary>
    private static bool IsAbandoned(string file)
    {
        try
        {
            using var probe = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private FileStream CreateOwnFile()
    {
        SecureFile.EnsureDirectory(Path);
        var name = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyyMMdd'T'HHmmssfff}-{Environment.ProcessId}-{Guid.NewGuid():N}{Extension}");

        // Held exclusively until closed: another process's replay skips a file it cannot lock.
        var file = SecureFile.Open(System.IO.Path.Combine(Path, name), FileMode.CreateNew, FileAccess.Write, FileShare.None);
        OpenInThisProcess[file.Name] = true;
        return file;
    }

    /// <summary>The default spill folder of the ledger <paramref name="spec"/>: one per ledger, so replay goes back to the right one.</summary>
    public static string DefaultFor(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        if (string.IsNullOrEmpty(root))
        {
            root = System.IO.Path.GetTempPath();
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(spec)))[..16];
        return System.IO.Path.Combine(root, "TokenTrace", "spill", hash);
    }
}
