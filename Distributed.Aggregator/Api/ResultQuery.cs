using System.Globalization;
using Distributed.Contracts;

namespace Distributed.Aggregator.Api;

/// <summary>The validated query of <c>GET /results</c>.</summary>
public sealed record ResultQuery(string? TaskType, int Limit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;

    /// <summary>Parses the raw query values; a bad value is a client error, never a 500.</summary>
    public static bool TryParse(string? taskType, string? limit, out ResultQuery? query, out string? error)
    {
        query = null;
        var parsedLimit = DefaultLimit;
        if (limit is not null
            && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out parsedLimit) || parsedLimit is < 1 or > MaxLimit))
        {
            error = $"'limit' must be an integer from 1 to {MaxLimit}.";
            return false;
        }

        if (taskType is not null && !TaskTypeRule.IsValid(taskType))
        {
            error = $"'task_type' must be 1-{TaskTypeRule.MaxLength} characters of A-Z, a-z, 0-9, '_' or '-'.";
            return false;
        }

        error = null;
        query = new ResultQuery(taskType, parsedLimit);
        return true;
    }
}
