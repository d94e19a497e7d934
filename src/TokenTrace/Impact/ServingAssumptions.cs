namespace TokenTrace;

/// <summary>
/// The serving-side inputs of the energy model, each a range whose <see cref="EstimateRange.Low"/> is the value that gives
/// the lowest energy. Defaults describe an NVIDIA H100 SXM deployment; docs/methodology/carbon.md gives every source.
/// </summary>
public sealed record ServingAssumptions
{
    /// <summary>The defaults, as documented.</summary>
    public static ServingAssumptions Default { get; } = new();

    /// <summary>Accelerator memory bandwidth, bytes per second (H100 SXM: 3.35 TB/s).</summary>
    public double MemoryBandwidth { get; init; } = 3.35e12;

    /// <summary>
    /// Accelerator peak dense BF16 throughput, FLOP per second (H100 SXM: 989 TFLOPS): the matrix multiplications of a
    /// profile whose weights are BF16 (2 bytes), and attention in every profile (serving engines keep attention in BF16
    /// even when the weights and the KV cache are FP8).
    /// </summary>
    public double PeakFlops { get; init; } = 989e12;

    /// <summary>
    /// Accelerator peak dense FP8 throughput, FLOP per second (H100 SXM: 1,979 TFLOPS): the matrix multiplications of a
    /// profile whose weights are FP8 (1 byte), since FP8 serving quantizes activations too (W8A8) and runs FP8 tensor cores.
    /// </summary>
    public double Fp8PeakFlops { get; init; } = 1979e12;

    /// <summary>Accelerator memory, GB (H100: 80).</summary>
    public double MemoryGigabytes { get; init; } = 80;

    /// <summary>Accelerators in one server; serving groups larger than this span servers.</summary>
    public int AcceleratorsPerServer { get; init; } = 8;

    /// <summary>Energy overhead of spanning servers (inter-node networking), applied when the weights need more accelerators than one server has.</summary>
    public double MultiServerOverhead { get; init; } = 1.1;

    /// <summary>
    /// Bytes per weight, which also sets the precision of the matrix multiplications: FP8 (1 byte, <see cref="Fp8PeakFlops"/>)
    /// in most current serving, BF16 (2 bytes, <see cref="PeakFlops"/>) at the high end.
    /// </summary>
    public EstimateRange BytesPerParameter { get; init; } = new(1, 1, 2);

    /// <summary>Concurrent sequences per decode step (batching); more sequences share each read of the weights.</summary>
    public EstimateRange BatchSize { get; init; } = new(64, 32, 16);

    /// <summary>Average accelerator power while serving, watts (H100 SXM TDP 700 W).</summary>
    public EstimateRange AcceleratorWatts { get; init; } = new(450, 550, 650);

    /// <summary>Non-accelerator server power (CPU, memory, network) as a share of accelerator power.</summary>
    public EstimateRange ServerShare { get; init; } = new(0.2, 0.3, 0.45);

    /// <summary>Provisioned capacity over used capacity (idle machines kept for peaks and failover).</summary>
    public EstimateRange IdleMultiplier { get; init; } = new(1.0, 1 / 0.85, 1 / 0.7);

    /// <summary>Model FLOP utilization reached in compute-bound work (prefill and its attention), as a share of the peak of the precision used.</summary>
    public EstimateRange ComputeUtilization { get; init; } = new(0.5, 0.4, 0.3);

    /// <summary>Cost of a cache-read token relative to a prefilled token (no recompute, only attention and KV transfer).</summary>
    public EstimateRange CacheReadFactor { get; init; } = new(0.05, 0.1, 0.2);
}
