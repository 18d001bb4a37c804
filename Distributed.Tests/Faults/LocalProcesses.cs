using System.Globalization;
using System.Net;
using Distributed.AppHost.Infrastructure;
using Distributed.Messaging;
using NATS.Client.Core;
using Npgsql;

namespace Distributed.Tests.Faults;

/// <summary>
/// The topology as separate OS processes — nats-server, PostgreSQL, enricher, two processors,
/// aggregator, gateway — for what the AppHost cannot shape: kill -9 or SIGSTOP any one part by its
/// PID, empty NATS's store while it is down, add an enricher with settings of its own, receive the
/// services' spans over OTLP, and start the services first, before NATS and PostgreSQL exist, as an
/// operator might do by accident.
/// On loopback, or <see cref="IsolatedProcesses">each on a machine of its own</see>; each part is
/// wired by <see cref="ProcessLauncher"/> from the AppHost's own code.
/// </summary>
public class LocalProcesses : IAsyncLifetime
{
    public const int StreamMaxMessages = 600;

    /// <summary>Low, so a test can exhaust it quickly; above ENRICH_MAX_ATTEMPTS as the processor requires.</summary>
    public const int MaxDeliveries = 8;
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(90);

    private readonly string _stateDirectory = Path.Combine(Path.GetTempPath(), "distributed-faults", Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, ManagedProcess> _parts = [];
    private readonly Dictionary<string, Uri> _healthUrls = [];
    private readonly bool _isolated;

    // Free loopback ports, chosen once: a part restarted by a test comes back where it was.
    private readonly int _natsPort = ProcessLauncher.FreePort();
    private readonly int _natsMonitorPort = ProcessLauncher.FreePort();
    private readonly int _postgresPort = ProcessLauncher.FreePort();
    private readonly int _gatewayPort = ProcessLauncher.FreePort();
    private readonly int _aggregatorPort = ProcessLauncher.FreePort();
    private readonly Tracing.OtlpTraceReceiver? _traces;

    public LocalProcesses()
        : this(isolated: false)
    {
    }

    protected LocalProcesses(bool isolated)
    {
        _isolated = isolated;
        // The receiver listens on the test's loopback, which an isolated service cannot reach.
        _traces = isolated ? null : new Tracing.OtlpTraceReceiver(ProcessLauncher.FreePort());
    }

    /// <summary>The namespaces the parts run in, when isolated; links between them can be cut.</summary>
    public PrivateNetwork? Network { get; private set; }

    /// <summary>Where a part listens: its own machine's address when isolated, else loopback.</summary>
    public string AddressOf(string part) => Network?.AddressOf(part) ?? "127.0.0.1";

    public string NatsPassword { get; } = ProcessLauncher.Secret();

    public string PostgresPassword { get; } = ProcessLauncher.Secret();

    /// <summary>The aggregator's three database roles' passwords, as the AppHost generates them.</summary>
    public IReadOnlyDictionary<DatabaseRole, string> DatabaseRolePasswords { get; } = ProcessLauncher.RolePasswords();

    /// <summary>Each service's own NATS password, as the AppHost generates one per identity.</summary>
    public IReadOnlyDictionary<string, string> ServiceNatsPasswords { get; } = ProcessLauncher.ServicePasswords();

    /// <summary>The operator's URL, for the test's own connections.</summary>
    public string NatsUrl => ProcessLauncher.NatsUrlFor(ProcessLauncher.OperatorUser, NatsPassword, AddressOf("nats"), _natsPort);

    /// <summary>nats-server's monitoring endpoint (<c>/connz</c>, <c>/jsz</c>).</summary>
    public Uri NatsMonitor => new($"http://{AddressOf("nats")}:{_natsMonitorPort}");

    /// <summary>Where nats-server keeps JetStream's data: deleting it while NATS is down is a lost volume.</summary>
    public string NatsStoreDirectory => Path.Combine(_stateDirectory, "nats", "jetstream");

    /// <summary>Where PostgreSQL keeps its data directory; a fixture may mount a small disk there before the topology starts.</summary>
    protected string PostgresDisk => Path.Combine(_stateDirectory, "postgres");

    private string PostgresDataDirectory => Path.Combine(PostgresDisk, "data");

    public HttpClient Gateway { get; private set; } = null!;

    public HttpClient Aggregator { get; private set; } = null!;

    /// <summary>What /alive and /health said while NATS and PostgreSQL were not there yet.</summary>
    public IReadOnlyDictionary<string, (HttpStatusCode Alive, HttpStatusCode Health)> BeforeDependencies { get; private set; } =
        new Dictionary<string, (HttpStatusCode, HttpStatusCode)>();

    public static IReadOnlyList<string> Services { get; } = ["enricher", "processor-1", "processor-2", "aggregator", "gateway"];

    /// <summary>The provisioning step, staying on as the topology watch (it has no HTTP endpoint).</summary>
    public const string Provisioning = "provision";

    /// <summary>Every part, dependencies first.</summary>
    public static IReadOnlyList<string> AllParts { get; } = ["nats", "postgres", Provisioning, .. Services];

    public ManagedProcess this[string part] => _parts[part];

    /// <summary>Every service exports its traces here, over OTLP/HTTP, as it would to a collector.</summary>
    public Tracing.OtlpTraceReceiver Traces => _traces ?? throw new InvalidOperationException("isolated services export no traces");

    public virtual async Task InitializeAsync()
    {
        Directory.CreateDirectory(_stateDirectory);
        if (_isolated)
        {
            Network = await PrivateNetwork.CreateAsync(AllParts);
        }

        Gateway = new HttpClient { BaseAddress = new Uri($"http://{AddressOf("gateway")}:{_gatewayPort}"), Timeout = TimeSpan.FromSeconds(15) };
        Aggregator = new HttpClient { BaseAddress = new Uri($"http://{AddressOf("aggregator")}:{_aggregatorPort}"), Timeout = TimeSpan.FromSeconds(15) };
        var common = new List<(string, string)>
        {
            ("STREAM_MAX_MSGS", StreamMaxMessages.ToString(CultureInfo.InvariantCulture)),
            ("MAX_DELIVERIES", MaxDeliveries.ToString(CultureInfo.InvariantCulture)),
            // One timestamped line per event, so a failure can be read against the fault's time.
            ("Logging__Console__FormatterName", "simple"),
            ("Logging__Console__FormatterOptions__SingleLine", "true"),
            ("Logging__Console__FormatterOptions__TimestampFormat", "HH:mm:ss.fff "),
        };
        if (_traces is not null)
        {
            common.Add(("OTEL_EXPORTER_OTLP_ENDPOINT", Traces.Endpoint));
            common.Add(("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"));
            common.Add(("OTEL_BSP_SCHEDULE_DELAY", "200"));
            // As the AppHost runs them: every span sampled, whatever its parent decided.
            common.Add(("OTEL_TRACES_SAMPLER", "always_on"));
        }

        AddService(PipelineServices.Enricher, "enricher", ProcessLauncher.FreePort(), [.. common, ("ENRICH_DELAY_MS", "1")]);
        foreach (var replica in new[] { 1, 2 })
        {
            var port = ProcessLauncher.FreePort();
            AddService(PipelineServices.Processor, $"processor-{replica}", port,
                [.. common, ("PROCESSOR_ID", $"processor-{replica}"), ("PROCESSING_DELAY_MS", "5"),
                    ("ENRICH_TIMEOUT_MS", "500"), ("ENRICH_MAX_ATTEMPTS", "4"), ("ENRICH_RETRY_DELAY_MS", "250")]);
        }

        // Each of the aggregator's three roles by its variable, as by hand.
        AddService(PipelineServices.Aggregator, "aggregator", _aggregatorPort,
            [.. common, .. ProcessLauncher.DatabaseEnvironment(DatabaseRolePasswords, AddressOf("postgres"), _postgresPort)]);
        AddService(PipelineServices.Gateway, "gateway", _gatewayPort, common);

        var (natsServer, natsArguments, natsEnvironment) = ProcessLauncher.NatsServer(Path.Combine(_stateDirectory, "nats"),
            $"{AddressOf("nats")}:{_natsPort}", $"{AddressOf("nats")}:{_natsMonitorPort}", NatsPassword, ServiceNatsPasswords);
        (natsServer, natsArguments) = OnItsMachine("nats", natsServer, natsArguments);
        _parts["nats"] = new ManagedProcess("nats", natsServer, natsArguments, natsEnvironment, Log("nats"));
        var (postgres, postgresArguments, postgresEnvironment) = ProcessLauncher.Postgres(
            PostgresDataDirectory, _postgresPort, AddressOf("postgres"), Network?.Cidr, PostgresPassword, DatabaseRolePasswords);
        (postgres, postgresArguments) = OnItsMachine("postgres", postgres, postgresArguments);
        _parts["postgres"] = new ManagedProcess("postgres", postgres, postgresArguments, postgresEnvironment, Log("postgres"));

        var identity = NatsIdentities.Provisioner;
        _parts[Provisioning] = ProcessLauncher.Provisioning(
            ProcessLauncher.NatsUrlFor(identity.User, ServiceNatsPasswords[identity.User], AddressOf("nats"), _natsPort),
            DatabaseRolePasswords, AddressOf("postgres"), _postgresPort, common, Log(Provisioning), (file, args) => OnItsMachine(Provisioning, file, args));

        // Services first: they must wait for their dependencies and the topology, not crash.
        foreach (var service in Services)
        {
            _parts[service].Start();
        }

        var before = new Dictionary<string, (HttpStatusCode, HttpStatusCode)>();
        foreach (var service in Services)
        {
            before[service] = await ProbeWhileDependenciesMissingAsync(service);
        }

        BeforeDependencies = before;

        await StartAsync("nats");
        await StartAsync("postgres");
        await StartAsync(Provisioning);
        foreach (var service in Services)
        {
            await StartAsync(service);
        }
    }

    /// <summary>Starts a part and waits until it is usable, starting it again if it exits on the way.</summary>
    public async Task StartAsync(string part)
    {
        using var deadline = new CancellationTokenSource(ReadyDeadline);
        while (true)
        {
            if (!_parts[part].IsRunning)
            {
                _parts[part].Start();
            }

            if (await IsReadyAsync(part, deadline.Token))
            {
                return;
            }

            if (deadline.IsCancellationRequested)
            {
                var log = _parts[part].ReadLog();
                throw new TimeoutException(
                    $"{part} was not ready within {ReadyDeadline.TotalSeconds} s (running: {_parts[part].IsRunning}); end of its log:{Environment.NewLine}{log[Math.Max(0, log.Length - 3000)..]}");
            }

            await Task.Delay(250, CancellationToken.None);
        }
    }

    /// <summary>An extra enricher with its own settings, for a test that needs one that behaves differently.</summary>
    public ManagedProcess AddEnricher(string name, params (string Key, string Value)[] settings)
    {
        if (Network is not null)
        {
            throw new InvalidOperationException("an extra service needs a machine of its own; add it to AllParts instead");
        }

        AddService(PipelineServices.Enricher, name, ProcessLauncher.FreePort(), [("STREAM_MAX_MSGS", StreamMaxMessages.ToString(CultureInfo.InvariantCulture)), .. settings]);
        return _parts[name];
    }

    public Uri HealthUrl(string service) => _healthUrls[service];

    public string ReadAllLogs() => string.Join(Environment.NewLine, _parts.Values.Select(p => p.ReadLog()));

    public async Task<string> MetricsAsync(string service)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var health = _healthUrls[service];
        return await client.GetStringAsync(new Uri(health, "/metrics"));
    }

