namespace Distributed.Bench.Ceilings;

/// <summary>The most one step sustains alone on this machine.</summary>
public sealed record CeilingResult(string Name, double PerSecond, string Unit);
