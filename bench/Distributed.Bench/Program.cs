using Distributed.Bench;

// distributed-bench load --url http://127.0.0.1:3000 --rate 500 --duration 30s [--aggregator http://127.0.0.1:3001] [--json out.json]
return await BenchCommand.RunAsync(args);
