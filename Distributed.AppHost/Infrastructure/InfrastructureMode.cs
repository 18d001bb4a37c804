namespace Distributed.AppHost.Infrastructure;

public enum InfrastructureMode
{
    /// <summary>NATS and PostgreSQL as containers (Docker or Podman answers).</summary>
    Containers,

    /// <summary>NATS and PostgreSQL as local processes from the machine's packages.</summary>
    Local,
}

public static class InfrastructureModeDetector
{
    /// <summary><c>DISTRIBUTED_INFRA=local|containers</c> wins; otherwise containers when a runtime answers.</summary>
    public static InfrastructureMode Resolve(string? configured) => configured?.Trim().ToLowerInvariant() switch
    {
        "local" => InfrastructureMode.Local,
        "containers" or "container" => InfrastructureMode.Containers,
        null or "" or "auto" => ContainerRuntimeAnswers() ? InfrastructureMode.Containers : InfrastructureMode.Local,
        var other => throw new InvalidOperationException($"DISTRIBUTED_INFRA must be 'local', 'containers' or 'auto', not '{other}'."),
    };

    private static bool ContainerRuntimeAnswers() =>
        LocalCommand.Run("docker", "info") is not null || LocalCommand.Run("podman", "info") is not null;
}
