using Distributed.Aggregator.Data;
using Distributed.AppHost.Infrastructure;
using Distributed.Enricher;
using Distributed.Processor;
using Distributed.ServiceDefaults.Http;
using Distributed.Messaging;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Distributed.Tests.Unit;

public sealed class ConfigurationTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();

    [Fact]
    public void Processor_defaults_match_the_spec()
    {
        var options = new ProcessorOptions();
        Config().Bind(options);

        Assert.Equal(50, options.ProcessingDelayMs);
        Assert.Equal(2000, options.EnrichTimeoutMs);
        Assert.Equal(64, options.Concurrency);
        Assert.True(Guid.TryParse(options.ProcessorId, out _), "PROCESSOR_ID defaults to a random UUID");
        Assert.NotEqual(new ProcessorOptions().ProcessorId, options.ProcessorId);
    }

    [Fact]
    public void Processor_reads_the_spec_variable_names()
    {
        var options = new ProcessorOptions();
        Config(("PROCESSOR_ID", "p-1"), ("PROCESSING_DELAY_MS", "0"), ("ENRICH_TIMEOUT_MS", "150"), ("PROCESSOR_CONCURRENCY", "8")).Bind(options);

        Assert.Equal("p-1", options.ProcessorId);
        Assert.Equal(0, options.ProcessingDelayMs);
        Assert.Equal(150, options.EnrichTimeoutMs);
        Assert.Equal(8, options.Concurrency);
    }

    [Fact]
    public void Enricher_delay_defaults_to_10_ms_and_reads_ENRICH_DELAY_MS()
    {
        Assert.Equal(10, new EnricherOptions().EnrichDelayMs);
        var options = new EnricherOptions();
        Config(("ENRICH_DELAY_MS", "0")).Bind(options);
        Assert.Equal(0, options.EnrichDelayMs);
    }

    [Fact]
    public void Retry_delay_doubles_per_attempt_and_is_capped()
    {
        var options = new ProcessorOptions { EnrichRetryDelayMs = 500 };

        Assert.Equal(TimeSpan.FromMilliseconds(500), options.RetryDelay(1));
        Assert.Equal(TimeSpan.FromMilliseconds(1000), options.RetryDelay(2));
        Assert.Equal(TimeSpan.FromMilliseconds(4000), options.RetryDelay(4));
        Assert.Equal(TimeSpan.FromSeconds(30), options.RetryDelay(40));
    }

    [Fact]
    public void Nats_url_prefers_the_aspire_connection_string_then_NATS_URL_then_the_default()
    {
        Assert.Equal("nats://localhost:4222", NatsUrl.Resolve(Config()));
        Assert.Equal("nats://n:1", NatsUrl.Resolve(Config(("NATS_URL", "nats://n:1"))));
        Assert.Equal("nats://a:2", NatsUrl.Resolve(Config(("NATS_URL", "nats://n:1"), ("ConnectionStrings:nats", "nats://a:2"))));
    }

    [Fact]
    public void Nats_url_is_logged_without_its_password()
    {
        var redacted = NatsUrl.Redact("nats://distributed:s3cret@localhost:4222");

        Assert.DoesNotContain("s3cret", redacted, StringComparison.Ordinal);
        Assert.Contains("distributed", redacted, StringComparison.Ordinal);
        Assert.Equal("nats://localhost:4222", NatsUrl.Redact("nats://localhost:4222"));
    }

    [Fact]
    public void Nats_credentials_are_split_out_of_the_url()
    {
        Assert.Equal(("nats://localhost:4222", "distributed", "p@ss"), NatsUrl.SplitCredentials("nats://distributed:p%40ss@localhost:4222"));
        Assert.Equal(("nats://localhost:4222", (string?)null, (string?)null), NatsUrl.SplitCredentials("nats://localhost:4222"));
    }

    [Fact]
    public void A_cluster_list_keeps_every_server_and_loses_every_password()
    {
        const string list = "nats://distributed:s3cret@127.0.0.1:4222, nats://distributed:s3cret@127.0.0.1:4223,nats://127.0.0.1:4224";

        Assert.Equal(("nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224", "distributed", "s3cret"), NatsUrl.SplitCredentials(list));
        Assert.Equal(3, NatsUrl.Servers(list).Count);
        var redacted = NatsUrl.Redact(list);
        Assert.DoesNotContain("s3cret", redacted, StringComparison.Ordinal);
        Assert.Equal(3, redacted.Split(',').Length);
    }

    [Fact]
    public void Database_url_becomes_an_npgsql_connection_string()
    {
        var parsed = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(DatabaseUrl.Default));

        Assert.Equal("localhost", parsed.Host);
        Assert.Equal(5432, parsed.Port);
        Assert.Equal("aggregator", parsed.Database);
        Assert.Equal("distributed", parsed.Username);
        Assert.Equal("distributed", parsed.Password);
    }

    [Fact]
    public void Database_url_unescapes_credentials_and_keeps_the_port()
    {
        var parsed = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString("postgresql://u%40x:p%3Aw@db.local:6543/results"));

        Assert.Equal("u@x", parsed.Username);
        Assert.Equal("p:w", parsed.Password);
        Assert.Equal(6543, parsed.Port);
        Assert.Equal("results", parsed.Database);
    }

    [Theory]
    [InlineData("0.0.0.0:3000", "http://0.0.0.0:3000")]
    [InlineData("127.0.0.1:9091", "http://127.0.0.1:9091")]
    [InlineData("http://localhost:5000", "http://localhost:5000")]
    public void Listen_addresses_become_kestrel_urls(string address, string url)
    {
        Assert.Equal(url, ServiceAddress.ToUrl(address));
    }

    [Fact]
    public void Listen_address_without_a_port_is_refused()
    {
        Assert.Throws<FormatException>(() => ServiceAddress.ToUrl("localhost"));
    }

    [Fact]
    public void Service_addresses_default_to_the_spec_ports()
    {
        Assert.Equal("0.0.0.0:3000", ServiceAddress.Gateway.Default);
        Assert.Equal("0.0.0.0:3001", ServiceAddress.Aggregator.Default);
        Assert.Equal("0.0.0.0:9091", ServiceAddress.Processor.Default);
        Assert.Equal("0.0.0.0:9090", ServiceAddress.Enricher.Default);
    }

    [Fact]
    public void AppHost_reads_infrastructure_settings_with_defaults()
    {
        var settings = AppHostSettings.From(Config(("DISTRIBUTED_INFRA", "local")), "/repo/Distributed.AppHost");

        Assert.Equal(InfrastructureMode.Local, settings.Mode);
        Assert.Equal("/repo/.state", settings.StateDirectory);
        Assert.Equal((4222, 5432, 3000, 3001, 9091, 9090, 2),
            (settings.NatsPort, settings.PostgresPort, settings.GatewayPort, settings.AggregatorPort, settings.ProcessorPort, settings.EnricherPort, settings.ProcessorReplicas));
    }

    [Fact]
    public void AppHost_takes_ports_from_the_spec_addresses_and_replicas_from_config()
    {
        var settings = AppHostSettings.From(
            Config(("DISTRIBUTED_INFRA", "containers"), ("GATEWAY_ADDR", "0.0.0.0:8080"), ("PROCESSOR_REPLICAS", "4"), ("DISTRIBUTED_STATE_DIR", "/tmp/s")),
            "/repo/Distributed.AppHost");

        Assert.Equal(InfrastructureMode.Containers, settings.Mode);
        Assert.Equal(8080, settings.GatewayPort);
        Assert.Equal(4, settings.ProcessorReplicas);
        Assert.Equal("/tmp/s", settings.StateDirectory);
    }

    [Fact]
    public void Unknown_infrastructure_mode_is_an_error()
    {
        Assert.Throws<InvalidOperationException>(() => InfrastructureModeDetector.Resolve("kubernetes"));
    }
}
