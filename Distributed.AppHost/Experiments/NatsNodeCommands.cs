namespace Distributed.AppHost.Experiments;

/// <summary>"Kill this node" on each node of a local NATS cluster: kill -9, as a machine's loss looks to the others.</summary>
public static class NatsNodeCommands
{
    public const string KillNode = "kill-node";

    public static IResourceBuilder<T> WithKillNodeCommand<T>(this IResourceBuilder<T> node)
        where T : ExecutableResource
    {
        node.WithCommand(KillNode, "Kill this node",
            context => ProcessKill.KillAsync(context,
                "the streams it led elect a new leader among the other nodes, and clients reconnect to them; Start brings it back and it catches up"),
            new CommandOptions
            {
                Description = "kill -9 this nats-server: with streams kept on 3 nodes, the cluster keeps accepting and delivering.",
                IconName = "PlugDisconnected",
                ConfirmationMessage = "Kill this NATS node with SIGKILL?",
                UpdateState = CommandStates.EnabledWhenHealthy,
            });
        return node;
    }
}
