using Distributed.Contracts;
using Distributed.AppHost.Infrastructure;
using Distributed.Messaging;
using Distributed.Tests.Integration;
using NATS.Client.Core;

namespace Distributed.Tests.Faults;

/// <summary>
/// Experiments are opt-in: an enricher started without EXPERIMENTS_ENABLED does not listen on its
/// control subject at all, even where NATS would let it, and one started with it does.
/// </summary>
public sealed class ExperimentsOptInTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("distributed-experiments").FullName;
    private readonly List<ManagedProcess> _enrichers = [];
    private StandaloneNats _nats = null!;

    // NATS itself allows the control subjects here, so what is tested is the service's own switch.
    public async Task InitializeAsync() => _nats = await StandaloneNats.StartAsync(experiments: true);

    public async Task DisposeAsync()
    {
        foreach (var enricher in _enrichers)
        {
            await enricher.DisposeAsync();
        }

        await _nats.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_service_without_experiments_enabled_ignores_its_control_subject()
    {
        await using var admin = _nats.ConnectAsOperator();

        await StartEnricherAsync(experiments: null);
        await Assert.ThrowsAsync<NatsNoRespondersException>(() => AskFaultsAsync(admin));

        await StartEnricherAsync(experiments: "true");
        var reply = await Eventually.MatchAsync(() => AskFaultsAsync(admin), answered => answered is not null, Deadline, "an enricher with experiments to answer");
        Assert.Contains("error_rate", reply, StringComparison.Ordinal);
    }

    private static async Task<string?> AskFaultsAsync(NatsConnection admin)
    {
        var reply = await admin.RequestAsync<byte[], byte[]>(ControlSubjects.EnricherFaults, [], replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(2) });
        return reply.Data is { } data ? System.Text.Encoding.UTF8.GetString(data) : null;
    }

    private async Task StartEnricherAsync(string? experiments)
    {
        var port = ProcessLauncher.FreePort();
        var service = PipelineServices.Enricher;
        var environment = ProcessLauncher.ServiceEnvironment(service, _nats.UrlFor(service.Identity), $"127.0.0.1:{port}");
        if (experiments is not null)
        {
            environment[Distributed.Contracts.ControlSubjects.ExperimentsEnabledVariable] = experiments;
        }

        var enricher = ProcessLauncher.Service(service, $"enricher-{_enrichers.Count}", environment,
            Path.Combine(_directory, $"enricher-{_enrichers.Count}.log"));
        _enrichers.Add(enricher);
        enricher.Start();
        await ProcessLauncher.WaitHealthyAsync(port, Deadline);
    }
}
