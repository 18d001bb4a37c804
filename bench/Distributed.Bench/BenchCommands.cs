using Distributed.Bench.Ceilings;
using Distributed.Bench.Load;
using Distributed.Bench.Nats;
using Distributed.Bench.Reporting;

namespace Distributed.Bench;

public static class BenchCommands
{
    private const string Usage = """
        usage: distributed-bench <command> [--name value ...]
          load            HTTP load on POST /tasks: --url --rate RPS | --connections N, --duration,
                          [--aggregator URL] [--track-processes true] [--label TEXT] [--json FILE]
          ceilings        each step alone: [--discover true | --nats URL --postgres CS] [--gateway URL
                          --aggregator URL] [--duration 10s] [--connections 64] [--rate 1000] [--json FILE]
          ceiling-server  (used by ceilings) --mode parse|jetstream --port P --nats URL
          nats            nats bench's tests: [--discover true | --nats URL] [--tests pub,pubsub,queue,reqreply]
                          [--msgs 200000] [--size 128] [--json FILE]
          report          tables and charts from bench/results: [--results DIR] [--out docs]
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        var options = new Arguments(args[1..]);
        switch (args[0])
        {
            case "load":
                return await LoadCommand.RunAsync(options, cancel.Token);
            case "ceilings":
                return await CeilingsCommand.RunAsync(options, cancel.Token);
            case "ceiling-server":
                return await CeilingServer.RunAsync(options);
            case "nats":
                return await NatsCommand.RunAsync(options);
            case "report":
                return await ReportCommand.RunAsync(options);
            default:
                await Console.Error.WriteLineAsync(Usage);
                return 2;
        }
    }
}
