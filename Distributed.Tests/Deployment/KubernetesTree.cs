using System.Diagnostics;
using Distributed.Tests.Faults;
using YamlDotNet.RepresentationModel;

namespace Distributed.Tests.Deployment;

/// <summary>A kustomize tree under deploy/, rendered as kubectl applies it.</summary>
public static class KubernetesTree
{
    public static List<YamlMappingNode> Render(params string[] tree)
    {
        var info = new ProcessStartInfo("kubectl")
        {
            ArgumentList = { "kustomize", Path.Combine([RepositoryPaths.Root, "deploy", .. tree]) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "kubectl kustomize failed: " + errors);

        var stream = new YamlStream();
        stream.Load(new StringReader(output));
        var documents = stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
        Assert.True(documents.Count > 20, $"only {documents.Count} objects rendered");
        return documents;
    }
}
