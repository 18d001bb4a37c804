namespace Distributed.Tests.Faults;

/// <summary>A Markdown table under TestResults/ that each fault test adds its row to, for the README's figures.</summary>
public sealed class FaultReport(string fileName, params string[] columns)
{
    private readonly string _file = Path.Combine(RepositoryPaths.Root, "TestResults", fileName);

    public void Add(params object[] cells)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
        if (!File.Exists(_file))
        {
            File.WriteAllText(_file, $"| {string.Join(" | ", columns)} |\n|{string.Concat(columns.Select(_ => "---|"))}\n");
        }

        File.AppendAllText(_file, Row(cells) + "\n");
    }

    public static string Row(params object[] cells) =>
        $"| {string.Join(" | ", cells.Select(cell => Convert.ToString(cell, System.Globalization.CultureInfo.InvariantCulture)))} |";
}
