using System.Text.RegularExpressions;
using Distributed.Tests.Faults;

namespace Distributed.Tests.Unit;

/// <summary>docs/configuration.md's table and the code say the same: every variable, and where it has an effect.</summary>
public sealed partial class ConfigurationTableTests
{
    private static readonly Dictionary<string, string> Table = ReadTable();

    [Fact]
    public void Every_variable_the_code_reads_is_in_the_table_with_where_it_applies()
    {
        foreach (var variable in ConfigurationCatalog.ServiceVariables())
        {
            Assert.True(Table.TryGetValue(variable, out var where), $"{variable} is read by a service but not in docs/configuration.md's table");
            Assert.True(where is "by hand" or "both", $"{variable} is read by a service started by hand, but the table says '{where}'");
        }

        foreach (var variable in ConfigurationCatalog.AppHostVariables())
        {
            Assert.True(Table.TryGetValue(variable, out var where), $"{variable} is read by the AppHost but not in docs/configuration.md's table");
            Assert.True(where is "AppHost" or "both", $"{variable} has an effect under the AppHost, but the table says '{where}'");
        }
    }

    [Fact]
    public void Every_variable_in_the_table_has_the_effect_it_claims()
    {
        Assert.True(Table.Count > 20, $"only {Table.Count} variables read from docs/configuration.md's table");
        var byHand = ConfigurationCatalog.ServiceVariables();
        var appHost = ConfigurationCatalog.AppHostVariables();
        foreach (var (variable, where) in Table)
        {
            Assert.True(where is "by hand" or "AppHost" or "both", $"{variable}: where is '{where}'");
            Assert.True(where == "AppHost" || byHand.Contains(variable), $"docs/configuration.md says {variable} works by hand; no service reads it");
            Assert.True(where == "by hand" || appHost.Contains(variable), $"docs/configuration.md says {variable} works under the AppHost; the AppHost neither reads nor passes it");
        }
    }

    private static Dictionary<string, string> ReadTable()
    {
        var section = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "configuration.md"));
        var table = new Dictionary<string, string>();
        foreach (Match row in Row().Matches(section))
        {
            foreach (Match variable in Variable().Matches(row.Groups["names"].Value))
            {
                table[variable.Groups[1].Value] = row.Groups["where"].Value.Trim();
            }
        }

        return table;
    }

    [GeneratedRegex(@"^\| (?<names>`[A-Z][^|]*) \| [^|]* \| (?<where>[^|]+) \| [^|]* \|$", RegexOptions.Multiline)]
    private static partial Regex Row();

    [GeneratedRegex(@"`([A-Z][A-Z0-9_]+)`")]
    private static partial Regex Variable();
}
