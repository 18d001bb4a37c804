using Distributed.Contracts;
using Distributed.Tests.Faults;

namespace Distributed.Tests.Deployment;

/// <summary>
/// The README's architecture diagram (Mermaid, which GitHub renders) is drawn from the names the
/// code declares — streams, consumers, subjects, the queue group — so the picture cannot drift from
/// the topology: a rename makes this test fail and print the diagram to paste.
/// </summary>
public sealed class ArchitectureDiagramTests
{
    public static string Render() => $$"""
        ```mermaid
        flowchart LR
            client([client])
            client -- "POST /tasks" --> gateway
            gateway -- "publish {{Subjects.TasksPrefix}}{type}" --> tasks[("stream {{JetStreamNames.TasksStream}}")]
            tasks -- "consumer {{JetStreamNames.ProcessorsConsumer}}<br/>(each task to one replica)" --> processor
            processor -- "request {{Subjects.EnrichRequest}}<br/>(queue group {{JetStreamNames.EnricherQueueGroup}})" --> enricher
            processor -- "publish {{Subjects.ResultsPrefix}}{type}" --> results[("stream {{JetStreamNames.ResultsStream}}")]
            results -- "consumer {{JetStreamNames.AggregatorConsumer}}" --> aggregator
            aggregator -- "batched INSERT, ack after commit" --> postgres[("PostgreSQL")]
            client -- "GET /results, /stats" --> aggregator
            processor -. "{{Subjects.DeadLetterPrefix}}{{DeadLetterStages.Processor}}" .-> deadletter[("stream {{JetStreamNames.DeadLetterStream}}")]
            aggregator -. "{{Subjects.DeadLetterPrefix}}{{DeadLetterStages.Aggregator}}" .-> deadletter
        ```
        """;

    [Fact]
    public void The_readme_draws_the_topology_the_code_declares()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));

        Assert.True(readme.Contains(Render(), StringComparison.Ordinal), "README.md's architecture diagram differs from the code's topology; it should read:\n" + Render());
    }
}
