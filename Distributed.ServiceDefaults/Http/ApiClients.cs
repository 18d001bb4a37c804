using System.Security.Claims;
using Distributed.Contracts;
using Microsoft.AspNetCore.Http;

namespace Distributed.ServiceDefaults.Http;

/// <summary>
/// Who a request comes from. With authentication on, the client named by the token's client claim
/// (<see cref="ApiAuthentication.ClientClaimVariable"/>, <c>sub</c> unless set): a task is stored
/// as that client's, and only that client reads it. With authentication off, every request is
/// <see cref="ClientIdRule.Anonymous"/>'s, and only limits tell callers apart, by remote address.
/// </summary>
public sealed class ApiClients(bool authenticated, string claim)
{
    public string Claim => claim;

    /// <summary>The client a request acts for; with authentication on, an endpoint's policy has checked it is there.</summary>
    public string ClientOf(HttpContext context) =>
        authenticated ? context.User.FindFirst(claim)!.Value : ClientIdRule.Anonymous;

    /// <summary>What a per-client limit counts against: the client, or with authentication off the remote address.</summary>
    public string PartitionOf(HttpContext context) =>
        authenticated && context.User.FindFirst(claim)?.Value is { } client
            ? client
            : context.Connection.RemoteIpAddress?.ToString() ?? string.Empty;

    internal bool HasClient(ClaimsPrincipal user) => ClientIdRule.IsValid(user.FindFirst(claim)?.Value);
}
