using System.Text.Json.Nodes;

namespace Distributed.Bench.Ceilings;

/// <summary>The most one step sustains alone on this machine, and (for HTTP) what its answers cost at a fixed rate.</summary>
public sealed record CeilingResult(string Name, double PerSecond, string Unit, JsonObject? Detail);
