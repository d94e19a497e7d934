using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;

namespace TokenTrace;

/// <summary>
/// The storage mechanics shared by the JSONL and CSV ledgers: a lock around every change, an incremental index of the
/// ids in each active file (so re-recording never double counts), repair of a torn last line before appending,
/// reading active and gzip-archived files with de-duplication, atomic rewrites for re-pricing, and rotation,
/// archiving and retention.
/// </summary>
internal sealed class FileLedgerEngine
{
    private const string ArchiveFolder = "archive";
    private readonly IFileLedgerFormat _format;
    private readonly FileLedgerOptions _options;
    private readonly bool _daily;
    private readonly string _root;
    private readonly string? _singleFile;
    private readonly Dictionary<string, IdIndex> _indexes = new(StringComparer.Ordinal);
    private long _appendStamp;

    /// <summary>Creates an engine for a folder of daily files (<paramref name="daily"/>) or for one file.</summary>
    public FileLedgerEngine(string path, bool daily, IFileLedgerFormat format, FileLedgerOptions options)
    {
        _format = format;
        _options = options;
        _daily = daily;
        var full = Path.GetFullPath(path);
        if (daily)
        {
            _root = full;
        }
        else
        {
            _singleFile = full;
            _root = Path.GetDirectoryName(full)!;
        }
    }

    /// <summary>The 16 bytes every SQLite 3 database starts with.</summary>
    private static ReadOnlySpan<byte> SqliteHeader => "SQLite format 3\0"u8;

    /// <summary>Whether <see cref="ThrowIfNotALedger"/> found an existing ledger of this kind at the location.</summary>
    private volatile bool _locationVerified;

    private string LockPath => _daily ? Path.Combine(_root, ".lock") : _singleFile + ".lock";

    private string GenerationPath => _daily ? Path.Combine(_root, ".generation") : _singleFile + ".generation";

    /// <summary>
    /// Whether the ledger has been created: its folder (daily files); or its file, rotated archives, or lock file (single
    /// file: a budget saved before any record leaves only the lock and the budgets beside the file).
    /// </summary>
    public bool Exists => _daily ? Directory.Exists(_root) : File.Exists(_singleFile) || Directory.Exists(ArchiveDirectory) || File.Exists(LockPath);

    private string ArchiveDirectory => _daily ? Path.Combine(_root, ArchiveFolder) : Path.Combine(_root, Path.GetFileNameWithoutExtension(_singleFile) + "-" + ArchiveFolder);

