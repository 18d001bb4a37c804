namespace Distributed.Contracts;

/// <summary>
/// Who sent a task: the client claim of its bearer token (OpenID Connect's <c>sub</c> by default,
/// at most 255 ASCII characters), carried in the <see cref="MessageHeaders.Client"/> header and
/// stored with the result. <see cref="Anonymous"/> is every task sent with authentication off.
/// </summary>
public static class ClientIdRule
{
    public const int MaxLength = 255;

    /// <summary>The client of a task sent with authentication off: stored as the empty string.</summary>
    public const string Anonymous = "";

    /// <summary>1-255 printable ASCII characters: what a header value and a subject claim can both carry unchanged.</summary>
    public static bool IsValid(string? client) =>
        client is { Length: > 0 and <= MaxLength } && client.All(c => c is >= '!' and <= '~');
}
