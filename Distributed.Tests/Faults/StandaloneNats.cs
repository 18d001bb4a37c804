using Distributed.Messaging;
using NATS.Client.Core;

namespace Distributed.Tests.Faults;

/// <summary>
/// A nats-server of a test's own, on free ports, started by <see cref="ProcessLauncher"/> with the
/// configuration the AppHost writes: the operator and every service identity, each with a password of its own.
/// </summary>
public sealed class StandaloneNats : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("distributed-nats").FullName;
    private readonly Dictionary<string, string> _passwords = ProcessLauncher.ServicePasswords();
    private readonly string _operatorPassword = ProcessLauncher.Secret();
    private readonly ManagedProcess _process;

    private StandaloneNats(bool experiments)
    {
        Port = ProcessLauncher.FreePort();
        var (fileName, arguments, environment) = ProcessLauncher.NatsServer(
            _directory, $"127.0.0.1:{Port}", $"127.0.0.1:{ProcessLauncher.FreePort()}", _operatorPassword, _passwords, experiments);
        _process = new ManagedProcess("nats", fileName, arguments, environment, Path.Combine(_directory, "nats.log"));
    }

    public int Port { get; }

    /// <summary>The server's log: its permission violations are written there too.</summary>
    public string Log => _process.ReadLog();

    /// <summary>
    /// Starts a server on ports free a moment ago. Tests run in parallel, and another may take such a
    /// port first (the server then exits, or another answers there): a start that is not ours and
    /// listening soon is given up and made again on other ports.
    /// </summary>
    public static async Task<StandaloneNats> StartAsync(bool experiments = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            var nats = new StandaloneNats(experiments);
            try
            {
                nats._process.Start();
                await Integration.Eventually.MatchAsync(async () => await nats.IsListeningAsync() || !nats._process.IsRunning, done => done,
                    TimeSpan.FromSeconds(15), "nats-server to start");
                if (nats._process.IsRunning && await nats.IsListeningAsync())
                {
                    return nats;
                }

                if (attempt == 3)
                {
                    throw new InvalidOperationException($"nats-server did not start three times; its log:{Environment.NewLine}{nats.Log}");
                }
            }
            catch (TimeoutException) when (attempt < 3)
            {
            }
            catch
            {
                await nats.DisposeAsync();
                throw;
            }

            await nats.DisposeAsync();
        }
    }

    /// <summary>The URL a service started by hand is given: its own identity's credentials.</summary>
    public string UrlFor(NatsIdentity identity) => ProcessLauncher.NatsUrlFor(identity.User, _passwords[identity.User], "127.0.0.1", Port);

    /// <summary>SIGSTOP: connections stay open and nothing answers.</summary>
    public Task PauseAsync() => _process.PauseAsync();

    public Task ResumeAsync() => _process.ResumeAsync();

    /// <summary>
    /// Declares the whole topology as the provisioning step does, with its identity and its code:
    /// a service started against this server waits for it otherwise.
    /// </summary>
    public async Task ProvisionAsync(TopologySettings? settings = null)
    {
        await using var connection = ConnectAs(NatsIdentities.Provisioner);
        var topology = new JetStreamProvisioner(connection, new NATS.Client.JetStream.NatsJSContext(connection),
            Microsoft.Extensions.Options.Options.Create(new StreamLimits()), Microsoft.Extensions.Options.Options.Create(settings ?? new TopologySettings()),
            NatsIdentities.Provisioner, new NatsEndpointDescription($"nats://127.0.0.1:{Port}"),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<JetStreamProvisioner>.Instance);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await topology.StartAsync(deadline.Token);
        await topology.WaitUntilReadyAsync(deadline.Token);
        await topology.StopAsync(CancellationToken.None);
    }

    /// <summary>A connection as the operator, who may do everything.</summary>
    public NatsConnection ConnectAsOperator() => Connect(ProcessLauncher.OperatorUser, _operatorPassword, NatsIdentities.OperatorInboxPrefix);

    /// <summary>A connection as a service's identity, with that identity's inbox prefix, as the service connects.</summary>
    public NatsConnection ConnectAs(NatsIdentity identity) => Connect(identity.User, _passwords[identity.User], identity.InboxPrefix);

    private NatsConnection Connect(string user, string password, string inboxPrefix) => new(NatsOpts.Default with
    {
        Url = $"nats://127.0.0.1:{Port}",
        AuthOpts = NatsAuthOpts.Default with { Username = user, Password = password },
        InboxPrefix = inboxPrefix,
        RequestTimeout = TimeSpan.FromSeconds(2),
    });

    private async Task<bool> IsListeningAsync()
    {
        try
        {
            await using var probe = ConnectAsOperator();
            await probe.ConnectAsync();
            return true;
        }
        catch (NatsException)
        {
            return false; // not listening yet
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