    public async Task<AppendResult> AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return default;
        }

        foreach (var record in records)
        {
            UsageRecordValidator.ThrowIfInvalid(record);
        }

        ThrowIfNotALedger();

        var byFile = records.GroupBy(ActivePathFor, StringComparer.Ordinal);
        if (!Directory.Exists(_root))
        {
            SecureFile.EnsureDirectory(_root);
            DirectorySync.Flush(Path.GetDirectoryName(_root)!);
        }

        using var held = await FileLedgerLock.AcquireAsync(LockPath, _options.LockTimeout, cancellationToken).ConfigureAwait(false);
        var generation = ReadGeneration();
        var result = default(AppendResult);
        var createdIn = new HashSet<string>(StringComparer.Ordinal);
        var stamp = ++_appendStamp;
        foreach (var group in byFile)
        {
            result += AppendToFile(group.Key, [.. group], generation, stamp, createdIn);
        }

        TrimIndexes(stamp);

        // A new file's name is durable once its folder is: one folder fsync per append, however many day files it
        // started (a batch spread over 300 days would otherwise pay 300 of them).
        foreach (var directory in createdIn)
        {
            DirectorySync.Flush(directory);
        }

        return result;
    }

    private AppendResult AppendToFile(string path, List<UsageRecord> records, long generation, long stamp, HashSet<string> createdIn)
    {
        var index = RefreshIndex(path, generation);
        index.LastAppend = stamp;
        var fresh = new List<UsageRecord>(records.Count);

        // The ids stored before this append, for observers that pass on only new records (see the SQLite ledger).
        HashSet<string>? storedBefore = null, storedNow = null;
        foreach (var record in records)
        {
            if (!index.Archived.Contains(record.Id) && index.Ids.Add(record.Id))
            {
                fresh.Add(record);
                storedNow?.Add(record.Id);
            }
            else
            {
                storedNow ??= new HashSet<string>(fresh.Select(static r => r.Id), StringComparer.Ordinal);
                if (!storedNow.Contains(record.Id))
                {
                    (storedBefore ??= new HashSet<string>(StringComparer.Ordinal)).Add(record.Id);
                }
            }
        }

        if (fresh.Count > 0)
        {
            // The last byte is read on its own: the append itself goes through a write-only O_APPEND descriptor.
            var (length, last) = Tail(path);
            var created = length < 0;
            if (created)
            {
                using var _ = SecureFile.Open(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            }

            var buffer = new ArrayBufferWriter<byte>(fresh.Count * 400);
            if (length <= 0)
            {
                buffer.Write(_format.Preamble);
            }
            else if (last != '\n')
            {
                // A crashed writer left half a record: end it so it stays one skipped line instead of corrupting ours.
                buffer.Write("\n"u8);
            }

            _format.Write(fresh, buffer);

            // One write at the true end of the file, even if a writer without the lock appended since Tail; then fsync
            // before the lock is released (and the folder too for a new file), so a returned append survives a power cut
            // and not only a crash of the process.
            AppendOnlyFile.Append(path, buffer.WrittenSpan);
            if (created)
            {
                createdIn.Add(Path.GetDirectoryName(path)!);
            }

            var expected = Math.Max(length, 0) + buffer.WrittenCount;
            if (new FileInfo(path).Length == expected)
            {
                index.Offset = expected; // else someone wrote beside us without the lock: the next refresh reads it all
            }
        }

        return new AppendResult(fresh.Count, records.Count - fresh.Count) { DuplicateIds = (IReadOnlySet<string>?)storedBefore ?? (storedNow is null ? null : System.Collections.Frozen.FrozenSet<string>.Empty) };
    }

    /// <summary>The file's length (-1 when it does not exist) and its last byte (-1 when empty).</summary>
    private static (long Length, int Last) Tail(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
            if (stream.Length == 0)
            {
                return (0, -1);
            }

            stream.Seek(-1, SeekOrigin.End);
            return (stream.Length, stream.ReadByte());
        }
        catch (FileNotFoundException)
        {
            return (-1, -1);
        }
    }

    /// <summary>
    /// Drops the indexes of the files appended to least recently while all of them together hold more than
    /// <see cref="FileLedgerOptions.MaxIndexedIds"/> ids, keeping those of the append <paramref name="stamp"/> numbers. A dropped index is
    /// read again from its file if that file is appended to again: a process appending for months (one index per day
    /// file it touched) stays bounded, and an import spread over many days re-reads files only past the bound.
    /// </summary>
    private void TrimIndexes(long stamp)
    {
        var total = 0L;
        foreach (var index in _indexes.Values)
        {
            total += index.Ids.Count + index.Archived.Count;
        }

        if (total <= _options.MaxIndexedIds)
        {
            return;
        }

        foreach (var (path, index) in _indexes.Where(e => e.Value.LastAppend < stamp).OrderBy(e => e.Value.LastAppend).ToList())
        {
            _indexes.Remove(path);
            total -= index.Ids.Count + index.Archived.Count;
            if (total <= _options.MaxIndexedIds)
            {
                return;
            }
        }
    }

    /// <summary>Brings the id index of <paramref name="path"/> up to date by reading only what other writers added since.</summary>
    private IdIndex RefreshIndex(string path, long generation)
    {
        if (!_indexes.TryGetValue(path, out var index) || index.Generation != generation)
        {
            _indexes[path] = index = new IdIndex { Generation = generation };
            AddArchivedIds(path, index.Archived);
        }

        if (!File.Exists(path))
        {
            index.Ids.Clear();
            index.Offset = 0;
            return index;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length < index.Offset)
        {
            index.Ids.Clear();
            index.Offset = 0;
        }

        if (stream.Length == index.Offset)
        {
            return index;
        }

        if (index.Offset > 0 && _format.Preamble.Length > 0)
        {
            // The CSV reader needs the header; re-read from the start (rare: only after another process appended).
            index.Ids.Clear();
            index.Offset = 0;
        }

        stream.Seek(index.Offset, SeekOrigin.Begin);
        foreach (var entry in _format.Read(stream, path))
        {
            if (entry.Record is { } record)
            {
                index.Ids.Add(record.Id);
            }
        }

        index.Offset = stream.Length;
        return index;
    }

    /// <summary>
    /// Adds the ids that the archives an append to <paramref name="path"/> must not repeat hold: that day's archive for a
    /// day file (a late record for a day already archived starts a new day file); every rotated file for a CSV ledger,
    /// whose files are not split by day. Archives change only with the generation, so this runs once per index. Ids a
    /// read would not count (unchecked lines before damage in an archive) are left out, so such a record can be stored again.
    /// </summary>
    private void AddArchivedIds(string path, HashSet<string> ids)
    {
        var day = DayOf(path);
        foreach (var file in ListFiles(UsageQuery.All))
        {
            if (file.Active || (_daily && file.Day != day))
            {
                continue;
            }

            using var stream = OpenForRead(file);
            if (stream is null)
            {
                continue;
            }

            var unverified = new List<string>();
            foreach (var entry in _format.Read(stream, file.Path))
            {
                if (entry.Record is { } record)
                {
                    if (file.Compressed && !entry.Verified)
                    {
                        unverified.Add(record.Id);
                    }
                    else
                    {
                        ids.Add(record.Id);
                    }
                }
            }

            if ((stream as GzipArchiveStream)?.Failure is null)
            {
                ids.UnionWith(unverified);
            }
        }
    }

    /// <summary>Takes the ledger lock, for work that must see and change the ledger without any writer in between (budget reservations).</summary>
    public Task<IDisposable> LockAsync(CancellationToken cancellationToken)
    {
        ThrowIfNotALedger();
        return FileLedgerLock.AcquireAsync(LockPath, _options.LockTimeout, cancellationToken);
    }

    /// <summary>
    /// Reads the records matching <paramref name="query"/>; <paramref name="lockHeld"/> when the caller holds the ledger
    /// lock (see <see cref="LockAsync"/>). Memory does not grow with the ledger (decisions.md, 2026-12-02): a JSONL
    /// ledger counts an id once among the files of one day (the day file and its archive), clearing the set of ids seen
    /// when the read moves to the next day; a CSV ledger keeps no set, since its appends refuse any id already in one of
    /// its files.
    /// </summary>
    public async IAsyncEnumerable<UsageRecord> ReadAsync(UsageQuery query, [EnumeratorCancellation] CancellationToken cancellationToken, bool lockHeld = false)
    {
        var seen = _daily ? new HashSet<string>(StringComparer.Ordinal) : null;
        DateOnly? day = null;
        foreach (var file in ListFiles(query))
        {
            if (file.Day != day)
            {
                seen?.Clear();
                day = file.Day;
            }

            await foreach (var entry in ReadFileAsync(file, cancellationToken, lockHeld).ConfigureAwait(false))
            {
                if (entry.Record is { } record)
                {
                    if ((seen is null || seen.Add(record.Id)) && query.Matches(record))
                    {
                        yield return record;
                    }
                }
                else if (entry.Problem is { } problem)
                {
                    _options.OnProblem?.Invoke(problem);
                }
            }
        }
    }

    /// <summary>
    /// Reads a file; an incomplete last line is checked again under the lock, since a writer may be finishing it (unless
    /// <paramref name="lockHeld"/>: then no writer can be, and the line is read as it is). A
    /// damaged archive is reported and read up to the damage: its records that their own line checksum vouches for
    /// count, while records without a checksum are held back until the archive's gzip CRC-32 has vouched for them.
    /// </summary>
    private async IAsyncEnumerable<FileEntry> ReadFileAsync(LedgerFile file, [EnumeratorCancellation] CancellationToken cancellationToken, bool lockHeld = false)
    {
        FileEntry? incomplete = null;
        List<FileEntry>? unverified = null;
        string? archiveFailure = null;
        using (var stream = OpenForRead(file))
        {
            if (stream is null)
            {
                yield break;
            }

            foreach (var entry in _format.Read(stream, file.Path))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!entry.Complete && !file.Compressed && !lockHeld)
                {
                    incomplete = entry;
                    break;
                }

                if (file.Compressed && entry.Record is not null && !entry.Verified)
                {
                    (unverified ??= []).Add(entry);
                    continue;
                }

                yield return entry;
            }

            archiveFailure = (stream as GzipArchiveStream)?.Failure;
        }

        if (archiveFailure is not null)
        {
            yield return ArchiveProblem(file, archiveFailure, unverified?.Count ?? 0);
        }
        else if (unverified is not null)
        {
            foreach (var entry in unverified)
            {
                yield return entry;
            }
        }

        if (incomplete is { } torn)
        {
            List<FileEntry> tail;
            using (await FileLedgerLock.AcquireAsync(LockPath, _options.LockTimeout, cancellationToken).ConfigureAwait(false))
            {
                using var stream = OpenForRead(file);
                tail = stream is null ? [] : [.. _format.Read(stream, file.Path).SkipWhile(e => e.Line < torn.Line)];
            }

            foreach (var entry in tail)
            {
                yield return entry;
            }
        }
    }

    private static FileEntry ArchiveProblem(LedgerFile file, string failure, int unverified)
    {
        var message = "the archive is damaged (" + failure + "); what follows the damage is lost, and records read before it count only where their line checksum vouches for them";
        if (unverified > 0)
        {
            message += string.Create(CultureInfo.InvariantCulture, $" ({unverified} lines without a checksum were not counted)");
        }

        return new FileEntry(null, new LedgerProblem(file.Path, 0, null, message), [], 0, true);
    }

    private static Stream? OpenForRead(LedgerFile file)
    {
        try
        {
            var stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
            return file.Compressed ? new GzipArchiveStream(stream) : stream;
        }
        catch (FileNotFoundException)
        {
            return null; // archived or deleted by maintenance since it was listed
        }
    }

    public async Task<int> ReviseCostsAsync(IReadOnlyList<CostRevision> revisions, CancellationToken cancellationToken)
    {
        if (revisions.Count == 0)
        {
            return 0;
        }

        var byId = new Dictionary<string, CostRevision>(StringComparer.Ordinal);
        foreach (var revision in revisions)
        {
            byId[revision.Id] = revision;
        }

        return await RewriteAsync(
            (entry, _, output) =>
            {
                if (entry.Record is { } record && byId.TryGetValue(record.Id, out var revision)
                    && (record.CostUsd != revision.CostUsd || record.Price != revision.Price || (revision.Provider is { } provider && provider != record.Provider)))
                {
                    _format.Write([record with { CostUsd = revision.CostUsd, Price = revision.Price, Provider = revision.Provider ?? record.Provider }], output);
                    return true;
                }

                return false;
            },
            repair: false,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> QuarantineAsync(CancellationToken cancellationToken)
    {
        return await RewriteAsync(
            (entry, path, _) =>
            {
                if (entry.Record is not null)
                {
                    return false;
                }

                Reject(path, entry);
                return true; // dropped from the ledger file, kept in the .rejected file
            },
            repair: true,
            cancellationToken).ConfigureAwait(false);
    }

    private static void Reject(string path, FileEntry entry)
    {
        if (entry.Raw.Length == 0)
        {
            return;
        }

        using var stream = SecureFile.OpenToAppend(path + ".rejected");
        stream.Write(entry.Raw);
        stream.Write("\n"u8);
    }

    /// <summary>
    /// Rewrites every file in which <paramref name="replace"/> changes an entry, atomically and under the lock.
    /// <paramref name="replace"/> gets the entry and its file, writes the entry's replacement (or nothing) and returns
    /// true, or returns false to keep the entry byte for byte. A <paramref name="repair"/> also replaces a damaged header
    /// and rewrites a damaged archive from what could be read (the original kept beside it as <c>.corrupt</c>); otherwise
    /// a damaged archive is left as it is.
    /// </summary>
    private async Task<int> RewriteAsync(Func<FileEntry, string, ArrayBufferWriter<byte>, bool> replace, bool repair, CancellationToken cancellationToken)
    {
        ThrowIfNotALedger();
        var changed = 0;
        using var held = await FileLedgerLock.AcquireAsync(LockPath, _options.LockTimeout, cancellationToken).ConfigureAwait(false);
        foreach (var file in ListFiles(UsageQuery.All))
        {
            List<FileEntry> entries;
            string? archiveFailure;
            using (var stream = OpenForRead(file))
            {
                if (stream is null)
                {
                    continue;
                }

                entries = [.. _format.Read(stream, file.Path)];
                archiveFailure = (stream as GzipArchiveStream)?.Failure;
            }

            var fileChanged = 0;
            if (archiveFailure is not null)
            {
                if (!repair)
                {
                    continue;
                }

                // Nothing vouches for unchecked lines read before the damage: they go to .rejected with the rest.
                var unverified = entries.Count(e => e.Record is not null && !e.Verified);
                entries = [.. entries.Select(e => e.Record is not null && !e.Verified ? e with { Record = null, Problem = ArchiveProblem(file, archiveFailure, unverified).Problem } : e)];
                File.Copy(file.Path, FreeName(file.Path + ".corrupt"));
                fileChanged++;
            }

            var headerDamaged = entries.Any(e => e.IsHeader && e.Problem is not null);
            var output = new ArrayBufferWriter<byte>();
            var headerWritten = false;
            foreach (var entry in entries)
            {
                if (entry.IsHeader)
                {
                    if (headerWritten)
                    {
                        continue; // a later note about the header, not a line
                    }

                    headerWritten = true;
                    if (headerDamaged && repair)
                    {
                        output.Write(_format.RepairedHeader(entries));
                        Reject(file.Path, entry);
                        fileChanged++;
                        continue;
                    }
                }
                else if (replace(entry, file.Path, output))
                {
                    fileChanged++;
                    continue;
                }

                output.Write(entry.Raw);
                output.Write("\n"u8);
            }

            if (!headerWritten && entries.Count > 0)
            {
                output = Prepend(_format.Preamble, output);
            }

            if (fileChanged > 0)
            {
                ReplaceFile(file, output.WrittenSpan);
                changed += fileChanged;
            }
        }

        if (changed > 0)
        {
            BumpGeneration();
        }

        return changed;
    }

    private static ArrayBufferWriter<byte> Prepend(ReadOnlySpan<byte> head, ArrayBufferWriter<byte> body)
    {
        var output = new ArrayBufferWriter<byte>(Math.Max(1, head.Length + body.WrittenCount));
        output.Write(head);
        output.Write(body.WrittenSpan);
        return output;
    }

    /// <summary><paramref name="path"/>, or <c>path.2</c>, <c>path.3</c>… when it is taken.</summary>
    private static string FreeName(string path)
    {
        var candidate = path;
        for (var n = 2; File.Exists(candidate); n++)
        {
            candidate = string.Create(CultureInfo.InvariantCulture, $"{path}.{n}");
        }

        return candidate;
    }

    public async Task<LedgerHealth> CheckAsync(string spec, CancellationToken cancellationToken)
    {
        // Unlike a read, the check holds every id (with the day of the files it was last met in; files come in day order),
        // to tell the repeats a read drops (JSONL, same day) from those it counts again (JSONL, another day; CSV, any).
        var problems = new List<LedgerProblem>();
        var lastDay = new Dictionary<string, DateOnly?>(StringComparer.Ordinal);
        long records = 0, duplicates = 0, countedAgain = 0;
        var files = ListFiles(UsageQuery.All).ToList();
        foreach (var file in files)
        {
            await foreach (var entry in ReadFileAsync(file, cancellationToken).ConfigureAwait(false))
            {
                if (entry.Record is { } record)
                {
                    if (lastDay.TryAdd(record.Id, file.Day))
                    {
                        records++;
                    }
                    else if (_daily && lastDay[record.Id] == file.Day)
                    {
                        duplicates++;
                    }
                    else
                    {
                        lastDay[record.Id] = file.Day;
                        records++;
                        countedAgain++;
                    }
                }
                else if (entry.Problem is { } problem)
                {
                    problems.Add(problem);
                }
            }
        }

        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["files"] = files.Count(f => !f.Compressed).ToString(CultureInfo.InvariantCulture),
            ["archived files"] = files.Count(f => f.Compressed).ToString(CultureInfo.InvariantCulture),
            ["repeated ids (counted once)"] = duplicates.ToString(CultureInfo.InvariantCulture),
            ["repeated ids (counted again)"] = countedAgain.ToString(CultureInfo.InvariantCulture),
        };
        return new LedgerHealth(spec, records, problems, details);
    }

    public async Task<LedgerMaintenanceResult> MaintainAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        ThrowIfNotALedger();
        int rotated = 0, compressed = 0, deleted = 0;
        if (!Directory.Exists(_root))
        {
            return new LedgerMaintenanceResult(0, 0, 0);
        }

        using var held = await FileLedgerLock.AcquireAsync(LockPath, _options.LockTimeout, cancellationToken).ConfigureAwait(false);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (!_daily && _options.MaxFileBytes is { } maxBytes && File.Exists(_singleFile) && new FileInfo(_singleFile!).Length > maxBytes)
        {
            SecureFile.EnsureDirectory(ArchiveDirectory);
            var target = Path.Combine(ArchiveDirectory, now.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture) + _format.Extension);
            File.Move(_singleFile!, target);
            rotated++;
        }

        foreach (var file in ListFiles(UsageQuery.All).ToList())
        {
            if (file.Day is not { } day || (file.Active && !_daily))
            {
                continue;
            }

            var age = today.DayNumber - day.DayNumber;
            if (_options.RetentionDays is { } keep && age > keep)
            {
                File.Delete(file.Path);
                deleted++;
            }
            else if (!file.Compressed && day < today && _options.CompressAfterDays is { } after && age >= after)
            {
                SecureFile.EnsureDirectory(ArchiveDirectory);
                var target = Path.Combine(ArchiveDirectory, Path.GetFileName(file.Path) + ".gz");
                var (temporary, output) = SecureFile.CreateTemporary(ArchiveDirectory, Path.GetFileName(target));
                using (var input = File.OpenRead(file.Path))
                using (output)
                using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
                {
                    input.CopyTo(gzip);
                }

                File.Move(temporary, target, overwrite: true);
                File.Delete(file.Path);
                compressed++;
            }
        }

        if (rotated + compressed + deleted > 0)
        {
            BumpGeneration();
            _indexes.Clear();
        }

        return new LedgerMaintenanceResult(rotated, compressed, deleted);
    }

    private string ActivePathFor(UsageRecord record) => _daily
        ? Path.Combine(_root, record.Timestamp.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + _format.Extension)
        : _singleFile!;

    /// <summary>Files holding records that may match <paramref name="query"/>: archives first, then active files, oldest first.</summary>
    /// <summary>
    /// Refuses a location that is another kind of thing before anything reads, appends to or rewrites it: a folder ledger
    /// that is a file, a one-file ledger that is a folder or a SQLite database (the usual slip: <c>csv:</c> or
    /// <c>jsonl:</c> given the SQLite ledger's path). Read as a ledger, a database was nothing but damaged lines, which
    /// <c>doctor --repair</c> moved into a .rejected file and <c>record</c> appended rows to.
    /// </summary>
    private void ThrowIfNotALedger()
    {
        // Once the ledger exists and was found to be one, it stays one for this instance: every append and read called
        // this, and it costs stat calls up the path and an open of the file.
        if (_locationVerified)
        {
            return;
        }

        var scheme = _format.Extension.TrimStart('.');
        if (_daily && File.Exists(_root))
        {
            throw NotALedger(_root, $"is a file, not a folder: a {scheme}: ledger is a folder of daily {_format.Extension} files; give a folder path such as {scheme}:/path/usage");
        }

        for (var folder = _daily ? Path.GetDirectoryName(_root) : _root; folder is not null; folder = Path.GetDirectoryName(folder))
        {
            if (File.Exists(folder))
            {
                throw NotALedger(folder, $"is a file, so the {scheme}: ledger {_singleFile ?? _root} cannot be under it; choose another path");
            }
        }

        if (_daily)
        {
            _locationVerified = Directory.Exists(_root);
            return;
        }

        if (Directory.Exists(_singleFile))
        {
            throw NotALedger(_singleFile!, $"is a folder, not a file: a {scheme}: ledger is one file; give a file path such as {scheme}:/path/usage{_format.Extension}");
        }

        Span<byte> header = stackalloc byte[SqliteHeader.Length];
        int read;
        try
        {
            using var stream = new FileStream(_singleFile!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return;
        }

        if (read == header.Length && header.SequenceEqual(SqliteHeader))
        {
            throw NotALedger(_singleFile!, $"is a SQLite database, not a {scheme}: ledger; open it as sqlite:{_singleFile}");
        }

        _locationVerified = read == header.Length;
    }

    private static LedgerFormatException NotALedger(string path, string problem) => new(new LedgerProblem(path, 0, null, problem));

    private IEnumerable<LedgerFile> ListFiles(UsageQuery query)
    {
        ThrowIfNotALedger();
        var files = new List<LedgerFile>();
        if (Directory.Exists(ArchiveDirectory))
        {
            foreach (var path in Directory.EnumerateFiles(ArchiveDirectory))
            {
                // A .gz beside its uncompressed original is a compression that stopped before deleting the original:
                // the original is read, the copy not (a CSV read keeps no set that would drop it).
                var compressed = path.EndsWith(_format.Extension + ".gz", StringComparison.Ordinal);
                if (compressed && File.Exists(path[..^3]))
                {
                    continue;
                }

                if (compressed || path.EndsWith(_format.Extension, StringComparison.Ordinal))
                {
                    files.Add(new LedgerFile(path, DayOf(path), compressed, Active: false));
                }
            }
        }

        if (_daily)
        {
            if (Directory.Exists(_root))
            {
                foreach (var path in Directory.EnumerateFiles(_root, "*" + _format.Extension))
                {
                    if (DayOf(path) is { } day)
                    {
                        files.Add(new LedgerFile(path, day, Compressed: false, Active: true));
                    }
                }
            }
        }
        else if (File.Exists(_singleFile))
        {
            files.Add(new LedgerFile(_singleFile!, DateOnly.FromDateTime(DateTime.UtcNow), Compressed: false, Active: true));
        }

        var since = query.Since is { } s ? DateOnly.FromDateTime(s.UtcDateTime) : (DateOnly?)null;
        // Until is exclusive: a range ending at midnight needs nothing of the day that starts then.
        var until = query.Until is { } u ? DateOnly.FromDateTime(u.UtcDateTime > DateTime.MinValue ? u.UtcDateTime.AddTicks(-1) : u.UtcDateTime) : (DateOnly?)null;
        return files
            .Where(f => !_daily || f.Day is null || ((since is null || f.Day >= since) && (until is null || f.Day <= until)))
            .OrderBy(f => f.Day ?? DateOnly.MinValue).ThenBy(f => f.Path, StringComparer.Ordinal);
    }

    /// <summary>The day in a file name: <c>2026-11-23.jsonl</c> for daily files, <c>20261123T…Z.csv</c> for rotated ones.</summary>
    private static DateOnly? DayOf(string path)
    {
        var name = Path.GetFileName(path);
        if (name.Length >= 10 && DateOnly.TryParseExact(name[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }

        return name.Length >= 8 && DateOnly.TryParseExact(name[..8], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day) ? day : null;
    }

    private static void ReplaceFile(LedgerFile file, ReadOnlySpan<byte> content)
    {
        if (file.Compressed && content.IsEmpty)
        {
            File.Delete(file.Path); // nothing readable was left in a damaged archive; its original is kept as .corrupt
            return;
        }

        // A new random name opened with O_EXCL: a link planted at "<ledger>.tmp" is never followed or renamed into place.
        var (temp, output) = SecureFile.CreateTemporary(Path.GetDirectoryName(file.Path)!, Path.GetFileName(file.Path));
        using (output)
        {
            if (file.Compressed)
            {
                using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
                {
                    gzip.Write(content);
                }
            }
            else
            {
                output.Write(content);
            }

            output.Flush(flushToDisk: true);
        }

        File.Move(temp, file.Path, overwrite: true);
    }

    private long ReadGeneration()
    {
        try
        {
            return File.Exists(GenerationPath) && long.TryParse(File.ReadAllText(GenerationPath), CultureInfo.InvariantCulture, out var value) ? value : 0;
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private void BumpGeneration()
    {
        var next = ReadGeneration() + 1;
        SecureFile.WriteAllBytesAtomic(GenerationPath, Encoding.ASCII.GetBytes(next.ToString(CultureInfo.InvariantCulture)));
    }

    private sealed class IdIndex
    {
        public HashSet<string> Ids { get; } = new(StringComparer.Ordinal);

        /// <summary>The ids in the archives that the file's appends must not repeat; see <see cref="AddArchivedIds"/>.</summary>
        public HashSet<string> Archived { get; } = new(StringComparer.Ordinal);

        public long Offset { get; set; }

        public long Generation { get; init; }

        /// <summary>The number of the last append that wrote to (or checked) this file.</summary>
        public long LastAppend { get; set; }
    }

    private readonly record struct LedgerFile(string Path, DateOnly? Day, bool Compressed, bool Active);
}
