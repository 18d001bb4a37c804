using System.Text.RegularExpressions;
using Distributed.Tests.Faults;
using YamlDotNet.RepresentationModel;

namespace Distributed.Tests.Deployment;

/// <summary>
/// deploy/k8s as a hardened deployment has it, read from both rendered trees as kubectl applies
/// them: every workload as the Pod Security Standard "restricted" asks, no token it does not use,
/// only the two APIs reachable from outside, egress closed by default, and every image pinned.
/// </summary>
public sealed partial class HardenedWorkloadTests
{
    private static readonly Lazy<List<YamlMappingNode>> Base = new(() => KubernetesTree.Render("k8s"));
    private static readonly Lazy<List<YamlMappingNode>> Keda = new(() => KubernetesTree.Render("overlays", "keda"));

    public static TheoryData<string> Trees => ["k8s", "keda"];

    private static List<YamlMappingNode> Tree(string name) => name == "k8s" ? Base.Value : Keda.Value;

    private static IEnumerable<YamlMappingNode> Workloads(string tree) =>
        Tree(tree).Where(d => d["kind"].ToString() is "Deployment" or "StatefulSet" or "Job");

    private static string Name(YamlMappingNode document) => document["metadata"]["name"].ToString();

    private static YamlMappingNode PodSpec(YamlMappingNode workload) => (YamlMappingNode)workload["spec"]["template"]["spec"];

    private static IEnumerable<YamlMappingNode> Containers(YamlMappingNode workload) =>
        ((YamlSequenceNode)PodSpec(workload)["containers"]).Children.Cast<YamlMappingNode>();

    [Theory]
    [MemberData(nameof(Trees))]
    public void Every_workload_runs_as_the_restricted_standard_asks(string tree)
    {
        Assert.True(Workloads(tree).Count() >= 12, "fewer workloads than the tree has");
        foreach (var workload in Workloads(tree))
        {
            foreach (var container in Containers(workload))
            {
                var context = (YamlMappingNode)container["securityContext"];
                var where = $"{Name(workload)}/{container["name"]}";
                Assert.True(context["runAsNonRoot"].ToString() == "true", $"{where} may run as root");
                Assert.True(context["allowPrivilegeEscalation"].ToString() == "false", $"{where} may escalate");
                Assert.True(context["readOnlyRootFilesystem"].ToString() == "true", $"{where} writes its root filesystem");
                Assert.Equal(["ALL"], ((YamlSequenceNode)context["capabilities"]["drop"]).Children.Select(c => c.ToString()));
                Assert.Equal("RuntimeDefault", context["seccompProfile"]["type"].ToString());
            }

            // Only Prometheus reads the Kubernetes API.
            Assert.Equal(Name(workload) == "prometheus" ? "true" : "false", PodSpec(workload)["automountServiceAccountToken"].ToString());
        }
    }

    [Theory]
    [MemberData(nameof(Trees))]
    public void Only_the_two_apis_are_reachable_from_outside_the_cluster(string tree)
    {
        var exposed = Tree(tree)
            .Where(d => d["kind"].ToString() == "Service"
                && ((YamlMappingNode)d["spec"]).Children.TryGetValue("type", out var type) && type.ToString() is "NodePort" or "LoadBalancer")
            .Select(Name)
            .Order();
        Assert.Equal(["aggregator", "gateway"], exposed);
    }

    [Theory]
    [MemberData(nameof(Trees))]
    public void The_two_apis_ask_for_tokens_and_serve_metrics_on_no_port_the_public_reaches(string tree)
    {
        var publicApis = Tree(tree).Single(d => d["kind"].ToString() == "NetworkPolicy" && Name(d) == "public-apis");
        var publicPorts = ((YamlSequenceNode)publicApis["spec"]["ingress"]).Children
            .SelectMany(rule => ((YamlSequenceNode)rule["ports"]).Children).Select(port => port["port"].ToString()).ToHashSet();
        foreach (var (api, audience) in new[] { ("gateway", Contracts.ApiTokens.GatewayAudience), ("aggregator", Contracts.ApiTokens.QueryAudience) })
        {
            var workload = Workloads(tree).Single(w => Name(w) == api);
            var env = ((YamlSequenceNode)Containers(workload).Single()["env"]).Children.Cast<YamlMappingNode>()
                .ToDictionary(variable => variable["name"].ToString());
            Assert.Equal("true", env[Contracts.ApiTokens.EnabledVariable]["value"].ToString());
            Assert.Equal(audience, env["Authentication__Schemes__Bearer__ValidAudiences__0"]["value"].ToString());
            Assert.Equal("api-auth", env[$"ConnectionStrings__{Contracts.ApiTokens.SigningKeyConnectionName}"]["valueFrom"]["secretKeyRef"]["name"].ToString());

            // Prometheus scrapes the metrics port; the public policy and the NodePort lead elsewhere.
            var metricsPort = env[ServiceDefaults.Http.ListenAddressExtensions.MetricsPortVariable]["value"].ToString();
            Assert.Equal(metricsPort, workload["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"].ToString());
            Assert.DoesNotContain(metricsPort, publicPorts);
            var service = Tree(tree).Single(d => d["kind"].ToString() == "Service" && Name(d) == api);
            var containerPorts = ((YamlSequenceNode)Containers(workload).Single()["ports"]).Children.ToDictionary(port => port["name"].ToString(), port => port["containerPort"].ToString());
            Assert.All(((YamlSequenceNode)service["spec"]["ports"]).Children, port =>
                Assert.NotEqual(metricsPort, containerPorts.GetValueOrDefault(port["targetPort"].ToString(), port["targetPort"].ToString())));
        }
    }

