using Distributed.Bench;

// distributed-bench load|ceilings|ceiling-server|nats|chart --name value ...  (see bench/README.md)
return await BenchCommands.RunAsync(args);