    private async Task<bool> IsReadyAsync(string part, CancellationToken cancellationToken)
    {
        try
        {
            switch (part)
            {
                case "nats":
                    // Each attempt is bounded, so one that hangs cannot use up the whole deadline.
                    using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                    await using (var connection = new NatsConnection(NatsOpts.Default with { Url = NatsUrl, ConnectTimeout = TimeSpan.FromSeconds(1) }))
                    {
                        attempt.CancelAfter(TimeSpan.FromSeconds(3));
                        await connection.ConnectAsync().AsTask().WaitAsync(attempt.Token);
                        await connection.PingAsync(attempt.Token);
                    }

                    return true;
                case "postgres":
                    await using (var connection = new NpgsqlConnection(
                        $"Host={AddressOf("postgres")};Port={_postgresPort};Username=postgres;Password={PostgresPassword};Database=postgres;Timeout=2;Pooling=false"))
                    {
                        await connection.OpenAsync(cancellationToken);
                    }

                    return true;
                case Provisioning:
                    // Done when the services it provisions for say ready; here, only that it runs.
                    return _parts[part].IsRunning;
                default:
                    using (var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) })
                    using (var response = await client.GetAsync(_healthUrls[part], cancellationToken))
                    {
                        return response.StatusCode == HttpStatusCode.OK;
                    }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or NatsException or NpgsqlException or TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<(HttpStatusCode Alive, HttpStatusCode Health)> ProbeWhileDependenciesMissingAsync(string service)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var alive = new Uri(_healthUrls[service], "/alive");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                using var aliveResponse = await client.GetAsync(alive, deadline.Token);
                using var healthResponse = await client.GetAsync(_healthUrls[service], deadline.Token);
                return (aliveResponse.StatusCode, healthResponse.StatusCode);
            }
            catch (HttpRequestException) when (!deadline.IsCancellationRequested && _parts[service].IsRunning)
            {
                await Task.Delay(200, CancellationToken.None);
            }
            catch (HttpRequestException) when (!_parts[service].IsRunning)
            {
                throw new InvalidOperationException($"{service} exited while NATS and PostgreSQL were down:{Environment.NewLine}{_parts[service].ReadLog()}");
            }
        }
    }

    private void AddService(PipelineService service, string name, int port, IEnumerable<(string Key, string Value)> settings)
    {
        // Each service connects as its own NATS identity, as under the AppHost.
        var identity = service.Identity;
        var environment = ProcessLauncher.ServiceEnvironment(service,
            ProcessLauncher.NatsUrlFor(identity.User, ServiceNatsPasswords[identity.User], AddressOf("nats"), _natsPort), $"{AddressOf(name)}:{port}", settings);
        var (fileName, arguments) = ProcessLauncher.ServiceCommand(service);
        (fileName, arguments) = OnItsMachine(name, fileName, arguments);
        _parts[name] = new ManagedProcess(name, fileName, arguments, environment, Log(name));
        _healthUrls[name] = new Uri($"http://{AddressOf(name)}:{port}/health");
    }

    private (string FileName, IReadOnlyList<string> Arguments) OnItsMachine(string part, string fileName, IReadOnlyList<string> arguments) =>
        Network?.Inside(part, fileName, arguments) ?? (fileName, arguments);

    private string Log(string name) => Path.Combine(_stateDirectory, name + ".log");

    public virtual async Task DisposeAsync()
    {
        _traces?.Dispose();
        Gateway?.Dispose();
        Aggregator?.Dispose();
        foreach (var part in _parts.Values.Reverse())
        {
            await part.DisposeAsync();
        }

        if (Network is not null)
        {
            await Network.DisposeAsync();
        }

        var keepLogs = Environment.GetEnvironmentVariable("DISTRIBUTED_KEEP_FAULT_LOGS") == "1";
        if (!keepLogs)
        {
            try
            {
                Directory.Delete(_stateDirectory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Best effort; the OS temp cleaner takes what is left.
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LocalProcessesCollection : ICollectionFixture<LocalProcesses>
{
    public const string Name = "local-processes";
}

/// <summary>
/// The same topology, for the trace tests alone: after the fault tests' kills and restarts, one
/// processor's spans sometimes stopped reaching the test's OTLP receiver while it kept processing
/// (about one run in four, seen since at least 780d353; not yet diagnosed, see the issue notes).
/// </summary>
public sealed class TracedProcesses : LocalProcesses;

[CollectionDefinition(Name)]
public sealed class TracedProcessesCollection : ICollectionFixture<TracedProcesses>
{
    public const string Name = "traced-processes";
}
