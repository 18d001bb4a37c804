using Distributed.Aggregator.Data;
using Npgsql;

namespace Distributed.Tests.Unit;

public sealed class ResultsConnectionStringTests
{
    private const string Plain = "Host=db;Port=5432;Username=u;Password=p;Database=aggregator";

    [Fact]
    public void A_plain_connection_string_gets_the_read_settings()
    {
        var tuned = new NpgsqlConnectionStringBuilder(ResultsConnectionString.Tune(Plain));

        Assert.Equal(ResultsConnectionString.AutoPreparedStatements, tuned.MaxAutoPrepare);
        Assert.True(tuned.NoResetOnClose);
        Assert.Equal($"-c random_page_cost={ResultsConnectionString.RandomPageCost}", tuned.Options);
        Assert.Equal("db", tuned.Host);
        Assert.Equal("aggregator", tuned.Database);
    }

    [Theory]
    [InlineData("Max Auto Prepare=4;No Reset On Close=false;Options=-c random_page_cost=4")]
    [InlineData("MaxAutoPrepare=4;NoResetOnClose=false;Options=-c Random_Page_Cost=4")]
    public void An_operators_own_values_are_kept(string settings)
    {
        var tuned = new NpgsqlConnectionStringBuilder(ResultsConnectionString.Tune($"{Plain};{settings}"));

        Assert.Equal(4, tuned.MaxAutoPrepare);
        Assert.False(tuned.NoResetOnClose);
        Assert.Equal(1, tuned.Options!.Split("-c ").Count(part => part.Length > 0));
        Assert.EndsWith("=4", tuned.Options, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_session_options_stay_beside_the_page_cost()
    {
        var tuned = new NpgsqlConnectionStringBuilder(ResultsConnectionString.Tune($"{Plain};Options=-c statement_timeout=5000"));

        Assert.Equal($"-c statement_timeout=5000 -c random_page_cost={ResultsConnectionString.RandomPageCost}", tuned.Options);
    }

    [Fact]
    public void No_connection_waits_long_on_a_silent_server_and_the_ingest_and_query_statements_are_bounded()
    {
        var owner = new NpgsqlConnectionStringBuilder(ResultsConnectionString.Tune(Plain));
        Assert.Equal(ResultsConnectionString.ConnectSeconds, owner.Timeout);
        Assert.Equal(ResultsConnectionString.CancellationMilliseconds, owner.CancellationTimeout);

        // Under the aggregator's ack wait, so a hung PostgreSQL is met by a held batch, not a redelivery.
        var ingest = new NpgsqlConnectionStringBuilder(ResultsConnectionString.TuneIngest(Plain));
        Assert.Equal(ResultsConnectionString.IngestCommandSeconds, ingest.CommandTimeout);
        Assert.True(TimeSpan.FromSeconds(ingest.CommandTimeout) < Distributed.Messaging.PipelineTopology.AggregatorAckWait);
        Assert.Equal(ResultsConnectionString.ConnectSeconds, ingest.Timeout);

        var reader = new NpgsqlConnectionStringBuilder(ResultsConnectionString.TuneReader(Plain));
        Assert.Equal(ResultsConnectionString.ReaderCommandSeconds, reader.CommandTimeout);
        Assert.Equal(ResultsConnectionString.ConnectSeconds, reader.Timeout);

        var own = new NpgsqlConnectionStringBuilder(ResultsConnectionString.TuneReader($"{Plain};Timeout=9;Command Timeout=20;Cancellation Timeout=100"));
        Assert.Equal(9, own.Timeout);
        Assert.Equal(20, own.CommandTimeout);
        Assert.Equal(100, own.CancellationTimeout);
    }
}
