using System.Buffers;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TokenTrace;

/// <summary>
/// Exports every stored record as one line of JSON (the JSONL ledger's format, <see cref="UsageRecordJson"/>) to one
/// file, for tools that tail or ship a file. <see cref="Emit"/> only queues; a background loop appends batches. Several
/// processes may append to the same file: each batch is one <c>O_APPEND</c> write under the file's lock
/// (<c>PATH.lock</c>, as the file ledgers do), so lines never interleave. A file that ends in a torn line (a writer
/// killed mid-write) gets a newline first, so the torn line costs itself only. A failed write is logged and counted in
/// <see cref="Statistics"/>; it never reaches the caller.
/// </summary>
/// <example>
/// <code>
/// await using var jsonl = new JsonlFileExporter(new JsonlFileExporterOptions { Path = "/var/log/tokentrace/usage.jsonl" });
/// trackerOptions.Sinks.Add(jsonl);
/// </code>
/// </example>
public sealed class JsonlFileExporter : IUsageSink, IAsyncDisposable
{
    private readonly string _lockPath;
    private readonly TimeSpan _lockTimeout;
    private readonly ExportQueue _queue;

    /// <summary>Starts the exporter; the file is created at the first write.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public JsonlFileExporter(JsonlFileExporterOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Path = System.IO.Path.GetFullPath(options.Path);
        _lockPath = Path + ".lock";
        _lockTimeout = options.LockTimeout;
        _queue = new ExportQueue("jsonl", WriteAsync, options.Batching.Copy(), Statistics,
            (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<JsonlFileExporter>(), timeProvider ?? TimeProvider.System, meterFactory);
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>Records written, failed and dropped.</summary>
    public ExporterStatistics Statistics { get; } = new();

    /// <summary>Queues <paramref name="record"/>; never waits on the file.</summary>
    public void Emit(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _queue.TryAdd(record);
    }

    /// <summary>Writes what was queued before this call and waits until it is written (or failed).</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => _queue.FlushAsync(cancellationToken);

    /// <summary>Writes what is queued, up to <see cref="ExportBatching.DrainTimeout"/>, then stops.</summary>
    public ValueTask DisposeAsync() => _queue.DisposeAsync();

    private async Task WriteAsync(IReadOnlyList<UsageRecord> batch, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256 * batch.Count);
        buffer.Write("\n"u8); // dropped below unless the file ends in a torn line
        foreach (var record in batch)
        {
            UsageRecordJson.WriteLine(buffer, record);
        }

        using (await FileLedgerLock.AcquireAsync(_lockPath, _lockTimeout, cancellationToken).ConfigureAwait(false))
        {
            if (new FileInfo(Path).LinkTarget is { } target)
            {
                throw new IOException($"{Path}: is a symbolic link (to {target}); TokenTrace never writes through a link");
            }

            var torn = false;
            using (var file = SecureFile.Open(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
            {
                if (file.Length > 0)
                {
                    file.Seek(-1, SeekOrigin.End);
                    torn = file.ReadByte() != '\n';
                }
            }

            // One write with O_APPEND: even a writer that ignores the lock cannot interleave inside this batch.
            AppendOnlyFile.Append(Path, torn ? buffer.WrittenSpan : buffer.WrittenSpan[1..]);
        }
    }
}
