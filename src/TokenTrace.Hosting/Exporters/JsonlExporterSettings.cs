namespace TokenTrace.Hosting;

/// <summary>The <c>exporters.jsonl</c> section: a settable mirror of <see cref="JsonlFileExporterOptions"/>.</summary>
public sealed class JsonlExporterSettings
{
    /// <summary>The file records are appended to (created owner-only).</summary>
    public string Path { get; set; } = "";

    /// <summary>The most records written at once; default 100.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Records the queue holds before new ones are dropped and counted; default 10,000.</summary>
    public int Capacity { get; set; } = 10_000;

    /// <summary>Seconds a record may wait for its batch to fill; default 1.</summary>
    public double IntervalSeconds { get; set; } = 1;

    /// <summary>Seconds stopping waits for queued records to be written; default 10.</summary>
    public double DrainTimeoutSeconds { get; set; } = 10;

    /// <summary>The exporter's options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A number of seconds is not finite or out of range.</exception>
    public JsonlFileExporterOptions ToOptions() => new()
    {
        Path = Path,
        Batching = new ExportBatching
        {
            BatchSize = BatchSize,
            Capacity = Capacity,
            Interval = ExportSeconds.ToTimeSpan(IntervalSeconds, nameof(IntervalSeconds)),
            DrainTimeout = ExportSeconds.ToTimeSpan(DrainTimeoutSeconds, nameof(DrainTimeoutSeconds)),
        },
    };
}
