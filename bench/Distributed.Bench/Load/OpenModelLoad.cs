using System.Diagnostics;
using Distributed.Load;

namespace Distributed.Bench.Load;

/// <summary>
/// The bench's open-model run: <see cref="OpenLoad"/> (the project's one load generator, as the
/// AppHost's "Send load" and the fault tests use it) at a fixed rate for a while, every answer's
/// latency, counted from when its task was due, into the recorder's histogram. A task that comes
/// due while <c>--max-in-flight</c> requests wait already is skipped and counted as an error.
/// </summary>
public sealed class OpenModelLoad(LoadOptions options, LoadRecorder recorder)
{
    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken)
    {
        using var client = TaskRequests.CreateClient(options, options.MaxInFlight);
        var total = (long)Math.Round(options.Rate * options.Duration.TotalSeconds);
        var clock = Stopwatch.StartNew();
        using var progress = recorder.StartProgress(clock, total.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var load = new OpenLoad(client, new OpenLoadOptions
        {
            TaskType = options.TaskType,
            Rate = options.Rate,
            Count = total,
            MaxInFlight = options.MaxInFlight,
            Data = sequence => $$"""{"seq":{{sequence}},"value":42}""",
        })
        {
            OnAnswer = (status, latency) =>
            {
                if (status == 0)
                {
                    recorder.Failed();
                }
                else
                {
                    recorder.Answered(status, latency);
                }
            },
        };

        var report = await load.RunAsync(cancellationToken);
        for (var i = 0; i < report.Skipped; i++)
        {
            recorder.Failed();
        }

        return recorder.Result(total, clock.Elapsed);
    }
}
