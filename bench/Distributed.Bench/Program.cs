using Distributed.Bench;

// distributed-bench load|ceilings|ceiling-server|nats|report --name value ...  (see docs/benchmarks.md)
return await BenchCommands.RunAsync(args);
