namespace Distributed.Messaging;

/// <summary>A service's work on one message at a time; <see cref="ConsumeLoop"/> does the rest.</summary>
public interface IMessageHandler<T>
    where T : class, Distributed.Contracts.IContractMessage
{
    Task<Handling> HandleAsync(Delivery<T> delivery, CancellationToken cancellationToken);
}

/// <summary>A service's work on a batch of messages at once; <see cref="ConsumeLoop"/> does the rest.</summary>
public interface IBatchHandler<T>
    where T : class, Distributed.Contracts.IContractMessage
{
    /// <returns>One handling per delivery, in the same order.</returns>
    Task<IReadOnlyList<Handling>> HandleAsync(IReadOnlyList<Delivery<T>> batch, CancellationToken cancellationToken);

    /// <summary>
    /// Why <see cref="HandleAsync"/> failed, when the failure is a dependency's (a database away or
    /// full): then the loop holds the batch, stops pulling, and tries again until it succeeds.
    /// Null when it is not: the batch is left unacked and comes back after the ack wait.
    /// </summary>
    string? WhyUnavailable(Exception failure);
}
