using Polly;
using Polly.Retry;

namespace Distributed.Messaging;

/// <summary>
/// The one retry policy for a dependency that is not there (yet): NATS at start-up, JetStream
/// refusing a publish, PostgreSQL down or out of space. Retries until the work succeeds or the
/// service stops, the delay doubling from 250 ms to at most 5 s: a dependency that comes back is
/// used again within seconds, one that stays away costs a call every 5 s.
/// </summary>
public static class DependencyRetry
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    /// <param name="isTransient">Whether a failure is the dependency's, and worth waiting out.</param>
    /// <param name="onRetry">Runs before each wait: to log, or to tell JetStream that held messages are still being worked on.</param>
    public static ResiliencePipeline Create(Func<Exception, bool> isTransient, Func<Exception, TimeSpan, ValueTask> onRetry, TimeProvider? clock = null) =>
        new ResiliencePipelineBuilder { TimeProvider = clock ?? TimeProvider.System }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } failure && failure is not OperationCanceledException && isTransient(failure)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = FirstDelay,
                MaxDelay = MaxDelay,
                UseJitter = false,
                OnRetry = args => onRetry(args.Outcome.Exception!, args.RetryDelay),
            })
            .Build();

    public static async Task<T> UntilSuccessAsync<T>(
        Func<CancellationToken, Task<T>> attempt,
        Func<Exception, bool> isTransient,
        Action<Exception, TimeSpan> onRetry,
        CancellationToken cancellationToken)
    {
        var pipeline = Create(isTransient, (failure, delay) =>
        {
            onRetry(failure, delay);
            return ValueTask.CompletedTask;
        });
        return await pipeline.ExecuteAsync(async token => await attempt(token), cancellationToken);
    }
}
