namespace Distributed.Bench.Reporting;

/// <summary><c>report</c>: the tables (markdown) and charts (PNG) of a bench/run-all.sh result set.</summary>
public static class ReportCommand
{
    public static async Task<int> RunAsync(Arguments args)
    {
        var results = new ResultSet(args.Text("results", "bench/results/latest"));
        var tables = new ResultTables(results).Render();
        var markdown = Path.Combine(results.Root, "report.md");
        await File.WriteAllTextAsync(markdown, tables);
        Console.WriteLine(tables);
        foreach (var chart in new Charts(results).Render(args.Text("out", "docs")))
        {
            await Console.Error.WriteLineAsync($"wrote {chart}");
        }

        await Console.Error.WriteLineAsync($"wrote {markdown}");
        return 0;
    }
}
