using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/TokenTrace.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(TokenTrace.Benchmarks.RecordBenchmarks).Assembly).Run(args);
