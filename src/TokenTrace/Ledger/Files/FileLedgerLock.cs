using System.Collections.Concurrent;
using System.Globalization;

namespace TokenTrace;

/// <summary>
/// An exclusive lock shared by threads and processes: a semaphore within the process, and an exclusively opened lock
/// file across processes (.NET takes an advisory <c>flock</c> on Unix for <see cref="FileShare.None"/>).
/// </summary>
public static class FileLedgerLock
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes the lock named by <paramref name="lockPath"/> (a file, created owner-only with its folder when missing),
    /// waiting at most <paramref name="timeout"/>; dispose the result to release it.
    /// </summary>
    /// <exception cref="TimeoutException">Another thread or process held it for longer than <paramref name="timeout"/>.</exception>
    public static async Task<IDisposable> AcquireAsync(string lockPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var gate = Gates.GetOrAdd(Path.GetFullPath(lockPath), static _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(timeout, cancellationToken).ConfigureAwait(false))
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Timed out after {timeout.TotalSeconds:0}s waiting for the ledger lock {lockPath}."));
        }

        try
        {
            // A ledger that does not exist yet has no folder for its lock file: creating the file failed with
            // DirectoryNotFoundException, an IOException, which was retried as if another process held the lock until
            // the timeout (`report --ledger jsonl:NEW` waited 30 s, then exit 1). The folder is the ledger's own.
            var folder = Path.GetDirectoryName(Path.GetFullPath(lockPath))!;
            try
            {
                SecureFile.EnsureDirectory(folder);
            }
            catch (IOException ex)
            {
                throw new LedgerFormatException(new LedgerProblem(folder, 0, null, $"the ledger's folder cannot be created ({ex.Message}); choose another path"), ex);
            }

            var deadline = DateTime.UtcNow + timeout;
            var delay = 1;
            while (true)
            {
                try
                {
                    var stream = SecureFile.Open(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    return new Held(stream, gate);
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(Random.Shared.Next(delay, delay * 2 + 1), cancellationToken).ConfigureAwait(false);
                    delay = Math.Min(delay * 2, 20);
                }
                catch (IOException ex)
                {
                    throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Timed out after {timeout.TotalSeconds:0}s waiting for the ledger lock {lockPath}."), ex);
                }
            }
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    private sealed class Held(FileStream stream, SemaphoreSlim gate) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                stream.Dispose();
                gate.Release();
            }
        }
    }
}
