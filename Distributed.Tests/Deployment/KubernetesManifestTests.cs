using Distributed.AppHost.Infrastructure;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Distributed.Tests.Faults;
using YamlDotNet.RepresentationModel;

namespace Distributed.Tests.Deployment;

/// <summary>
/// The kustomize tree, rendered as kubectl would apply it, checked against what the services
/// really do: probes on paths they map, scrape annotations on the port that serves /metrics,
/// only environment variables the services read, an autoscaler on the processor.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    private static readonly Dictionary<string, (int Port, string Address)> Services = new()
    {
        ["gateway"] = (3000, "GATEWAY_ADDR"),
        ["aggregator"] = (3001, "AGGREGATOR_ADDR"),
        ["processor"] = (9091, "METRICS_ADDR"),
        ["enricher"] = (9090, "METRICS_ADDR"),
    };

    private static readonly Lazy<List<YamlMappingNode>> Rendered = new(() => KubernetesTree.Render("k8s"));
    private static readonly Lazy<List<YamlMappingNode>> RenderedWithKeda = new(() => KubernetesTree.Render("overlays", "keda"));

    private static IEnumerable<YamlMappingNode> OfKind(string kind) =>
        Rendered.Value.Where(d => d.Children.TryGetValue("kind", out var k) && k.ToString() == kind);

    private static YamlMappingNode Named(string kind, string name) =>
        OfKind(kind).Single(d => d["metadata"]["name"].ToString() == name);

    private static YamlMappingNode Container(YamlMappingNode workload) =>
        (YamlMappingNode)((YamlSequenceNode)workload["spec"]["template"]["spec"]["containers"]).Children[0];

    [Fact]
    public void Everything_lives_in_the_distributed_system_namespace()
    {
        Assert.Contains(OfKind("Namespace"), n => n["metadata"]["name"].ToString() == "distributed-system");
        Assert.All(Rendered.Value.Where(d => d["kind"].ToString() != "Namespace"),
            d => Assert.Equal("distributed-system", d["metadata"]["namespace"].ToString()));
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("aggregator")]
    [InlineData("processor")]
    [InlineData("enricher")]
    public void Each_service_deployment_has_probes_resources_and_scrape_annotations_that_match_the_service(string service)
    {
        var deployment = Named("Deployment", service);
        var container = Container(deployment);
        var (port, addressVariable) = Services[service];

        var env = Environment(container);
        var ports = ((YamlSequenceNode)container["ports"]).Children.Cast<YamlMappingNode>().Select(p => p["containerPort"].ToString()).ToList();
        var listens = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // An API serves /metrics on a port of its own (METRICS_PORT), the others on their only port.
        var scraped = env.GetValueOrDefault(ServiceDefaults.Http.ListenAddressExtensions.MetricsPortVariable, listens);
        Assert.Equal(new[] { listens, scraped }.Distinct(), ports);
        Assert.Equal("/health", container["readinessProbe"]["httpGet"]["path"].ToString());
        Assert.Equal("/alive", container["livenessProbe"]["httpGet"]["path"].ToString());
        Assert.Matches("^[0-9]+m?$", Scalar(container, "resources", "requests", "cpu"));
        Assert.Matches("^[0-9]+(Mi|Gi)$", Scalar(container, "resources", "limits", "memory"));

        var annotations = (YamlMappingNode)deployment["spec"]["template"]["metadata"]["annotations"];
        Assert.Equal("true", annotations["prometheus.io/scrape"].ToString());
        Assert.Equal(scraped, annotations["prometheus.io/port"].ToString());
        Assert.Equal("/metrics", annotations["prometheus.io/path"].ToString());

        // The service listens where the container port says: its *_ADDR variable names the same port.
        Assert.Equal($"0.0.0.0:{port}", env[addressVariable]);
    }

    [Fact]
    public void Services_only_use_environment_variables_the_services_read()
    {
        var specVariables = Unit.ConfigurationCatalog.ServiceVariables();
        foreach (var service in Services.Keys)
        {
            var names = Environment(Container(Named("Deployment", service))).Keys
                // ASP.NET Core's own bearer configuration, and the key the deployment signs its tokens with.
                .Where(name => !name.StartsWith("Authentication__Schemes__Bearer__", StringComparison.Ordinal)
                    && name != $"ConnectionStrings__{Contracts.ApiTokens.SigningKeyConnectionName}");
            Assert.All(names, name => Assert.Contains(name, specVariables));
        }
    }

    [Fact]
    public void Each_service_connects_as_its_own_identity_from_a_secret_the_tree_does_not_commit()
    {
        foreach (var service in Services.Keys)
        {
            var natsUrl = SecretReference(Container(Named("Deployment", service)), "NATS_URL");
            Assert.Equal(("nats-credentials", $"{service}-url"), natsUrl);
        }

        var aggregator = Container(Named("Deployment", "aggregator"));
        Assert.Equal(("postgres-credentials", "ingest-url"), SecretReference(aggregator, "DATABASE_URL"));
        Assert.DoesNotContain("DATABASE_OWNER_URL", Environment(aggregator).Keys);
        var provisioning = Container(Named("Job", "provision"));
        Assert.Equal(("postgres-credentials", "owner-url"), SecretReference(provisioning, "DATABASE_OWNER_URL"));
        Assert.Equal(("nats-credentials", "provisioner-url"), SecretReference(provisioning, "NATS_URL"));
        Assert.Equal(("nats-credentials", "provisioner-url"), SecretReference(Container(Named("Deployment", "topology-watch")), "NATS_URL"));
        Assert.Equal(("postgres-credentials", "reader-url"), SecretReference(aggregator, "DATABASE_READER_URL"));
        Assert.Equal(("grafana-credentials", "admin-password"), SecretReference(Container(Named("Deployment", "grafana")), "GF_SECURITY_ADMIN_PASSWORD"));

        // No Secret is rendered (scripts/deploy.sh generates them), in either tree, and no default password is left anywhere.
        foreach (var tree in new[] { Rendered.Value, RenderedWithKeda.Value })
        {
            Assert.DoesNotContain(tree, d => d["kind"].ToString() == "Secret");
        }

        var text = string.Join('\n', Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "deploy"), "*.yaml", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.DoesNotContain("change-me", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secretGenerator", text, StringComparison.Ordinal);
        Assert.DoesNotContain("admin/admin", text, StringComparison.Ordinal);
        // Every Secret the tree reads is one the deploy script creates.
        var deploy = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "scripts", "deploy.sh"));
        var named = SecretNames(Rendered.Value).Distinct().ToList();
        Assert.Equal(5, named.Count);
        Assert.All(named, name => Assert.True(
            deploy.Contains($"ensure_secret {name}", StringComparison.Ordinal) || deploy.Contains($"create secret generic {name}", StringComparison.Ordinal),
            $"scripts/deploy.sh does not create the Secret {name}"));
    }

    [Fact]
    public void Network_policies_let_clients_reach_only_the_apis_and_nats_and_postgres_only_their_users()
    {
        var policies = OfKind("NetworkPolicy").ToDictionary(p => p["metadata"]["name"].ToString());
        var deny = policies["default-deny-ingress"]["spec"];
        Assert.Empty((YamlMappingNode)deny["podSelector"]);
        Assert.False(((YamlMappingNode)deny).Children.ContainsKey("ingress"));

        // Ingress from anywhere only to the gateway's and the query API's ports (and the operators' UIs).
        var open = policies.Values.Where(p => ((YamlMappingNode)p["spec"]).Children.ContainsKey("ingress"))
            .SelectMany(p => Rules(p).Where(rule => !rule.Children.ContainsKey("from")).Select(rule => p["metadata"]["name"].ToString()));
        Assert.Equal(["grafana", "public-apis"], open.Distinct().Order());

        var nats = policies["nats"];
        var clients = Rules(nats).Single(rule => Ports(rule).SequenceEqual(["4222"]));
        Assert.Equal(["aggregator", "enricher", "gateway", "processor", "provision", "topology-watch"], AppsFrom(clients).Order());
        var routes = Rules(nats).Single(rule => Ports(rule).SequenceEqual(["6222"]));
        Assert.Equal(["nats"], AppsFrom(routes));

        var postgres = Assert.Single(Rules(policies["postgres"]));
        Assert.Equal(["aggregator", "provision"], AppsFrom(postgres).Order());
        Assert.Equal(["5432"], Ports(postgres));
    }

    [Fact]
    public void The_nats_configuration_is_valid_for_nats_server_with_the_secrets_in_place()
    {
        // The local nats-server (2.9) predates sync_interval; the image's (2.10) knows it. Check the rest.
        var config = Named("ConfigMap", "nats-config")["data"]["nats-server.conf"].ToString()
            .Replace("sync_interval: $NATS_SYNC_INTERVAL", string.Empty, StringComparison.Ordinal);
        var directory = Directory.CreateTempSubdirectory("nats-k8s").FullName;
        try
        {
            // The environment as Kubernetes builds it: secrets (number-like on purpose), the pod's name, $(VAR) references.
            var environment = new Dictionary<string, string>();
            foreach (var variable in ((YamlSequenceNode)Container(Named("StatefulSet", "nats"))["env"]).Children.Cast<YamlMappingNode>())
            {
                var name = variable["name"].ToString();
                environment[name] = variable.Children.TryGetValue("value", out var value)
                    ? KubernetesReference().Replace(value.ToString(), m => environment[m.Groups[1].Value])
                    : variable["valueFrom"].ToString().Contains("secretKeyRef", StringComparison.Ordinal) ? "7e5" + name.Length : "nats-0";
            }

            // The Secret nats-tls, with certificates of a test authority: nats-server -t loads them.
            TestCertificates.Write(Path.Combine(directory, "tls"), "nats", "*.nats-headless");
            var file = Path.Combine(directory, "nats-server.conf");
            File.WriteAllText(file, config.Replace("/data", Path.Combine(directory, "data"), StringComparison.Ordinal)
                .Replace("/etc/nats-tls", Path.Combine(directory, "tls"), StringComparison.Ordinal));
            var (exitCode, output) = LocalCommand.Check(Distributed.AppHost.Infrastructure.LocalExecutables.Find("nats-server")!, ["-t", "-c", file], environment);
            Assert.True(exitCode == 0, output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [GeneratedRegex(@"\$\(([A-Z_0-9]+)\)")]
    private static partial Regex KubernetesReference();

    private static IEnumerable<string> SecretNames(IEnumerable<YamlNode> nodes) => nodes.SelectMany(node => node switch
    {
        YamlMappingNode mapping => mapping.Children.SelectMany(child =>
            child.Key.ToString() == "secretKeyRef" ? [child.Value["name"].ToString()]
            : child.Key.ToString() == "secret" && child.Value is YamlMappingNode volume ? [volume["secretName"].ToString()]
            : SecretNames([child.Value])),
        YamlSequenceNode sequence => SecretNames(sequence.Children),
        _ => [],
    });

    private static IEnumerable<YamlMappingNode> Rules(YamlMappingNode policy) =>
        ((YamlSequenceNode)policy["spec"]["ingress"]).Children.Cast<YamlMappingNode>();

    private static IEnumerable<string> Ports(YamlMappingNode rule) =>
        ((YamlSequenceNode)rule["ports"]).Children.Select(p => p["port"].ToString());

    /// <summary>The app labels a rule admits, by matchLabels or an In expression.</summary>
    private static IEnumerable<string> AppsFrom(YamlMappingNode rule) =>
        ((YamlSequenceNode)rule["from"]).Children.Cast<YamlMappingNode>()
            .Where(peer => peer.Children.ContainsKey("podSelector"))
            .SelectMany(peer =>
            {
                var selector = (YamlMappingNode)peer["podSelector"];
                return selector.Children.ContainsKey("matchLabels")
                    ? [selector["matchLabels"]["app"].ToString()]
                    : ((YamlSequenceNode)((YamlSequenceNode)selector["matchExpressions"]).Children.Single()["values"]).Children.Select(v => v.ToString());
            });

    private static (string Name, string Key) SecretReference(YamlMappingNode container, string variable)
    {
        var reference = ((YamlSequenceNode)container["env"]).Children.Cast<YamlMappingNode>()
            .Single(e => e["name"].ToString() == variable)["valueFrom"]["secretKeyRef"];
        return (reference["name"].ToString(), reference["key"].ToString());
    }

    [Fact]
    public void The_processor_autoscales_and_keeps_one_replica_through_disruptions()
    {
        var hpa = Named("HorizontalPodAutoscaler", "processor");
        Assert.Equal("Deployment", hpa["spec"]["scaleTargetRef"]["kind"].ToString());
        Assert.Equal("processor", hpa["spec"]["scaleTargetRef"]["name"].ToString());
        Assert.True(int.Parse(hpa["spec"]["maxReplicas"].ToString(), System.Globalization.CultureInfo.InvariantCulture) > int.Parse(hpa["spec"]["minReplicas"].ToString(), System.Globalization.CultureInfo.InvariantCulture));

        var pdb = Named("PodDisruptionBudget", "processor");
        Assert.Equal("processor", pdb["spec"]["selector"]["matchLabels"]["app"].ToString());
    }

    [Fact]
    public void Nats_and_postgres_keep_their_data_on_persistent_volumes()
    {
        foreach (var name in new[] { "nats", "postgres" })
        {
            var statefulSet = Named("StatefulSet", name);
            Assert.NotEmpty((YamlSequenceNode)statefulSet["spec"]["volumeClaimTemplates"]);
        }

        Assert.Contains("jetstream", Named("ConfigMap", "nats-config")["data"]["nats-server.conf"].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_grafana_dashboard_ships_as_a_config_map_and_jaeger_gets_traces_over_otlp_grpc()
    {
        var dashboards = OfKind("ConfigMap").Single(c => c["metadata"]["name"].ToString().StartsWith("grafana-dashboards", StringComparison.Ordinal));
        Assert.Contains("histogram_quantile", dashboards["data"]["distributed.json"].ToString(), StringComparison.Ordinal);

        var collector = Named("ConfigMap", "otel-collector-config")["data"]["config.yaml"].ToString();
        Assert.Contains("endpoint: jaeger:4317", collector, StringComparison.Ordinal);
        var jaegerPorts = ((YamlSequenceNode)Named("Service", "jaeger")["spec"]["ports"]).Children.Cast<YamlMappingNode>();
        Assert.Contains(jaegerPorts, p => p["port"].ToString() == "4317");
    }

    [Fact]
    public void Nats_is_a_three_node_cluster_whose_routes_name_every_peer()
    {
        var nats = Named("StatefulSet", "nats");
        Assert.Equal("3", nats["spec"]["replicas"].ToString());
        Assert.Equal("Parallel", nats["spec"]["podManagementPolicy"].ToString());
        var headless = Named("Service", nats["spec"]["serviceName"].ToString());
        Assert.Equal("None", headless["spec"]["clusterIP"].ToString());
        Assert.Equal("true", headless["spec"]["publishNotReadyAddresses"].ToString());

        var config = Named("ConfigMap", "nats-config")["data"]["nats-server.conf"].ToString();
        var container = Container(nats);
        // The routes carry the route user's password, composed from the Secret in each node's environment.
        var env = Environment(container);
        foreach (var i in Enumerable.Range(0, 3))
        {
            Assert.Contains($"$NATS_ROUTE_{i}", config, StringComparison.Ordinal);
            Assert.Equal($"\"nats-route://route:$(SECRET_NATS_ROUTE_PASSWORD)@nats-{i}.{headless["metadata"]["name"]}:6222\"", env[$"NATS_ROUTE_{i}"]);
        }

        Assert.Contains("server_name: $POD_NAME", config, StringComparison.Ordinal);
        // Durable by default: a 202 survives a node's power loss (JetStream flushes before acknowledging).
        Assert.Equal("always", env["NATS_SYNC_INTERVAL"]);
        Assert.Equal("/healthz?js-enabled-only=true", container["readinessProbe"]["httpGet"]["path"].ToString());
        Assert.Equal("sh", ((YamlSequenceNode)container["livenessProbe"]["exec"]["command"]).Children[0].ToString());
        Assert.Contains(((YamlSequenceNode)container["env"]).Children.Cast<YamlMappingNode>(),
            e => e["name"].ToString() == "POD_NAME" && e["valueFrom"]["fieldRef"]["fieldPath"].ToString() == "metadata.name");

        // A drain takes at most one node at a time: two of three keep JetStream's quorum.
        var pdb = Named("PodDisruptionBudget", "nats");
        Assert.Equal("1", pdb["spec"]["maxUnavailable"].ToString());
        Assert.Equal("nats", pdb["spec"]["selector"]["matchLabels"]["app"].ToString());
    }

    [Fact]
    public void The_topology_is_declared_on_three_nodes_by_its_owner_alone()
    {
        // The provisioning Job and the topology watch declare; the services, holding no right to, never do.
        Assert.Equal("3", Environment(Container(Named("Job", "provision")))["NATS_STREAM_REPLICAS"]);
        Assert.Equal("3", Environment(Container(Named("Deployment", "topology-watch")))["NATS_STREAM_REPLICAS"]);
        foreach (var service in Services.Keys)
        {
            Assert.DoesNotContain("NATS_STREAM_REPLICAS", Environment(Container(Named("Deployment", service))).Keys);
        }
    }

    [Fact]
    public void Every_stage_runs_more_than_one_replica()
    {
        foreach (var service in Services.Keys)
        {
            Assert.True(int.Parse(Named("Deployment", service)["spec"]["replicas"].ToString(), System.Globalization.CultureInfo.InvariantCulture) > 1, $"{service} runs one replica");
        }
    }

    [Fact]
    public void The_keda_overlay_scales_the_processor_on_its_consumers_lag_instead_of_cpu()
    {
        var scaledObject = Assert.Single(RenderedWithKeda.Value, d => d["kind"].ToString() == "ScaledObject");
        Assert.Equal("distributed-system", scaledObject["metadata"]["namespace"].ToString());
        var target = scaledObject["spec"]["scaleTargetRef"];
        Assert.Equal("Deployment", target["kind"].ToString());
        Assert.Contains(RenderedWithKeda.Value, d => d["kind"].ToString() == "Deployment" && d["metadata"]["name"].ToString() == target["name"].ToString());
        Assert.Equal("processor", target["name"].ToString());

        var trigger = (YamlMappingNode)((YamlSequenceNode)scaledObject["spec"]["triggers"]).Children.Single();
        Assert.Equal("nats-jetstream", trigger["type"].ToString());
        var metadata = trigger["metadata"];
        // The names the services really use.
        Assert.Equal(Contracts.JetStreamNames.TasksStream, metadata["stream"].ToString());
        Assert.Equal(Contracts.JetStreamNames.ProcessorsConsumer, metadata["consumer"].ToString());
        Assert.Equal("$G", metadata["account"].ToString());
        Assert.Matches("^[0-9]+$", metadata["lagThreshold"].ToString());
        Assert.Matches("^[0-9]+$", metadata["activationLagThreshold"].ToString());
        var monitoring = metadata["natsServerMonitoringEndpoint"].ToString();
        var headless = Named("StatefulSet", "nats")["spec"]["serviceName"].ToString();
        Assert.StartsWith($"{headless}.distributed-system.svc", monitoring, StringComparison.Ordinal);
        Assert.EndsWith(":8222", monitoring, StringComparison.Ordinal);

        // One autoscaler per Deployment: the overlay drops the CPU HPA the base keeps.
        Assert.DoesNotContain(RenderedWithKeda.Value, d => d["kind"].ToString() == "HorizontalPodAutoscaler" && d["spec"]["scaleTargetRef"]["name"].ToString() == "processor");
        Assert.Contains(Rendered.Value, d => d["kind"].ToString() == "HorizontalPodAutoscaler" && d["spec"]["scaleTargetRef"]["name"].ToString() == "processor");
        Assert.DoesNotContain(Rendered.Value, d => d["kind"].ToString() == "ScaledObject");
        Assert.Equal(Rendered.Value.Count, RenderedWithKeda.Value.Count);
    }

    /// <summary>The scalar at a path of mapping keys, or an empty string when a key on the way is missing.</summary>
    private static string Scalar(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(key, out var child))
            {
                return string.Empty;
            }

            node = child;
        }

        return node is YamlScalarNode scalar ? scalar.Value ?? string.Empty : string.Empty;
    }

    private static Dictionary<string, string?> Environment(YamlMappingNode container) =>
        ((YamlSequenceNode)container["env"]).Children.Cast<YamlMappingNode>()
            .ToDictionary(e => e["name"].ToString(), e => e.Children.TryGetValue("value", out var v) ? v.ToString() : null);
}