    [Theory]
    [MemberData(nameof(Trees))]
    public void Egress_is_closed_unless_a_policy_opens_it(string tree)
    {
        var policies = Tree(tree).Where(d => d["kind"].ToString() == "NetworkPolicy").ToList();
        var denyAll = Assert.Single(policies, p => Name(p) == "default-deny-egress");
        Assert.Empty((YamlMappingNode)denyAll["spec"]["podSelector"]);
        // What it lets out is DNS only.
        var dns = (YamlMappingNode)Assert.Single(((YamlSequenceNode)denyAll["spec"]["egress"]).Children);
        Assert.All(((YamlSequenceNode)dns["ports"]).Children, port => Assert.Equal("53", port["port"].ToString()));

        // No rule but Prometheus's way to the Kubernetes API leaves the pod network.
        foreach (var policy in policies.Where(p => ((YamlMappingNode)p["spec"]).Children.ContainsKey("egress")))
        {
            foreach (var rule in ((YamlSequenceNode)policy["spec"]["egress"]).Children.Cast<YamlMappingNode>())
            {
                if (!rule.Children.ContainsKey("to"))
                {
                    Assert.Equal("egress-prometheus", Name(policy));
                    Assert.Equal(["443", "6443"], ((YamlSequenceNode)rule["ports"]).Children.Select(p => p["port"].ToString()));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Trees))]
    public void Every_image_is_pinned(string tree)
    {
        var deploy = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "scripts", "deploy.sh"));
        Assert.Contains("rendered=${rendered//:unreleased/:$TAG}", deploy, StringComparison.Ordinal);
        foreach (var container in Workloads(tree).SelectMany(Containers))
        {
            var image = container["image"].ToString();
            // The project's own: the commit scripts/deploy.sh puts in place of "unreleased".
            // PostgreSQL's releases are major.minor; everything else's major.minor.patch.
            Assert.True(image.EndsWith(":unreleased", StringComparison.Ordinal) || ExactRelease().IsMatch(image) || PostgresRelease().IsMatch(image),
                $"{image} is not pinned to an exact release");
        }

        var postgres = Workloads(tree).SelectMany(Containers).Single(c => c["name"].ToString() == "postgres")["image"].ToString();
        var publishedPostgres = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "postgres", "Dockerfile"));
        Assert.Contains(postgres[(postgres.LastIndexOf(':') + 1)..], publishedPostgres, StringComparison.Ordinal);
        Assert.Equal(Distributed.AppHost.Infrastructure.PostgresResourceExtensions.ContainerTag, postgres[(postgres.LastIndexOf(':') + 1)..]);
        var nats = Workloads(tree).SelectMany(Containers).Single(c => c["name"].ToString() == "nats")["image"].ToString();
        Assert.Contains($"FROM {nats}", File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "nats", "Dockerfile")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_nats_liveness_probe_fails_when_jetstream_is_off(bool jetStream)
    {
        // The probe's own command, as the pod runs it, against a real nats-server's monitoring port.
        var nats = Workloads("k8s").Single(w => Name(w) == "nats");
        var command = ((YamlSequenceNode)Containers(nats).Single()["livenessProbe"]["exec"]["command"]).Children.Select(c => c.ToString()).ToList();
        var monitor = ProcessLauncher.FreePort();
        var directory = Directory.CreateTempSubdirectory("distributed-liveness").FullName;
        List<string> arguments = ["-a", "127.0.0.1", "-p", ProcessLauncher.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-m", monitor.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", directory];
        if (jetStream)
        {
            arguments.Insert(0, "-js");
        }

        await using var server = new ManagedProcess("nats", Distributed.AppHost.Infrastructure.LocalExecutables.Find("nats-server")!, arguments,
            new Dictionary<string, string>(), Path.Combine(directory, "nats.log"));
        server.Start();
        using var http = new HttpClient();
        await Integration.Eventually.MatchAsync(async () => (await http.GetAsync(new Uri($"http://127.0.0.1:{monitor}/varz"))).IsSuccessStatusCode,
            up => up, TimeSpan.FromSeconds(20), "nats-server's monitoring");

        var probe = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(command[0], [.. command[1..^1], command[^1].Replace("8222", monitor.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)]))!;
        await probe.WaitForExitAsync();
        Assert.Equal(jetStream, probe.ExitCode == 0);
    }

    /// <summary>name:1.2.3, v1.2.3, with an optional -variant suffix.</summary>
    [GeneratedRegex(@":v?\d+\.\d+\.\d+(-[a-z0-9.]+)?$")]
    private static partial Regex ExactRelease();

    [GeneratedRegex(@"^postgres:\d+\.\d+$")]
    private static partial Regex PostgresRelease();
}
