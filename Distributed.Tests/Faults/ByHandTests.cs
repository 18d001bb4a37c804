using System.Globalization;
using Distributed.AppHost.Infrastructure;
using Distributed.Tests.Integration;

namespace Distributed.Tests.Faults;

/// <summary>
/// A service started by hand with only the spec's variables, against a NATS without authorization
/// (as the original was run): nothing else declares the topology there, so the service creates
/// what it needs itself.
/// </summary>
public sealed class ByHandTests() : StartedProcesses("distributed-by-hand")
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly int _natsPort = ProcessLauncher.FreePort();
    private readonly int _gatewayPort = ProcessLauncher.FreePort();
    private ManagedProcess _nats = null!;
    private ManagedProcess _gateway = null!;

    protected override async Task StartAsync()
    {
        var natsServer = LocalExecutables.Find("nats-server") ?? throw new InvalidOperationException("nats-server is not installed");
        _nats = Track(new ManagedProcess("nats", natsServer,
            ["-js", "-a", "127.0.0.1", "-p", _natsPort.ToString(CultureInfo.InvariantCulture), "-sd", Path.Combine(WorkDirectory, "jetstream")],
            new Dictionary<string, string>(), Path.Combine(WorkDirectory, "nats.log")));
        _nats.Start();
        var gateway = PipelineServices.Gateway;
        _gateway = Track(ProcessLauncher.Service(gateway, "gateway",
            ProcessLauncher.ServiceEnvironment(gateway, $"nats://127.0.0.1:{_natsPort}", $"127.0.0.1:{_gatewayPort}"),
            Path.Combine(WorkDirectory, "gateway.log")));
        _gateway.Start();
        await ProcessLauncher.WaitHealthyAsync(_gatewayPort, Deadline);
    }


    [Fact]
    public async Task Over_tls_a_service_verifies_the_server_by_NATS_CA_FILE_and_takes_tasks()
    {
        // A NATS that speaks TLS only, with a certificate of a test authority, as deploy/k8s's does.
        var certificates = Path.Combine(WorkDirectory, "tls");
        TestCertificates.Write(certificates, "localhost");
        var port = ProcessLauncher.FreePort();
        var config = Path.Combine(WorkDirectory, "tls.conf");
        File.WriteAllText(config, $$"""
            listen: "127.0.0.1:{{port}}"
            jetstream { store_dir: "{{Path.Combine(WorkDirectory, "tls-jetstream")}}" }
            tls { cert_file: "{{certificates}}/tls.crt", key_file: "{{certificates}}/tls.key", ca_file: "{{certificates}}/ca.crt" }
            """);
        await using var nats = new ManagedProcess("nats-tls", LocalExecutables.Find("nats-server")!, ["-c", config], new Dictionary<string, string>(), Path.Combine(WorkDirectory, "nats-tls.log"));
        nats.Start();
        var gatewayPort = ProcessLauncher.FreePort();
        var gateway = PipelineServices.Gateway;
        await using var service = ProcessLauncher.Service(gateway, "gateway-tls",
            ProcessLauncher.ServiceEnvironment(gateway, $"nats://localhost:{port}", $"127.0.0.1:{gatewayPort}",
                (Distributed.Messaging.NatsUrl.CaFileVariableName, Path.Combine(certificates, "ca.crt"))),
            Path.Combine(WorkDirectory, "gateway-tls.log"));
        service.Start();
        await ProcessLauncher.WaitHealthyAsync(gatewayPort, Deadline);

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}") };
        await client.SubmitAsync("by-hand-tls", "1");
    }

    [Fact]
    public async Task Without_authorization_a_service_declares_what_it_needs_and_takes_tasks()
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_gatewayPort}") };
        await client.SubmitAsync("by-hand", "1");

        // Keyed too: the Idempotency-Key bucket is its to declare here.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/tasks", UriKind.Relative))
        {
            Content = new StringContent("""{"task_type":"by-hand","data":2}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", "by-hand-" + Guid.NewGuid().ToString("N"));
        using var keyed = await client.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, keyed.StatusCode);
    }
}
