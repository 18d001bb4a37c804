using System.Text.RegularExpressions;
using Distributed.Tests.Faults;

namespace Distributed.Tests.Deployment;

/// <summary>
/// The README and docs/ lead where they say: every relative link names a file or folder of the
/// repository, and every #anchor a heading of the page it points into (as GitHub makes its anchors).
/// </summary>
public sealed partial class DocumentLinkTests
{
    public static TheoryData<string> Documents =>
    [
        "README.md",
        .. Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "docs"), "*.md").Select(path => Path.GetRelativePath(RepositoryPaths.Root, path)).Order(),
    ];

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_relative_link_resolves(string document)
    {
        var path = Path.Combine(RepositoryPaths.Root, document);
        var broken = new List<string>();
        foreach (Match link in Link().Matches(WithoutCode(File.ReadAllText(path))))
        {
            var target = link.Groups[1].Value;
            if (Uri.TryCreate(target, UriKind.Absolute, out _))
            {
                continue;
            }

            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var file = hash < 0 ? target : target[..hash];
            var resolved = file.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, file));
            if (!File.Exists(resolved) && !Directory.Exists(resolved))
            {
                broken.Add(target);
            }
            else if (hash >= 0 && resolved.EndsWith(".md", StringComparison.Ordinal) && !Anchors(resolved).Contains(target[(hash + 1)..]))
            {
                broken.Add(target);
            }
        }

        Assert.True(broken.Count == 0, $"{document}: {string.Join(", ", broken)}");
    }

    [Fact]
    public void The_readme_is_a_front_door_with_the_two_commands_ci_runs()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        Assert.True(readme.Split('\n').Length <= 200, "README.md is longer than 200 lines");
        Assert.Contains("./scripts/dev.sh\n", readme, StringComparison.Ordinal);
        Assert.Contains("./scripts/test.sh\n", readme, StringComparison.Ordinal);
        Assert.Contains("scripts/test.sh", File.ReadAllText(Path.Combine(RepositoryPaths.Root, ".ci", "run")), StringComparison.Ordinal);
    }

    /// <summary>GitHub's anchors: each heading lower-cased, without punctuation but '-' and '_', spaces as '-'.</summary>
    private static HashSet<string> Anchors(string markdown) =>
        [.. Heading().Matches(WithoutCode(File.ReadAllText(markdown)))
            .Select(heading => Punctuation().Replace(heading.Groups[1].Value.Trim().ToLowerInvariant(), string.Empty).Replace(' ', '-'))];

    private static string WithoutCode(string markdown) => Fence().Replace(markdown, string.Empty);

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\p{L}\p{N}_\- ]")]
    private static partial Regex Punctuation();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();
}
