using System.Globalization;

namespace TokenTrace.CodingAgents;

/// <summary>
/// Brings coding agents' histories into a ledger, reading only what changed since the last sync: each file's cursor
/// (size, modification time, byte offset, the reader's state, a hash of its first bytes) says where to go on. Records go
/// through the core's pipeline (attributed, priced, estimated) and are appended by id, so a sync interrupted at any
/// point, run twice, or run by two processes at once stores each response once. The cursor of a file that is gone is
/// dropped; should the file come back, it is read again and adds nothing twice.
/// </summary>
public sealed class AgentSync
{
    /// <summary>
    /// Records appended per batch (with the files read ahead, the most held in memory at once). 5,000: a smaller batch costs
    /// a transaction more per 5,000 records and keeps a quarter of the records alive (measured in performance.md).
    /// </summary>
    public const int BatchSize = 5_000;

    private readonly IReadOnlyList<IAgentHistoryReader> _readers;
    private readonly AgentEnvironment _environment;
    private readonly UsageRecordPipeline _pipeline;
    private readonly string _cursorPath;
    private readonly TimeProvider _time;

    /// <summary>Creates a sync.</summary>
    /// <param name="readers">The agents to read (<see cref="BuiltInReaders"/> for all known ones).</param>
    /// <param name="environment">Where the agents keep their history.</param>
    /// <param name="pipeline">The record pipeline that prices and estimates each record.</param>
    /// <param name="cursorPath">The file that keeps the cursors, one per ledger.</param>
    /// <param name="time">The clock that says whether a file changed moments ago (its last response may be unfinished).</param>
    public AgentSync(IReadOnlyList<IAgentHistoryReader> readers, AgentEnvironment environment, UsageRecordPipeline pipeline, string cursorPath, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(readers);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentException.ThrowIfNullOrEmpty(cursorPath);
        _readers = readers;
        _environment = environment;
        _pipeline = pipeline;
        _cursorPath = cursorPath;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Claude Code, Codex CLI, Gemini CLI, OpenCode, Amp and Qwen Code.</summary>
    public static IReadOnlyList<IAgentHistoryReader> BuiltInReaders { get; } =
        [new ClaudeCodeReader(), new CodexReader(), new GeminiCliReader(), new OpenCodeReader(), new AmpReader(), new QwenCodeReader()];

    /// <summary>
    /// How long after a file's last change its unfinished last response is still waited for, then taken as it is (a
    /// session that stopped mid-response). Long: a response's lines can take minutes (a large tool call), and a partial
    /// usage stored once can never be replaced by the complete one.
    /// </summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Files whose last response is known to be finished although they changed moments ago — a hook called at the end of
    /// a turn (the user submitting the next prompt, the session ending) knows its own transcript is complete — read to
    /// their end instead of leaving that response for a later sync. Compared by full path.
    /// </summary>
    public IReadOnlyCollection<string> SettledFiles { get; init; } = [];

    /// <summary>How long to wait for another process's sync of the same ledger to finish.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Reads what is new in each agent's history (or only <paramref name="sources"/>) into <paramref name="ledger"/>.</summary>
    /// <exception cref="TimeoutException">Another sync of this ledger ran for longer than <see cref="LockTimeout"/>.</exception>
    public Task<IReadOnlyList<AgentSourceSync>> SyncAsync(IUsageLedger ledger, IReadOnlyCollection<string>? sources = null, CancellationToken cancellationToken = default) =>
        RunAsync(ledger, [.. _readers.Where(r => sources is null || sources.Contains(r.Source)).Select(r => (r, (IReadOnlyList<string>?)null))], cancellationToken);

    /// <summary>
    /// Reads what is new in the given history files of one agent (a status line's own transcript) into
    /// <paramref name="ledger"/>: the same cursors, lock and appends as <see cref="SyncAsync(IUsageLedger, IReadOnlyCollection{string}?, CancellationToken)"/>,
    /// so a focused sync and a full one, at once or one after the other, store each response once. A file that does not
    /// exist is passed over.
    /// </summary>
    /// <param name="ledger">The ledger to append to.</param>
    /// <param name="source">The agent whose files they are (<see cref="IAgentHistoryReader.Source"/>).</param>
    /// <param name="files">The files, named as the agent's <see cref="IAgentHistoryReader.FindFiles"/> names them (full paths).</param>
    /// <param name="cancellationToken">Stops the sync; what was committed stays (an open write transaction is committed first), and is never appended twice.</param>
    /// <exception cref="ArgumentException"><paramref name="source"/> is not one of this sync's readers.</exception>
    /// <exception cref="TimeoutException">Another sync of this ledger ran for longer than <see cref="LockTimeout"/>.</exception>
    public async Task<AgentSourceSync> SyncFilesAsync(IUsageLedger ledger, string source, IReadOnlyList<string> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var reader = _readers.FirstOrDefault(r => r.Source == source)
            ?? throw new ArgumentException($"no reader for '{source}' in this sync", nameof(source));
        var results = await RunAsync(ledger, [(reader, files)], cancellationToken).ConfigureAwait(false);
        return results[0];
    }

    /// <summary>The one sync loop: each reader's files (found under its roots when the list is null), in order.</summary>
    private async Task<IReadOnlyList<AgentSourceSync>> RunAsync(IUsageLedger ledger, IReadOnlyList<(IAgentHistoryReader Reader, IReadOnlyList<string>? Files)> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        using var held = await FileLedgerLock.AcquireAsync(_cursorPath + ".lock", LockTimeout, cancellationToken).ConfigureAwait(false);
        var cursors = AgentCursorFile.Load(_cursorPath);
        var ledgerId = await IdentityAsync(ledger, cancellationToken).ConfigureAwait(false);
        if (cursors.LedgerId != ledgerId)
        {
            cursors.Cursors.Clear();
            cursors.LedgerId = ledgerId;
        }

        // A sync of given files (a status line's, cut off after 0.7 s) commits more often, so that what it read is kept.
        var focused = work.Any(w => w.Files is not null);
        var batch = new Batch(ledger, cursors, _cursorPath, BatchRecords, CommitRecords, focused ? FocusedCommitAfter : CommitAfter);
        await using var rollBackUnlessCommitted = batch.ConfigureAwait(false);
        var results = new List<AgentSourceSync>();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var (reader, given) in work)
            {
                var result = new AgentSourceSync(reader.Source);
                results.Add(result);
                var files = given ?? [.. reader.FindRoots(_environment).SelectMany(reader.FindFiles)];
                result.Files = files.Count;
                listed.UnionWith(files);
                await ReadAndApplyAsync(reader, files, cursors, batch, result, cancellationToken).ConfigureAwait(false);
                await batch.FlushAsync(commit: true, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cut off: the open transaction holds whole files whose cursors wait for its commit; keep them rather than
            // read them again next time.
            await batch.CommitOpenAsync().ConfigureAwait(false);
            throw;
        }

        // Only a sync that listed every file of its agents knows which are gone: a sync of given files (a status line's
        // own transcript) would otherwise look for each of the thousands of other files on disk, every few seconds.
        if (work.All(w => w.Files is null))
        {
            cursors.ForgetDeleted(listed);
        }

        cursors.LedgerId = await IdentityAsync(ledger, cancellationToken).ConfigureAwait(false);
        cursors.Save(_cursorPath);
        return results;
    }

    /// <summary>
    /// What tells this ledger from another one at the same place: the change feed's identity where the store has one
    /// (SQLite), else the spec and the id of its first record, so that a file ledger deleted and created again (empty,
    /// or with other records) is read into from the start.
    /// </summary>
    private static async Task<string> IdentityAsync(IUsageLedger ledger, CancellationToken cancellationToken)
    {
        if (ledger.GetService<IUsageChangeFeed>() is { } feed)
        {
            return (await feed.GetPositionAsync(cancellationToken).ConfigureAwait(false)).LedgerId;
        }

        await foreach (var record in ledger.ReadAsync(UsageQuery.All, cancellationToken).ConfigureAwait(false))
        {
            return ledger.Spec + "#" + record.Id;
        }

        return ledger.Spec + "#empty";
    }

    /// <summary>Records appended per batch: <see cref="BatchSize"/>, another size only for measuring what the size buys.</summary>
    internal int BatchRecords { get; set; } = BatchSize;

    /// <summary>
    /// Records appended in one write transaction before it is committed, when the ledger takes one
    /// (<see cref="IUsageBulkAppender"/>): 50,000, about half a second of the SQLite writer's work, so the ledger's write
    /// lock is never held long; another size only for tests.
    /// </summary>
    internal int CommitRecords { get; set; } = 50_000;

    /// <summary>
    /// How long a write transaction may have been open when the writer is about to wait for a file still being read:
    /// older, it is committed first, so the ledger's write lock is not held through the read of a large file (other
    /// writers and budget reservations wait for it).
    /// </summary>
    internal TimeSpan CommitBeforeWaiting { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long one write transaction stays open before it is committed (records keep coming).</summary>
    private static readonly TimeSpan CommitAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The same for a sync of given files (<see cref="SyncFilesAsync"/>): a status line cuts its sync off after 0.7 s,
    /// and the process ends soon after, so what was read must have been committed by then.
    /// </summary>
    private static readonly TimeSpan FocusedCommitAfter = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Most files read (and priced) ahead of the appends; 1 reads one file at a time (tests compare). Generous: what
    /// bounds memory is <see cref="BytesAhead"/>, and a count alone stalled the cores — while the file to be applied next
    /// was a large one, the other core finished the few small files after it and then waited (measured in performance.md).
    /// </summary>
    internal int FilesAhead { get; set; } = 512;

    /// <summary>
    /// Most bytes of history read ahead of the appends, beside the file to be applied next (which is read whatever its
    /// size): 64 MB of Claude Code lines make ≈ 13,000 records, ≈ 16 MB of memory. Enough for the other cores to keep
    /// reading while one reads a file of tens of megabytes.
    /// </summary>
    internal long BytesAhead { get; set; } = 64L << 20;

    /// <summary>
    /// Reads (and prices) each file in a task of its own on every core, up to <see cref="FilesAhead"/> files and
    /// <see cref="BytesAhead"/> bytes ahead of
    /// the appends, while this thread appends the records in file order: the ledger takes one writer at a time,
    /// so reading and preparing must never wait for a batch to be written, nor the writer for the next file to be parsed.
    /// The outcomes are applied in the order of <paramref name="files"/>, whichever read finishes first, so what is stored
    /// is the same as from one thread. A sliding window rather than fixed chunks: a core that finishes a small file takes
    /// the next one at once instead of waiting for the chunk's largest (file sizes are heavy-tailed). The cursors are
    /// looked up before anything starts: the appends update them meanwhile.
    /// </summary>
    private async Task ReadAndApplyAsync(IAgentHistoryReader reader, IReadOnlyList<string> files, AgentCursorFile cursors, Batch batch, AgentSourceSync result, CancellationToken cancellationToken)
    {
        var known = files.Select(file => cursors.Cursors.GetValueOrDefault(file)).ToList();
        var settled = files.Select(IsSettled).ToList();
        var now = _time.GetUtcNow().UtcTicks;
        var ahead = Math.Max(1, FilesAhead);
        var reading = new Queue<(Task<FileOutcome> Read, long Bytes)>();
        var bytesAhead = 0L;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var next = 0;
        try
        {
            while (next < files.Count || reading.Count > 0)
            {
                while (next < files.Count && reading.Count < ahead && (reading.Count == 0 || bytesAhead < BytesAhead))
                {
                    var index = next++;
                    var bytes = NewBytes(files[index], known[index]);
                    bytesAhead += bytes;

                    // The thread pool's global queue is first in, first out (a task started from a pool thread would
                    // otherwise go to its own queue, taken last in, first out, and the file awaited next read last).
                    reading.Enqueue((Task.Factory.StartNew(
                        () => ReadFile(reader, files[index], known[index], settled[index], now),
                        stop.Token, TaskCreationOptions.PreferFairness, TaskScheduler.Default), bytes));
                }

                var (read, readBytes) = reading.Dequeue();
                if (!read.IsCompleted && batch.OpenFor is { } open && open > TimeSpan.Zero)
                {
                    // The writer waits for a read (a large file) holding the ledger's write lock: once the transaction
                    // is CommitBeforeWaiting old, it is committed, so other writers never wait through the read.
                    if (CommitBeforeWaiting > open)
                    {
                        await Task.WhenAny(read, Task.Delay(CommitBeforeWaiting - open, cancellationToken)).ConfigureAwait(false);
                    }

                    if (!read.IsCompleted)
                    {
                        await batch.FlushAsync(commit: true, cancellationToken).ConfigureAwait(false);
                    }
                }

                var outcome = await read.ConfigureAwait(false);
                bytesAhead -= readBytes;
                await ApplyAsync(outcome, batch, result, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // An append that failed (or a cancelled sync) stops the reads not yet started and waits for those running, so
            // none outlives the sync; their outcomes are dropped, their cursors not moved.
            await stop.CancelAsync().ConfigureAwait(false);
            await ((Task)Task.WhenAll(reading.Select(r => r.Read))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>About how many bytes reading <paramref name="file"/> will go through: all of it, or what follows its cursor.</summary>
    private static long NewBytes(string file, AgentCursor? cursor)
    {
        var size = new FileInfo(file) is { Exists: true } info ? info.Length : 0;
        return cursor is not null && cursor.Offset <= size ? size - cursor.Offset : size;
    }

    private bool IsSettled(string file) =>
        SettledFiles.Count > 0 && SettledFiles.Any(s => string.Equals(Path.GetFullPath(s), Path.GetFullPath(file), StringComparison.Ordinal));

    /// <summary>Reads what is new in one file (nothing when it has not changed since its cursor). Safe on any thread.</summary>
    private FileOutcome ReadFile(IAgentHistoryReader reader, string file, AgentCursor? cursor, bool settled, long now)
    {
        var info = new FileInfo(file);
        if (!info.Exists)
        {
            return new FileOutcome(file, null, null, "", 0, 0); // removed since it was listed
        }

        var (size, modified) = (info.Length, info.LastWriteTimeUtc.Ticks);
        foreach (var companion in reader.ChangesAlsoIn(file))
        {
            if (new FileInfo(companion) is { Exists: true } also)
            {
                (size, modified) = (size + also.Length, Math.Max(modified, also.LastWriteTimeUtc.Ticks));
            }
        }

        if (cursor is not null && cursor.Size == size && cursor.ModifiedTicks == modified)
        {
            return new FileOutcome(file, null, null, "", size, modified);
        }

        // The agent may delete or replace the file while it is read: any I/O failure skips it this time, its cursor
        // staying where it was.
        var read = new AgentFileRead(file);
        try
        {
            if (reader.AppendOnly && cursor is not null && size >= cursor.Offset && AgentCursorFile.Head(file, cursor.Offset) == cursor.Head)
            {
                read = new AgentFileRead(file, cursor.Offset, cursor.State) { FirstLine = cursor.NextLine };
            }

            reader.Read(read);
            var pending = read.PendingTail is { } tail && !settled && now - modified < Settle.Ticks ? tail : null;
            var (prepared, refused) = Prepare(read.Records, pending, file);
            return new FileOutcome(file, read, pending, AgentCursorFile.Head(file, pending?.Offset ?? read.EndOffset), size, modified)
            {
                Prepared = prepared,
                Refused = refused,
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            read.Skip(0, null, "cannot be read: " + ex.Message);
            return new FileOutcome(file, read, null, "", size, modified) { Failed = true };
        }
    }

    /// <summary>
    /// Prices and estimates one file's records (all but an unfinished last one) where they were read, on any core, so
    /// that the single writer only appends. A record the pipeline refuses (a count or cost beyond the ledger's bounds) is
    /// a counted skip, never a failed sync that would stop at the same record every time.
    /// </summary>
    private (List<UsageRecord> Prepared, List<LedgerProblem> Refused) Prepare(IReadOnlyList<UsageRecord> found, AgentPendingTail? pending, string file)
    {
        var prepared = new List<UsageRecord>(found.Count);
        var refused = new List<LedgerProblem>();
        foreach (var record in found)
        {
            if (record.Id == pending?.RecordId)
            {
                continue;
            }

            try
            {
                prepared.Add(_pipeline.Prepare(record));
            }
            catch (ArgumentException ex)
            {
                refused.Add(new LedgerProblem(file, 0, null, $"{record.Id}: {ex.Message}"));
            }
        }

        return (prepared, refused);
    }

    /// <summary>Counts one file's outcome and hands its records and next cursor to the batch, in file order.</summary>
    private static async Task ApplyAsync(FileOutcome outcome, Batch batch, AgentSourceSync result, CancellationToken cancellationToken)
    {
        if (outcome.Read is not { } read)
        {
            return; // unchanged or gone
        }

        result.Note(read);
        if (outcome.Failed)
        {
            return;
        }

        result.FilesRead++;
        result.BytesRead += read.EndOffset - read.StartOffset;
        var pending = outcome.Pending;
        var (offset, nextLine) = pending is null ? (read.EndOffset, read.FirstLine + read.Lines) : (pending.Offset, pending.Line);
        if (pending is not null)
        {
            result.Pending++;
        }

        result.Records += outcome.Prepared.Count + outcome.Refused.Count;
        foreach (var problem in outcome.Refused)
        {
            result.Refuse(problem);
        }

        var next = new AgentCursor(
            pending is null ? outcome.Size : -1, // a file with an unfinished response is read again next time even if unchanged
            outcome.Modified, offset, nextLine, outcome.Head, read.State);
        await batch.AddAsync(outcome.Prepared, outcome.File, next, result, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What reading one file gave: nothing (<see cref="Read"/> null) when it had not changed or was gone.</summary>
    private sealed record FileOutcome(string File, AgentFileRead? Read, AgentPendingTail? Pending, string Head, long Size, long Modified)
    {
        public bool Failed { get; init; }

        /// <summary>The records to append, priced and estimated.</summary>
        public List<UsageRecord> Prepared { get; init; } = [];

        /// <summary>Records the pipeline refused, as counted skips.</summary>
        public List<LedgerProblem> Refused { get; init; } = [];
    }

    /// <summary>
    /// Records waiting to be appended, with the cursors that become true once they are: a cursor is saved only after its
    /// file's records are committed to the ledger, so a crash in between reads them again (and the ledger drops the
    /// repeats). A ledger that takes one write transaction for many appends (<see cref="IUsageBulkAppender"/>, SQLite)
    /// gets the batches inside one, committed every <see cref="AgentSync.CommitRecords"/> records or <see cref="AgentSync.CommitAfter"/> (200 ms for a sync of given files),
    /// before the writer waits for a file still being read (once open for <see cref="AgentSync.CommitBeforeWaiting"/>), and at the
    /// end of each agent: one flush to disk instead of one per batch, and cheaper inserts (measured in
    /// performance.md). The bound keeps the ledger's write lock from being held long, since other writers and budget
    /// reservations wait for it. Any other ledger gets one <see cref="IUsageLedger.AppendAsync"/> per batch.
    /// </summary>
    private sealed class Batch(IUsageLedger ledger, AgentCursorFile cursors, string cursorPath, int size, int commitRecords, TimeSpan commitAfter) : IAsyncDisposable
    {
        /// <summary>How long the write transaction has been open; null when none is.</summary>
        public TimeSpan? OpenFor => _open is null ? null : TimeSpan.FromMilliseconds(Math.Max(1, Environment.TickCount64 - _openedAt));

        private readonly Dictionary<string, UsageRecord> _records = new(StringComparer.Ordinal);
        private readonly List<(string File, AgentCursor Cursor)> _cursors = [];
        private readonly IUsageBulkAppender? _bulk = ledger.GetService<IUsageBulkAppender>();
        private IUsageAppendTransaction? _open;
        private long _openedAt;
        private long _inOpen;
        private AgentSourceSync? _result;

        public async Task AddAsync(IReadOnlyList<UsageRecord> records, string file, AgentCursor cursor, AgentSourceSync result, CancellationToken cancellationToken)
        {
            _result = result;
            foreach (var record in records)
            {
                // The same response in two files (a subagent's replay of its parent): the larger usage, the main copy on a tie.
                if (!_records.TryGetValue(record.Id, out var kept) || LargestUsage.Prefer(record, kept))
                {
                    _records[record.Id] = record;
                }
            }

            _cursors.Add((file, cursor));
            if (_records.Count >= size)
            {
                await FlushAsync(commit: false, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Appends the waiting records; with <paramref name="commit"/> (or once the open transaction is full or old), commits
        /// them and saves the cursors of every file whose records are now in the ledger.
        /// </summary>
        public async Task FlushAsync(bool commit, CancellationToken cancellationToken)
        {
            if (_records.Count > 0)
            {
                AppendResult appended;
                if (_bulk is null)
                {
                    appended = await ledger.AppendAsync([.. _records.Values], cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    if (_open is null)
                    {
                        _open = await _bulk.BeginAppendTransactionAsync(cancellationToken).ConfigureAwait(false);
                        _openedAt = Environment.TickCount64;
                    }

                    appended = _open.Append([.. _records.Values]);
                    _inOpen += _records.Count;
                }

                _result!.Added += appended.Added;
                _result.Duplicates += appended.Duplicates;
                _records.Clear();
            }

            if (_open is not null)
            {
                if (!commit && _inOpen < commitRecords && Environment.TickCount64 - _openedAt < commitAfter.TotalMilliseconds)
                {
                    return; // the cursors wait for the commit
                }

                _open.Commit();
                await _open.DisposeAsync().ConfigureAwait(false);
                (_open, _inOpen) = (null, 0);
            }

            foreach (var (file, cursor) in _cursors)
            {
                cursors.Cursors[file] = cursor;
            }

            if (_cursors.Count > 0)
            {
                cursors.Save(cursorPath);
                _cursors.Clear();
            }
        }

        /// <summary>
        /// After a cancellation: commits the open transaction, if any, with the records waiting for it (whole files) and
        /// saves their cursors. Best effort: should the commit fail, the records are read again by the next sync.
        /// </summary>
        public async Task CommitOpenAsync()
        {
            if (_open is null)
            {
                return;
            }

            try
            {
                await FlushAsync(commit: true, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Left to DisposeAsync, which rolls back; the cursors were not moved.
            }
        }

        /// <summary>Rolls back an uncommitted transaction (a failed or cancelled sync): its files' cursors were not saved.</summary>
        public async ValueTask DisposeAsync()
        {
            if (_open is { } open)
            {
                _open = null;
                await open.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"AgentSync({_readers.Count} readers, {_cursorPath})");
}
