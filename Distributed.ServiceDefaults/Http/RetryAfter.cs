using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Distributed.ServiceDefaults.Http;

/// <summary>What a 503 tells a client: when to try again. The same pause for every service.</summary>
public static class RetryAfter
{
    public const int Seconds = 2;

    public static void Apply(HttpResponse response) =>
        response.Headers.RetryAfter = Seconds.ToString(CultureInfo.InvariantCulture);
}
