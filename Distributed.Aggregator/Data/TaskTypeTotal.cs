namespace Distributed.Aggregator.Data;

/// <summary>
/// How many results of one task type one client has stored. Kept by the statement that stores the
/// rows, so <c>GET /stats</c> reads one row per task type instead of counting the whole table.
/// </summary>
public sealed class TaskTypeTotal
{
    public string ClientId { get; set; } = Distributed.Contracts.ClientIdRule.Anonymous;

    public required string TaskType { get; set; }

    public long Count { get; set; }
}
