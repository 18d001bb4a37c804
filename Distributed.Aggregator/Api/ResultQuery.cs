using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Distributed.Contracts;

namespace Distributed.Aggregator.Api;

/// <summary>
/// The validated query of <c>GET /results</c>. <see cref="Before"/> is the keyset cursor: the id
/// of the last row of the previous page, so paging costs the same on page 1 and page 20,000 and
/// rows stored meanwhile neither repeat nor shift the pages.
/// </summary>
public sealed record ResultQuery(string? TaskType, int Limit, Guid? Before)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;

    /// <summary>
    /// The payloads and enrichments one page may carry: a thousand 1 MiB rows would be a 1 GiB
    /// response. A page that would pass it ends early (with at least one row) and links to the next.
    /// </summary>
    public const long MaxPageBytes = 4 * 1024 * 1024;

    /// <summary>Parses the raw query values; a bad value is a client error, never a 500.</summary>
    public static bool TryParse(
        string? taskType, string? limit, string? before, [NotNullWhen(true)] out ResultQuery? query, [NotNullWhen(false)] out string? error)
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

        Guid? cursor = null;
        if (before is not null)
        {
            if (!Guid.TryParseExact(before, "D", out var id))
            {
                error = "'before' must be the id (a UUID) of a row from the previous page.";
                return false;
            }

            cursor = id;
        }

        error = null;
        query = new ResultQuery(taskType, parsedLimit, cursor);
        return true;
    }

    /// <summary>The query string of the page after the one that ends with <paramref name="lastId"/>.</summary>
    public string NextPage(Guid lastId)
    {
        var next = $"?limit={Limit}&before={lastId:D}";
        return TaskType is null ? next : $"{next}&task_type={TaskType}";
    }
}
