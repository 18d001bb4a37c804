using Distributed.Enricher;

namespace Distributed.Tests.Unit;

public sealed class EnrichmentFormulaTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Reads_the_uuid_bytes_in_rfc_4122_order()
    {
        // b[0]=0xff, b[1]=0x00, b[2]=0x81 as written in the UUID's text.
        var reply = EnrichmentFormula.Enrich(Guid.Parse("ff008100-0000-4000-8000-000000000000"), "compute", Now);

        Assert.Equal(90.0, reply.Geo.Lat, 10);
        Assert.Equal(-180.0, reply.Geo.Lon, 10);
        Assert.Equal(["type:compute", "source:enricher", "priority:high"], reply.Tags);
        Assert.Equal(Now, reply.EnrichedAt);
    }

    [Fact]
    public void Maps_bytes_linearly_onto_lat_and_lon()
    {
        var reply = EnrichmentFormula.Enrich(Guid.Parse("0080ff00-0000-4000-8000-000000000000"), "io", Now);

        Assert.Equal(-90.0, reply.Geo.Lat, 10);
        Assert.Equal(128 / 255.0 * 360 - 180, reply.Geo.Lon, 10);
        Assert.Contains("priority:high", reply.Tags);
    }

    [Theory]
    [InlineData("00008000-0000-4000-8000-000000000000", "priority:low")]  // b[2] = 128 is not > 128
    [InlineData("00008100-0000-4000-8000-000000000000", "priority:high")] // b[2] = 129
    public void Priority_is_high_only_above_128(string id, string expected)
    {
        var reply = EnrichmentFormula.Enrich(Guid.Parse(id), "t", Now);

        Assert.Equal(expected, reply.Tags[2]);
    }

    [Fact]
    public void Same_request_same_answer()
    {
        var id = Guid.NewGuid();

        Assert.Equal(
            EnrichmentFormula.Enrich(id, "t", Now).Geo,
            EnrichmentFormula.Enrich(id, "t", Now.AddHours(1)).Geo);
    }
}
