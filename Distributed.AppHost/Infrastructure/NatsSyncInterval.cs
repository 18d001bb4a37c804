using System.Text.RegularExpressions;

namespace Distributed.AppHost.Infrastructure;

/// <summary>
/// How often nats-server flushes JetStream's files to disk (<c>sync_interval</c>, nats-server 2.10+).
/// nats-server's own default is every 2 minutes: a process crash loses nothing (the writes are in
/// the OS page cache), but a machine crash or power loss can lose what NATS acknowledged in that
/// window (the 2025 Jepsen analysis of NATS showed exactly this). This project asks for
/// <c>always</c> wherever the server can do it — every write flushed before the acknowledgement,
/// at a cost in throughput — and an operator opts out with a duration such as <c>2m</c>.
/// </summary>
public static partial class NatsSyncInterval
{
    public const string VariableName = "NATS_SYNC_INTERVAL";
    public const string ServerDefault = "2m";

    /// <summary>The project's default: a 202 survives a power loss, where the server can flush before acknowledging.</summary>
    public const string Durable = "always";
    private static readonly Version FirstSupporting = new(2, 10, 0);

    /// <summary><c>always</c> (also when unset) or a duration such as <c>10s</c>; anything else is refused at start.</summary>
    public static string Parse(string? configured)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            return Durable;
        }

        var value = configured.Trim().ToLowerInvariant();
        return value == "always" || Duration().IsMatch(value)
            ? value
            : throw new InvalidOperationException($"{VariableName} must be 'always' or a duration such as '10s' or '2m', not '{configured}'.");
    }

    public static bool IsSupportedBy(Version? serverVersion) => serverVersion is null || serverVersion >= FirstSupporting;

    /// <summary>
    /// What goes into the server's configuration, given what was asked for and the server that
    /// will run; <paramref name="notice"/> says plainly what a crash can cost when the request
    /// cannot be honoured, instead of failing the start or ignoring it silently.
    /// </summary>
    public static string? ForServer(string? requested, Version? serverVersion, out string? notice)
    {
        notice = null;
        if (requested is null || IsSupportedBy(serverVersion))
        {
            return requested;
        }

        notice = $"JetStream's sync_interval '{requested}' ({VariableName}) is not applied: nats-server {serverVersion} predates it (2.10). "
            + $"It flushes JetStream to disk every {ServerDefault}: a process crash loses nothing, but a machine crash or power loss "
            + $"can lose tasks acknowledged (202) in the last {ServerDefault}. Use container mode (nats:2.10) or a newer nats-server for '{requested}'.";
        return null;
    }

    /// <summary>The version <c>nats-server --version</c> reports, or null when it cannot be told.</summary>
    public static Version? VersionOf(string command) =>
        LocalCommand.Run(command, "--version") is { } output && VersionNumber().Match(output) is { Success: true } match
            ? Version.Parse(match.Groups[1].Value)
            : null;

    [GeneratedRegex(@"^\d+(ms|s|m|h)$")]
    private static partial Regex Duration();

    [GeneratedRegex(@"v(\d+\.\d+\.\d+)")]
    private static partial Regex VersionNumber();
}
