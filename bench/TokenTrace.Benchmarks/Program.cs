using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/TokenTrace.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/TokenTrace.Benchmarks -- caller-thread   (the middleware's cost on the caller's thread alone)
if (args is ["caller-thread"])
{
    TokenTrace.Benchmarks.CallerThreadCost.Run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(TokenTrace.Benchmarks.RecordBenchmarks).Assembly).Run(args);
